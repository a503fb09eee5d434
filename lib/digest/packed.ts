/**
 * A digest's segments as a few flat arrays, for a structured clone (`postMessage` to or from a
 * Worker): a clone keeps own data properties only, so {@link PageSlice}'s accessors would be lost.
 * Packing copies 9 bytes per page (the columns may be shared with other cores or larger than the
 * pages); the arrays can be transferred, not copied again.
 *
 * @module
 */

import { PageSlice, type SegmentDigest } from "./model.ts";

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
export function packSegments(segments: readonly SegmentDigest[]): PackedSegments {
  const n = segments.length;
  const index = new Uint32Array(n), pages = new Uint32Array(n), holeRuns = new Uint32Array(n);
  let total = 0, runs = 0;
  segments.forEach((s, i) => {
    index[i] = s.index;
    pages[i] = s.hashes.length;
    holeRuns[i] = (s.holes?.length ?? 0) / 2;
    total += pages[i]!;
    runs += holeRuns[i]!;
  });
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
 * Segments back from {@link packSegments}: {@link PageSlice}s of the packed arrays.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const seg = { index: 3, hashes: new BigUint64Array([1n, 2n]), zero: new Uint8Array([0, 1]) };
 * const [back] = unpackSegments(structuredClone(packSegments([seg])));
 * assert.deepEqual([back!.index, [...back!.hashes], [...back!.zero], back!.holes], [3, [1n, 2n], [0, 1], undefined]);
 * ```
 */
export function unpackSegments(p: PackedSegments): PageSlice[] {
  const columns = { hashes: p.hashes, zero: p.zero, holes: p.holes };
  const out: PageSlice[] = [];
  let first = 0, run = 0;
  for (let i = 0; i < p.index.length; i++) {
    const runs = p.holeRuns[i]!;
    out.push(
      new PageSlice(p.index[i]!, columns, first, p.pages[i]!, runs ? [run, runs] : undefined),
    );
    first += p.pages[i]!;
    run += runs;
  }
  return out;
}
