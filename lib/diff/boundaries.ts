/**
 * Each core's segments in address order ({@link AddressOrder}) and the boundaries of both cores'
 * segments (each `p_vaddr` and end), walked in ascending order one at a time: the sweep
 * `alignSegments` makes over both sides.
 *
 * @module
 */

import type { CoreDigest } from "../digest/model.ts";
import { rowForIndex } from "../digest/page_table.ts";
import type { Segment } from "../elf/program_header.ts";
import { sortByAddress } from "../elf/by_address.ts";
import type { Side } from "./align.ts";

/** End address of a segment in memory (`p_vaddr` plus the larger of its sizes). */
export const endOf = (s: Segment): bigint => s.vaddr + (s.memsz > s.filesz ? s.memsz : s.filesz);

/**
 * Every boundary (each `p_vaddr` and end) of both sides once, ascending, one per call (undefined
 * at the end): a merge of both sides' sorted boundaries made as it goes (no list of them), or of a
 * sorted set when a side's segments overlap.
 *
 * @param sa one core's segments, in address order
 * @param sb the other's
 */
export function boundaryWalk(sa: AddressOrder, sb: AddressOrder): () => bigint | undefined {
  if (!sa.disjoint || !sb.disjoint) {
    const points = new Set<bigint>();
    for (const o of [sa, sb]) {
      for (let k = 0; k < o.length; k++) {
        const s = o.segment(k);
        points.add(s.vaddr);
        points.add(endOf(s));
      }
    }
    const sorted = [...points].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
    let k = 0;
    return () => sorted[k++];
  }
  // Boundary k of a side: segment k >> 1's start (k even) or end (k odd).
  const at = (o: AddressOrder, k: number): bigint | undefined => {
    if (k >> 1 >= o.length) return undefined;
    const s = o.segment(k >> 1);
    return (k & 1) === 0 ? s.vaddr : endOf(s);
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

/**
 * A core's segments with memory in address order, as positions in `core.loads`: no object per
 * segment (a {@link Side} is made for each range given out, and dropped with it).
 */
export class AddressOrder {
  readonly #d: CoreDigest;
  readonly #order: Uint32Array;
  /** True when no two segments overlap. */
  readonly disjoint: boolean;

  /** @param d the core's digest */
  constructor(d: CoreDigest) {
    this.#d = d;
    const loads = d.core.loads;
    const order = new Uint32Array(loads.length);
    let n = 0;
    // Cores list their loads in address order: one pass checks that (and that they do not
    // overlap), reading each segment's fields once; a sort only for a core that does not.
    let sorted = true, disjoint = true;
    let lastStart = -1n, lastEnd = -1n;
    let i = 0;
    for (const seg of loads) {
      const at = i++;
      const memsz = seg.memsz, filesz = seg.filesz;
      if (memsz === 0n && filesz === 0n) continue;
      const start = seg.vaddr;
      if (start < lastStart) sorted = false;
      if (start < lastEnd) disjoint = false;
      lastStart = start;
      lastEnd = start + (memsz > filesz ? memsz : filesz);
      order[n++] = at;
    }
    this.#order = order.subarray(0, n);
    if (!sorted) this.#order = sortByAddress(loads, this.#order);
    this.disjoint = sorted && disjoint;
  }

  /** Number of segments with memory. */
  get length(): number {
    return this.#order.length;
  }

  /** The `k`-th segment in address order. */
  segment(k: number): Segment {
    return this.#d.core.loads.at(this.#order[k]!)!;
  }

  /** The `k`-th segment with its page hashes. */
  side(k: number): Side {
    const i = this.#order[k]!;
    const d = this.#d;
    const seg = d.core.loads.at(i)!;
    // Segments are in load order (found by index only in a digest that is not).
    const pages = rowForIndex(d.segments, seg.index, i);
    return {
      seg,
      pages: pages ?? { index: seg.index, hashes: new BigUint64Array(), zero: new Uint8Array() },
    };
  }
}
