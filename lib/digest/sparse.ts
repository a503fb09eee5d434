/**
 * A sparse in-memory copy of the parts of a file that are not page data (header, program headers,
 * notes, section tables), kept while a core streams past so `parseCore` can run on it at the end.
 *
 * @module
 */

import { lowerBound } from "../bytes/rows.ts";
import type { ByteSource } from "../bytes/source.ts";

/** A contiguous stored range. */
export interface StoredRange {
  /** Absolute file offset of the first byte. */
  readonly offset: number;
  /** The bytes. */
  readonly bytes: Uint8Array;
}

/**
 * Collects byte ranges in file order, up to a byte budget. The pieces are kept as stored (touching
 * ones are one range of a digest's skeleton, see `skeletonRuns`), so nothing is joined by copying.
 */
export class SparseStore {
  #pieces: StoredRange[] = [];
  #stored = 0;

  /** @param budget most bytes kept; bytes past it are dropped unless `force` is set */
  constructor(readonly budget: number) {}

  /** Bytes stored so far. */
  get stored(): number {
    return this.#stored;
  }

  /**
   * Stores `bytes` at `offset` (offsets must not decrease): a copy, unless `owned` says nobody
   * writes to them later. Returns false when dropped.
   */
  add(offset: number, bytes: Uint8Array, force = false, owned = false): boolean {
    if (bytes.length === 0) return true;
    if (!force && this.#stored + bytes.length > this.budget) return false;
    this.#pieces.push({ offset, bytes: owned ? bytes : bytes.slice() });
    this.#stored += bytes.length;
    return true;
  }

  /** The stored pieces, in file order. */
  ranges(): StoredRange[] {
    return this.#pieces;
  }
}

/**
 * The stored bytes `[offset, offset + length)`, cut short where the stored bytes stop: a view of
 * one range, or a copy when the bytes run on across adjacent ranges (a skeleton keeps the pieces its
 * parser read, see `skeletonOf`). Empty when `offset` is not stored.
 *
 * @param sorted stored ranges sorted by offset, not overlapping
 * @param offset first byte wanted
 * @param length bytes wanted
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const ranges = [
 *   { offset: 0, bytes: new Uint8Array([1, 2]) },
 *   { offset: 2, bytes: new Uint8Array([3]) },
 *   { offset: 9, bytes: new Uint8Array([4]) },
 * ];
 * assert.deepEqual([...readStored(ranges, 1, 5)], [2, 3]);
 * assert.deepEqual([...readStored(ranges, 9, 1)], [4]);
 * assert.equal(readStored(ranges, 5, 1).length, 0);
 * ```
 */
export function readStored(
  sorted: readonly StoredRange[],
  offset: number,
  length: number,
): Uint8Array {
  // The last range starting at or before `offset` (offsets are whole numbers).
  const i = lowerBound(sorted.length, (k) => sorted[k]!.offset, offset + 1) - 1;
  const r = sorted[i];
  if (!r || offset >= r.offset + r.bytes.length) return new Uint8Array();
  const at = offset - r.offset;
  const end = offset + length;
  let stop = r.offset + r.bytes.length;
  let last = i;
  while (stop < end && sorted[last + 1]?.offset === stop) stop += sorted[++last]!.bytes.length;
  if (last === i) return r.bytes.subarray(at, Math.min(r.bytes.length, at + length));
  const out = new Uint8Array(Math.min(stop, end) - offset);
  for (let k = i, pos = r.offset; k <= last && pos < end; pos += sorted[k++]!.bytes.length) {
    const b = sorted[k]!.bytes;
    const from = Math.max(0, offset - pos);
    const to = Math.min(b.length, end - pos);
    out.set(b.subarray(from, to), pos + from - offset);
  }
  return out;
}

/**
 * A {@link ByteSource} of `size` bytes backed by stored ranges. A read returns the stored bytes
 * from `offset` on, up to where the stored bytes stop (fewer than asked when the rest was not
 * stored; see {@link readStored}): views of the ranges, which nobody writes to, so the source is
 * `fresh` (a parser keeps them uncopied).
 */
export function sparseSource(ranges: readonly StoredRange[], size: number): ByteSource {
  const sorted = [...ranges].sort((a, b) => a.offset - b.offset);
  return {
    size,
    fresh: true,
    read(offset: number, length: number): Promise<Uint8Array> {
      return Promise.resolve(readStored(sorted, offset, length));
    },
  };
}
