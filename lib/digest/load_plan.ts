/**
 * The loads of a core as the page loop sees them: what it needs of each `PT_LOAD` (`LoadShape`,
 * plain data that can be posted to a Worker), pages per load, and a `LoadPlan` laid out once so
 * that many windows of one core are cheap.
 *
 * @module
 */

import type { Rows } from "../bytes/rows.ts";
import { PAGE_SIZE } from "./page_hasher.ts";

/** What the page loop needs of a `PT_LOAD` (plain data, so it can be posted to a Worker). */
export interface LoadShape {
  /** Program header index. */
  readonly index: number;
  /** `p_offset`. */
  readonly offset: bigint;
  /** Bytes of `p_filesz` present in the file. */
  readonly available: bigint;
  /** The file ends inside the segment. */
  readonly truncated: boolean;
}

/**
 * The loads of one core laid out once for the page loop: pages per load, each load's place in the
 * columns of all pages, and file order. Many windows of one core share it, so a window costs a
 * binary search plus the loads it touches, not a pass over all loads.
 */
export class LoadPlan {
  /** Pages per load (program header order). */
  readonly counts: Float64Array;
  /** Pages of all loads. */
  readonly total: number;
  /** Position of each load's first page in the columns of all pages. */
  readonly firsts: Float64Array;
  /** Load indices in file order (by `p_offset`). */
  readonly order: Uint32Array;
  /** `p_offset` of each load, as a number. */
  readonly offsets: Float64Array;
  /**
   * Largest end of saved bytes among the loads up to each position of `order` (ascending), made
   * when a window first needs it.
   */
  #reach: Float64Array | undefined;
  /** Program header index of each load. */
  readonly index: Uint32Array;
  /** Bytes of `p_filesz` present in the file, of each load. */
  readonly available: Float64Array;

  /**
   * Lays out `loads` (read once each: the plan keeps numbers, not the loads).
   *
   * @param loads the core's loads, in program header order
   */
  constructor(loads: Rows<LoadShape>) {
    const n = loads.length;
    const counts = new Float64Array(n), offsets = new Float64Array(n);
    this.index = new Uint32Array(n);
    this.available = new Float64Array(n);
    let i = 0, total = 0;
    for (const s of loads) {
      const available = Number(s.available);
      offsets[i] = Number(s.offset);
      this.index[i] = s.index;
      this.available[i] = available;
      // A partial last page counts unless the file ends inside the segment.
      counts[i] = Math.floor(available / PAGE_SIZE) +
        (available % PAGE_SIZE !== 0 && !s.truncated ? 1 : 0);
      total += counts[i++]!;
    }
    this.counts = counts;
    this.total = total;
    this.firsts = new Float64Array(n);
    for (let k = 1; k < n; k++) this.firsts[k] = this.firsts[k - 1]! + counts[k - 1]!;
    this.offsets = offsets;
    this.order = Uint32Array.from(offsets.keys()).sort((a, b) => offsets[a]! - offsets[b]!);
  }

  /** Number of loads. */
  get length(): number {
    return this.index.length;
  }

  /** Position in `order` of the first load that may hold a page whose first byte is at `at` or later. */
  startAt(at: number): number {
    if (at <= 0) return 0;
    const reach = this.#reach ??= this.#reaches();
    let lo = 0;
    let hi = reach.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (reach[mid]! <= at) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  #reaches(): Float64Array {
    const reach = new Float64Array(this.length);
    let most = 0;
    this.order.forEach((k, i) => {
      most = Math.max(most, this.offsets[k]! + this.available[k]!);
      reach[i] = most;
    });
    return reach;
  }
}
