/**
 * Aligning two cores' `PT_LOAD` segments by virtual address (an interval sweep over both sets of
 * boundaries) and comparing their pages by hash. Zero-size kernel segments (one per VMA not dumped)
 * take part like any other: they cover their VMA with nothing saved.
 *
 * @module
 */

import type { CoreDigest, SegmentDigest } from "../digest/model.ts";
import type { Segment } from "../elf/program_header.ts";
import type { PageMap, PageRun, PageTally, RangeSide } from "./model.ts";
import { PAGE_CLASSES, PAGE_MAP_CELLS } from "./model.ts";

/** Index of `n` (saved in neither) in {@link PAGE_CLASSES}: the best class, a cell's start. */
const NEITHER = PAGE_CLASSES.length - 1;

const PAGE = 4096n;

/** A segment of one core with its page hashes. */
export interface Side {
  readonly seg: Segment;
  readonly pages: SegmentDigest;
}

/** An elementary range covered by the same pair of segments. */
export interface Aligned {
  readonly start: bigint;
  readonly end: bigint;
  readonly a?: Side;
  readonly b?: Side;
}

function sides(d: CoreDigest): Side[] {
  // Segments are in load order (a map by index only for a digest that is not).
  let byIndex: Map<number, SegmentDigest> | undefined;
  const pagesOf = (seg: Segment, i: number): SegmentDigest | undefined => {
    const p = d.segments[i];
    if (p?.index === seg.index) return p;
    byIndex ??= new Map(d.segments.map((s) => [s.index, s]));
    return byIndex.get(seg.index);
  };
  const out: Side[] = [];
  d.core.loads.forEach((seg, i) => {
    if (seg.memsz === 0n && seg.filesz === 0n) return;
    out.push({
      seg,
      pages: pagesOf(seg, i) ??
        { index: seg.index, hashes: new BigUint64Array(), zero: new Uint8Array() },
    });
  });
  return out.sort((x, y) => (x.seg.vaddr < y.seg.vaddr ? -1 : x.seg.vaddr > y.seg.vaddr ? 1 : 0));
}

const endOf = (s: Segment) => s.vaddr + (s.memsz > s.filesz ? s.memsz : s.filesz);

/**
 * The boundaries of one side's segments in ascending order (each `p_vaddr` and end), or undefined
 * when its segments overlap (then the boundaries are sorted as a set).
 */
function boundaries(list: readonly Side[]): bigint[] | undefined {
  const out: bigint[] = [];
  for (const s of list) {
    const v = s.seg.vaddr, e = endOf(s.seg);
    if (out.length && out[out.length - 1]! > v) return undefined;
    out.push(v, e);
  }
  return out;
}

/** Every boundary of both sides once, ascending: a merge of two sorted lists (or a sorted set). */
function allBoundaries(sa: readonly Side[], sb: readonly Side[]): bigint[] {
  const pa = boundaries(sa), pb = boundaries(sb);
  if (!pa || !pb) {
    const points = new Set<bigint>();
    for (const s of [...sa, ...sb]) {
      points.add(s.seg.vaddr);
      points.add(endOf(s.seg));
    }
    return [...points].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
  }
  const out: bigint[] = [];
  let i = 0, j = 0;
  while (i < pa.length || j < pb.length) {
    const p = j >= pb.length || (i < pa.length && pa[i]! <= pb[j]!) ? pa[i++]! : pb[j++]!;
    if (out.length === 0 || out[out.length - 1]! !== p) out.push(p);
  }
  return out;
}

/**
 * Sweeps both segment sets and gives the maximal ranges covered by a constant pair of segments, in
 * address order, one at a time (linear: a merge of both sides' boundaries, no range list).
 */
export function* alignSegments(a: CoreDigest, b: CoreDigest): Generator<Aligned> {
  const sa = sides(a), sb = sides(b);
  const sorted = allBoundaries(sa, sb);
  let pending: Aligned | undefined;
  let ia = 0, ib = 0;
  const cover = (list: Side[], i: number, p: bigint): [number, Side | undefined] => {
    while (i < list.length && endOf(list[i]!.seg) <= p) i++;
    const s = list[i];
    return [i, s && s.seg.vaddr <= p ? s : undefined];
  };
  for (let k = 0; k + 1 < sorted.length; k++) {
    const p = sorted[k]!, q = sorted[k + 1]!;
    let ca, cb;
    [ia, ca] = cover(sa, ia, p);
    [ib, cb] = cover(sb, ib, p);
    if (!ca && !cb) continue;
    if (pending && pending.end === p && pending.a === ca && pending.b === cb) {
      pending = { ...pending, end: q };
    } else {
      if (pending) yield pending;
      pending = { start: p, end: q, ...(ca ? { a: ca } : {}), ...(cb ? { b: cb } : {}) };
    }
  }
  if (pending) yield pending;
}

/** The part of `[start, end)` saved by a side, in bytes. */
export function savedBytes(s: Side | undefined, start: bigint, end: bigint): bigint {
  if (!s) return 0n;
  const savedEnd = s.seg.vaddr + s.seg.filesz;
  const hi = savedEnd < end ? savedEnd : end;
  return hi > start ? hi - start : 0n;
}

/** The public view of a side. */
export function rangeSide(s: Side | undefined, start: bigint, end: bigint): RangeSide {
  if (!s) return { present: false, saved: 0n };
  return {
    present: true,
    index: s.seg.index,
    flags: s.seg.flags,
    saved: savedBytes(s, start, end),
    segment: { vaddr: s.seg.vaddr, filesz: s.seg.filesz, memsz: s.seg.memsz },
  };
}

type PageState = { kind: "saved"; hash: bigint; zero: boolean } | { kind: "missing" } | {
  kind: "truncated";
};

/**
 * The page map of a range whose `pages` pages are all the same in both cores (what
 * {@link comparePages} gives for it; the compact range store rebuilds it from the count).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(samePageMap(3), { bucket: 1, cells: "sss" });
 * assert.deepEqual(samePageMap(130), { bucket: 3, cells: "s".repeat(44) });
 * ```
 */
export function samePageMap(pages: number): PageMap {
  const bucket = Math.max(1, Math.ceil(pages / PAGE_MAP_CELLS));
  return { bucket, cells: "s".repeat(Math.ceil(pages / bucket)) };
}

/** The {@link PAGE_CLASSES} index of one page pair (the worst class of a cell wins). */
function pageClass(pa: PageState, pb: PageState): number {
  if (pa.kind === "truncated" || pb.kind === "truncated") return 1;
  if (pa.kind === "saved" && pb.kind === "saved") return pa.hash === pb.hash ? 5 : 0;
  if (pa.kind === "saved") return pa.zero ? 4 : 2;
  if (pb.kind === "saved") return pb.zero ? 4 : 3;
  return NEITHER;
}

function pageAt(s: Side | undefined, addr: bigint): PageState {
  if (!s) return { kind: "missing" };
  const off = addr - s.seg.vaddr;
  if (off >= s.seg.filesz) return { kind: "missing" };
  const i = Number(off / PAGE);
  if (i >= s.pages.hashes.length) return { kind: "truncated" };
  return { kind: "saved", hash: s.pages.hashes[i]!, zero: s.pages.zero[i] === 1 };
}

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
 * Compares the pages of a range. Only pages saved by at least one side are visited; the rest are
 * counted arithmetically, so huge unsaved reservations cost nothing.
 *
 * @param maxRuns how many differing-page runs to list
 */
export function comparePages(r: Aligned, maxRuns = 16): PageComparison {
  const tally = emptyTally();
  const runs: PageRun[] = [];
  let runsTotal = 0, truncatedOneSide = 0;
  const differentZero = { a: 0, b: 0 };
  let run: { start: bigint; end: bigint; pages: number } | undefined;
  const close = () => {
    if (!run) return;
    runsTotal++;
    if (runs.length < maxRuns) runs.push(run);
    run = undefined;
  };
  const start = r.start - (r.start % PAGE);
  const savedEnd = (s?: Side) => (s ? s.seg.vaddr + s.seg.filesz : 0n);
  const limitRaw = savedEnd(r.a) > savedEnd(r.b) ? savedEnd(r.a) : savedEnd(r.b);
  const limit = limitRaw < r.end ? limitRaw : r.end;
  // The page map: at most PAGE_MAP_CELLS cells of `bucket` pages, each its worst page class.
  const totalPages = Number((r.end - start + PAGE - 1n) / PAGE);
  const bucket = Math.max(1, Math.ceil(totalPages / PAGE_MAP_CELLS));
  const cells = new Array<number>(Math.ceil(totalPages / bucket)).fill(NEITHER);
  let page = 0;
  let addr = start;
  for (; addr < limit; addr += PAGE) {
    const pa = pageAt(r.a, addr), pb = pageAt(r.b, addr);
    let differs = false;
    if (pa.kind === "truncated" || pb.kind === "truncated") {
      // Missing from a cut file: counted (the range's status says so), but cut from both files
      // (a truncated core against itself or an identical copy) nothing differs.
      tally.truncated++;
      if (pa.kind !== pb.kind) truncatedOneSide++;
    } else if (pa.kind === "saved" && pb.kind === "saved") {
      if (pa.hash === pb.hash) tally.same++;
      else {
        tally.different++;
        differs = true;
        if (pa.zero) differentZero.a++;
        if (pb.zero) differentZero.b++;
      }
    } else if (pa.kind === "saved") {
      if (pa.zero) tally.zeroVsMissing++;
      else tally.onlyA++;
    } else if (pb.kind === "saved") {
      if (pb.zero) tally.zeroVsMissing++;
      else tally.onlyB++;
    } else tally.neither++;
    const cell = Math.floor(page++ / bucket), cls = pageClass(pa, pb);
    if (cls < cells[cell]!) cells[cell] = cls;
    if (differs) {
      if (run && run.end === addr) {
        run.end = addr + PAGE;
        run.pages++;
      } else {
        close();
        run = { start: addr, end: addr + PAGE, pages: 1 };
      }
    }
  }
  close();
  if (r.end > addr) tally.neither += Number((r.end - addr + PAGE - 1n) / PAGE);
  const pageMap = { bucket, cells: cells.map((c) => PAGE_CLASSES[c]).join("") };
  return { tally, runs, runsTotal, pageMap, truncatedOneSide, differentZero };
}
