/**
 * What a page comparison gives for one aligned range ({@link PageComparison}), and the page map of
 * a range whose pages are all the same in both cores, which the range store rebuilds from a count.
 *
 * @module
 */

import type { PageMap, PageRun, PageTally } from "./model.ts";
import { PAGE_CLASSES, PAGE_MAP_CELLS } from "./model.ts";

/** Page comparison of one aligned range. */
export interface PageComparison {
  /** Every page of the range, bucketed. */
  readonly pageMap: PageMap;
  readonly tally: PageTally;
  readonly runs: PageRun[];
  readonly runsTotal: number;
  /** Pages missing from one side's truncated file but not the other's (a cut copy of itself: 0). */
  readonly truncatedOneSide: number;
  /** Of the differing pages, how many are all zeros in A / in B (holes in a kernel core). */
  readonly differentZero: { readonly a: number; readonly b: number };
}

/** A tally with every count at 0. */
export function emptyTally(): PageTally {
  return { same: 0, different: 0, zeroVsMissing: 0, onlyA: 0, onlyB: 0, neither: 0, truncated: 0 };
}

/**
 * The page map of a range whose `pages` pages are all the same in both cores (what
 * `comparePages` gives for it; the compact range store rebuilds it from the count).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(samePageMap(3), { bucket: 1, cells: "sss" });
 * assert.deepEqual(samePageMap(130), { bucket: 3, cells: "s".repeat(44) });
 * ```
 */
export function samePageMap(pages: number): PageMap {
  const bucket = mapBucket(pages);
  return { bucket, cells: "s".repeat(Math.ceil(pages / bucket)) };
}

/** Pages per cell of the page map of a range of `pages` pages (at most PAGE_MAP_CELLS cells). */
export function mapBucket(pages: number): number {
  return Math.max(1, Math.ceil(pages / PAGE_MAP_CELLS));
}

/**
 * Whether `map` is {@link samePageMap}`(pages)`, without making it (one test per stored range).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(isSamePageMap({ bucket: 1, cells: "sss" }, 3), true);
 * assert.equal(isSamePageMap({ bucket: 1, cells: "ssn" }, 3), false);
 * ```
 */
export function isSamePageMap(map: PageMap, pages: number): boolean {
  const bucket = mapBucket(pages);
  return map.bucket === bucket && map.cells.length === Math.ceil(pages / bucket) &&
    /^s*$/.test(map.cells);
}

/**
 * The comparison of a range whose first `pages` pages are saved and equal in both cores and whose
 * other pages are saved in neither: what the page loop gives for it, made without the loop.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const c = sameComparison(2, 3, 1);
 * assert.deepEqual([c.tally.same, c.tally.neither, c.pageMap.cells], [2, 1, "ssn"]);
 * ```
 *
 * @param pages pages saved and equal in both, from the range's first page
 * @param totalPages pages of the range
 * @param bucket pages per cell of its page map ({@link mapBucket} of `totalPages`)
 */
export function sameComparison(pages: number, totalPages: number, bucket: number): PageComparison {
  const tally = emptyTally();
  tally.same = pages;
  tally.neither = totalPages - pages;
  const same = Math.ceil(pages / bucket);
  const cells = PAGE_CLASSES[5]!.repeat(same) +
    PAGE_CLASSES[PAGE_CLASSES.length - 1]!.repeat(Math.ceil(totalPages / bucket) - same);
  return {
    tally,
    runs: [],
    runsTotal: 0,
    pageMap: { bucket, cells },
    truncatedOneSide: 0,
    differentZero: { a: 0, b: 0 },
  };
}
