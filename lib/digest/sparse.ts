/**
 * A sparse in-memory copy of the parts of a file that are not page data (header, program headers,
 * notes, section tables), kept while a core streams past so `parseCore` can run on it at the end.
 *
 * @module
 */

import type { ByteSource } from "../bytes/source.ts";
import { concat } from "../bytes/streams.ts";

/** A contiguous stored range. */
export interface StoredRange {
  /** Absolute file offset of the first byte. */
  readonly offset: number;
  /** The bytes. */
  readonly bytes: Uint8Array;
}

/** Collects byte ranges in file order, coalescing adjacent ones, up to a byte budget. */
export class SparseStore {
  #ranges: { offset: number; parts: Uint8Array[]; length: number }[] = [];
  #stored = 0;

  /** @param budget most bytes kept; bytes past it are dropped unless `force` is set */
  constructor(readonly budget: number) {}

  /** Bytes stored so far. */
  get stored(): number {
    return this.#stored;
  }

  /** Stores a copy of `bytes` at `offset` (offsets must not decrease). Returns false when dropped. */
  add(offset: number, bytes: Uint8Array, force = false): boolean {
    if (bytes.length === 0) return true;
    if (!force && this.#stored + bytes.length > this.budget) return false;
    const last = this.#ranges[this.#ranges.length - 1];
    const copy = bytes.slice();
    if (last && last.offset + last.length === offset) {
      last.parts.push(copy);
      last.length += copy.length;
    } else {
      this.#ranges.push({ offset, parts: [copy], length: copy.length });
    }
    this.#stored += copy.length;
    return true;
  }

  /** The stored ranges, each as one array. */
  ranges(): StoredRange[] {
    return this.#ranges.map((r) => ({ offset: r.offset, bytes: concat(r.parts) }));
  }
}

/**
 * A {@link ByteSource} of `size` bytes backed by stored ranges. A read returns the stored bytes
 * from `offset` up to the end of its range (fewer than asked when the rest was not stored): views
 * of the ranges, which nobody writes to, so the source is `fresh` (a parser keeps them uncopied).
 */
export function sparseSource(ranges: readonly StoredRange[], size: number): ByteSource {
  const sorted = [...ranges].sort((a, b) => a.offset - b.offset);
  return {
    size,
    fresh: true,
    read(offset: number, length: number): Promise<Uint8Array> {
      for (const r of sorted) {
        if (offset >= r.offset && offset < r.offset + r.bytes.length) {
          const at = offset - r.offset;
          return Promise.resolve(r.bytes.subarray(at, Math.min(r.bytes.length, at + length)));
        }
      }
      return Promise.resolve(new Uint8Array());
    },
  };
}
