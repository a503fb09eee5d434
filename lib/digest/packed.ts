/**
 * A digest's segments as a few flat arrays, for a structured clone (`postMessage` to or from a
 * Worker): a clone keeps own data properties only, so a {@link PageTable}'s rows would be lost.
 * Packing copies 9 bytes per page (the columns may be shared with other cores or larger than the
 * pages); the arrays can be transferred, not copied again.
 *
 * @module
 */

import type { Rows } from "../bytes/rows.ts";
import type { SegmentDigest } from "./model.ts";
import { PageTable } from "./page_table.ts";

/** Segments packed by {@link packSegments}. */
export interface PackedSegments {
  /** Program header index per segment. */
  readonly index: Uint32Array;
  /** Hashed pages per segment. */
  readonly pages: Uint32Array;
  /** Hole runs per segment. */
  readonly holeRuns: Uint32Array;
  /** Page hashes of all segments, segment after segment. */
  readonly hashes: BigUint64Array;
  /** Zero flags of all segments, in the same order. */
  readonly zero: Uint8Array;
  /** Hole runs `[firstPage, count]` of all segments, segment after segment. */
  readonly holes: Uint32Array;
}

/** Packs segments into flat arrays (see {@link PackedSegments}). */
export function packSegments(segments: Rows<SegmentDigest>): PackedSegments {
  const n = segments.length;
  const index = new Uint32Array(n), pages = new Uint32Array(n), holeRuns = new Uint32Array(n);
  let total = 0, runs = 0, i = 0;
  for (const s of segments) {
    index[i] = s.index;
    pages[i] = s.hashes.length;
    holeRuns[i] = (s.holes?.length ?? 0) / 2;
    total += pages[i]!;
    runs += holeRuns[i++]!;
  }
  const hashes = new BigUint64Array(total), zero = new Uint8Array(total);
  const holes = new Uint32Array(runs * 2);
  let at = 0, h = 0;
  for (const s of segments) {
    hashes.set(s.hashes, at);
    zero.set(s.zero, at);
    at += s.hashes.length;
    const sh = s.holes;
    if (sh) {
      holes.set(sh, h);
      h += sh.length;
    }
  }
  return { index, pages, holeRuns, hashes, zero, holes };
}

/** The buffers of packed segments, to transfer with them. */
export function packedBuffers(p: PackedSegments): ArrayBuffer[] {
  return [p.index, p.pages, p.holeRuns, p.hashes, p.zero, p.holes]
    .map((a) => a.buffer)
    .filter((b): b is ArrayBuffer => b instanceof ArrayBuffer);
}

/**
 * Segments back from {@link packSegments}: a {@link PageTable} of the packed arrays.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const seg = { index: 3, hashes: new BigUint64Array([1n, 2n]), zero: new Uint8Array([0, 1]) };
 * const [back] = unpackSegments(structuredClone(packSegments([seg])));
 * assert.deepEqual([back!.index, [...back!.hashes], [...back!.zero], back!.holes], [3, [1n, 2n], [0, 1], undefined]);
 * ```
 */
export function unpackSegments(p: PackedSegments): PageTable {
  const n = p.index.length;
  const first = new Float64Array(n), holeAt = new Uint32Array(n);
  for (let i = 1; i < n; i++) {
    first[i] = first[i - 1]! + p.pages[i - 1]!;
    holeAt[i] = holeAt[i - 1]! + p.holeRuns[i - 1]!;
  }
  return new PageTable({ hashes: p.hashes, zero: p.zero, holes: p.holes }, {
    index: p.index,
    first,
    count: Float64Array.from(p.pages),
    holeAt,
    holeRuns: p.holeRuns,
  });
}
