/**
 * The boundaries of two cores' aligned segments (each `p_vaddr` and end), walked in ascending
 * order one at a time: the sweep `alignSegments` makes over both sides.
 *
 * @module
 */

import type { Segment } from "../elf/program_header.ts";
import type { Side } from "./align.ts";

/** End address of a segment in memory (`p_vaddr` plus the larger of its sizes). */
export const endOf = (s: Segment): bigint => s.vaddr + (s.memsz > s.filesz ? s.memsz : s.filesz);

/** True when a side's segments (in address order) do not overlap. */
function disjoint(list: readonly Side[]): boolean {
  let end: bigint | undefined;
  for (const s of list) {
    if (end !== undefined && end > s.seg.vaddr) return false;
    end = endOf(s.seg);
  }
  return true;
}

/**
 * Every boundary (each `p_vaddr` and end) of both sides once, ascending, one per call (undefined
 * at the end): a merge of both sides' sorted boundaries made as it goes (no list of them), or of a
 * sorted set when a side's segments overlap.
 */
export function boundaryWalk(sa: readonly Side[], sb: readonly Side[]): () => bigint | undefined {
  if (!disjoint(sa) || !disjoint(sb)) {
    const points = new Set<bigint>();
    for (const s of [...sa, ...sb]) {
      points.add(s.seg.vaddr);
      points.add(endOf(s.seg));
    }
    const sorted = [...points].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
    let k = 0;
    return () => sorted[k++];
  }
  // Boundary k of a side: segment k >> 1's start (k even) or end (k odd).
  const at = (list: readonly Side[], k: number): bigint | undefined => {
    const s = list[k >> 1];
    return s && ((k & 1) === 0 ? s.seg.vaddr : endOf(s.seg));
  };
  let i = 0, j = 0;
  let pa = at(sa, 0), pb = at(sb, 0);
  let last: bigint | undefined;
  return () => {
    while (pa !== undefined || pb !== undefined) {
      let p: bigint;
      if (pb === undefined || (pa !== undefined && pa <= pb)) {
        p = pa!;
        pa = at(sa, ++i);
      } else {
        p = pb;
        pb = at(sb, ++j);
      }
      if (last === undefined || last !== p) return (last = p);
    }
    return undefined;
  };
}
