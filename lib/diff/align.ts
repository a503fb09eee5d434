/**
 * Aligning two cores' `PT_LOAD` segments by virtual address (an interval sweep over both sets of
 * boundaries) and comparing their pages by hash. Zero-size kernel segments (one per VMA not dumped)
 * take part like any other: they cover their VMA with nothing saved.
 *
 * @module
 */

import { type CoreDigest, pageSpan, type SegmentDigest, wordsOf } from "../digest/model.ts";
import type { Segment } from "../elf/program_header.ts";
import type { PageRun, RangeSide } from "./model.ts";
import { PAGE_CLASSES } from "./model.ts";
import { emptyTally, mapBucket, type PageComparison, sameComparison } from "./page_map.ts";
import { AddressOrder, boundaryWalk, endOf } from "./boundaries.ts";

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

/** A range being widened by the sweep: positions of its segments in each order (-1: none). */
interface Pending {
  start: bigint;
  end: bigint;
  a: number;
  b: number;
}

/**
 * Sweeps both segment sets and gives the maximal ranges covered by a constant pair of segments, in
 * address order, one at a time (linear: a merge of both sides' boundaries, no range list).
 */
export function* alignSegments(a: CoreDigest, b: CoreDigest): Generator<Aligned> {
  const oa = new AddressOrder(a), ob = new AddressOrder(b);
  const next = boundaryWalk(oa, ob);
  const aligned = (r: Pending): Aligned => {
    if (r.b < 0) return { start: r.start, end: r.end, a: oa.side(r.a) };
    if (r.a < 0) return { start: r.start, end: r.end, b: ob.side(r.b) };
    return { start: r.start, end: r.end, a: oa.side(r.a), b: ob.side(r.b) };
  };
  let pending: Pending | undefined;
  let ia = 0, ib = 0;
  // The first segment of `o` from `i` on not ending at or before `p`, and whether it covers `p`.
  const past = (o: AddressOrder, i: number, p: bigint): number => {
    while (i < o.length && endOf(o.segment(i)) <= p) i++;
    return i;
  };
  const covering = (o: AddressOrder, i: number, p: bigint): number =>
    i < o.length && o.segment(i).vaddr <= p ? i : -1;
  for (let p = next(), q = next(); p !== undefined && q !== undefined; p = q, q = next()) {
    ia = past(oa, ia, p);
    ib = past(ob, ib, p);
    const ca = covering(oa, ia, p), cb = covering(ob, ib, p);
    if (ca < 0 && cb < 0) continue;
    if (pending && pending.end === p && pending.a === ca && pending.b === cb) pending.end = q;
    else {
      if (pending) yield aligned(pending);
      pending = { start: p, end: q, a: ca, b: cb };
    }
  }
  if (pending) yield aligned(pending);
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

/** The {@link PAGE_CLASSES} index of one page pair (the worst class of a cell wins). */
function pageClass(pa: PageState, pb: PageState): number {
  if (pa.kind === "truncated" || pb.kind === "truncated") return 1;
  if (pa.kind === "saved" && pb.kind === "saved") return pa.hash === pb.hash ? 5 : 0;
  if (pa.kind === "saved") return pa.zero ? 4 : 2;
  if (pb.kind === "saved") return pb.zero ? 4 : 3;
  return NEITHER;
}

/** One side's page columns, read once per range (`hashes` and `zero` may be views made on read). */
interface SidePages {
  readonly side: Side;
  readonly hashes: BigUint64Array;
  readonly zero: Uint8Array;
}

const pagesOfSide = (s: Side | undefined): SidePages | undefined =>
  s && { side: s, hashes: s.pages.hashes, zero: s.pages.zero };

function pageAt(p: SidePages | undefined, addr: bigint): PageState {
  if (!p) return { kind: "missing" };
  const off = addr - p.side.seg.vaddr;
  if (off >= p.side.seg.filesz) return { kind: "missing" };
  const i = Number(off / PAGE);
  if (i >= p.hashes.length) return { kind: "truncated" };
  return { kind: "saved", hash: p.hashes[i]!, zero: p.zero[i] === 1 };
}

/**
 * Compares the pages of a range. Only pages saved by at least one side are visited; the rest are
 * counted arithmetically, so huge unsaved reservations cost nothing.
 *
 * @param maxRuns how many differing-page runs to list
 */
export function comparePages(r: Aligned, maxRuns = 16): PageComparison {
  return comparePagesByIndex(r, maxRuns) ?? comparePagesByAddress(r, maxRuns);
}

/**
 * How many of the `n` hashes from `a[i]` and `b[j]` on (32-bit halves) are equal before the first
 * that is not: a small function, so V8 optimizes its loop soon.
 */
function equalRun(a: Uint32Array, i: number, b: Uint32Array, j: number, n: number): number {
  let k = 0;
  while (k < n && a[i] === b[j] && a[i + 1] === b[j + 1]) {
    k++;
    i += 2;
    j += 2;
  }
  return k;
}

/** Largest byte distance handled with numbers (sums of two stay exact in a double). */
const SAFE = 2n ** 51n;

/** Page states by number: 0 missing, 1 truncated, 2 saved. */
const MISSING = 0, TRUNCATED = 1, SAVED = 2;

/**
 * {@link comparePages} with page positions as numbers (no object or bigint per page, none per range
 * but the result), when every distance in the range is exact in a double; else undefined.
 */
function comparePagesByIndex(r: Aligned, maxRuns: number): PageComparison | undefined {
  const start = r.start - (r.start % PAGE);
  const a = r.a, b = r.b;
  // Each side's fields read once (a segment's fields are decoded, and a bigint made, per read).
  const vaddrA = a?.seg.vaddr ?? 0n, vaddrB = b?.seg.vaddr ?? 0n;
  const fileszA = a?.seg.filesz ?? 0n, fileszB = b?.seg.filesz ?? 0n;
  const savedA = a ? vaddrA + fileszA : 0n, savedB = b ? vaddrB + fileszB : 0n;
  const limitRaw = savedA > savedB ? savedA : savedB;
  const limitBig = limitRaw < r.end ? limitRaw : r.end;
  const fits = (v: bigint) => v <= SAFE && v >= -SAFE;
  const spanBig = r.end - start, limitRelBig = limitBig - start;
  if (!fits(spanBig) || !fits(limitRelBig)) return undefined;
  if (a && (!fits(start - vaddrA) || !fits(fileszA))) return undefined;
  if (b && (!fits(start - vaddrB) || !fits(fileszB))) return undefined;
  const span = Number(spanBig), limit = Number(limitRelBig);
  const P = 4096;
  // Per side: offset of the range's first page in the segment, saved bytes, hashed pages.
  const offA = a ? Number(start - vaddrA) : 0, offB = b ? Number(start - vaddrB) : 0;
  const fileA = Number(fileszA), fileB = Number(fileszB);
  // Each side's pages where they lie (no views per range: a 70,000-mapping pair has 70,000 ranges).
  const spanA = a && pageSpan(a.pages), spanB = b && pageSpan(b.pages);
  // Hashes compared as two 32-bit halves: reading a BigUint64Array makes a bigint per page.
  const hashesA = spanA && wordsOf(spanA.hashes), hashesB = spanB && wordsOf(spanB.hashes);
  const zeroA = spanA?.zero, zeroB = spanB?.zero;
  const baseA = spanA?.first ?? 0, baseB = spanB?.first ?? 0;
  const nA = spanA?.count ?? 0, nB = spanB?.count ?? 0;
  // Where both sides' pages start on a page of their segment (the rule), page k of the range is
  // page k + first of each segment, hashed in both below `both`: equal ones are compared in a
  // tight loop (most pages of a pair are equal), the rest one by one below.
  const aligned = a && b && offA >= 0 && offA % P === 0 && offB >= 0 && offB % P === 0;
  const firstA = offA / P, firstB = offB / P;
  const both = aligned
    ? Math.min(
      Math.ceil((fileA - offA) / P),
      nA - firstA,
      Math.ceil((fileB - offB) / P),
      nB - firstB,
    )
    : 0;
  const pages = Math.ceil(limit / P);
  const totalPages = Math.ceil(span / P);
  const bucket = mapBucket(totalPages);
  // Most ranges of a pair: every saved page hashed in both and equal. Their result is made
  // without a page loop or a cell array (70,000 ranges of a large process pass here).
  if (
    pages > 0 && both >= pages &&
    equalRun(hashesA!, 2 * (baseA + firstA), hashesB!, 2 * (baseB + firstB), pages) === pages
  ) return sameComparison(pages, totalPages, bucket);
  const tally = emptyTally();
  const runs: PageRun[] = [];
  let runsTotal = 0, truncatedOneSide = 0, differentA = 0, differentB = 0;
  let runFirst = -1, runEnd = -1;
  const close = () => {
    if (runFirst < 0) return;
    runsTotal++;
    if (runs.length < maxRuns) {
      runs.push({
        start: start + BigInt(runFirst) * PAGE,
        end: start + BigInt(runEnd) * PAGE,
        pages: runEnd - runFirst,
      });
    }
    runFirst = -1;
  };
  const cells = new Uint8Array(Math.ceil(totalPages / bucket)).fill(NEITHER);
  let k = 0;
  while (k < pages) {
    if (k < both) {
      const j = k + equalRun(
        hashesA!,
        2 * (baseA + firstA + k),
        hashesB!,
        2 * (baseB + firstB + k),
        Math.min(both, pages) - k,
      );
      if (j > k) {
        tally.same += j - k;
        for (let c = Math.floor(k / bucket); c <= Math.floor((j - 1) / bucket); c++) {
          if (cells[c]! > 5) cells[c] = 5;
        }
        k = j;
        continue;
      }
    }
    let ka = MISSING, kb = MISSING, ia = 0, ib = 0;
    if (a) {
      const off = offA + k * P;
      if (off < fileA) {
        ia = Math.trunc(off / P);
        ka = ia >= nA ? TRUNCATED : SAVED;
      }
    }
    if (b) {
      const off = offB + k * P;
      if (off < fileB) {
        ib = Math.trunc(off / P);
        kb = ib >= nB ? TRUNCATED : SAVED;
      }
    }
    let differs = false;
    let cls: number;
    if (ka === TRUNCATED || kb === TRUNCATED) {
      tally.truncated++;
      if (ka !== kb) truncatedOneSide++;
      cls = 1;
    } else if (ka === SAVED && kb === SAVED) {
      const ha = 2 * (baseA + ia), hb = 2 * (baseB + ib);
      if (hashesA![ha] === hashesB![hb] && hashesA![ha + 1] === hashesB![hb + 1]) {
        tally.same++;
        cls = 5;
      } else {
        tally.different++;
        differs = true;
        if (zeroA![baseA + ia] === 1) differentA++;
        if (zeroB![baseB + ib] === 1) differentB++;
        cls = 0;
      }
    } else if (ka === SAVED) {
      const zero = zeroA![baseA + ia] === 1;
      if (zero) tally.zeroVsMissing++;
      else tally.onlyA++;
      cls = zero ? 4 : 2;
    } else if (kb === SAVED) {
      const zero = zeroB![baseB + ib] === 1;
      if (zero) tally.zeroVsMissing++;
      else tally.onlyB++;
      cls = zero ? 4 : 3;
    } else {
      tally.neither++;
      cls = NEITHER;
    }
    const cell = Math.floor(k / bucket);
    if (cls < cells[cell]!) cells[cell] = cls;
    if (differs) {
      if (runFirst >= 0 && runEnd === k) runEnd = k + 1;
      else {
        close();
        runFirst = k;
        runEnd = k + 1;
      }
    }
    k++;
  }
  close();
  if (span > k * P) tally.neither += Math.ceil((span - k * P) / P);
  let text = "";
  for (let i = 0; i < cells.length; i++) text += PAGE_CLASSES[cells[i]!];
  const pageMap = { bucket, cells: text };
  const differentZero = { a: differentA, b: differentB };
  return { tally, runs, runsTotal, pageMap, truncatedOneSide, differentZero };
}

/** {@link comparePages} in bigint addresses (any distance; the reference the fast path is tested to). */
export function comparePagesByAddress(r: Aligned, maxRuns = 16): PageComparison {
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
  const bucket = mapBucket(totalPages);
  const cells = new Array<number>(Math.ceil(totalPages / bucket)).fill(NEITHER);
  let page = 0;
  let addr = start;
  const sa = addr < limit ? pagesOfSide(r.a) : undefined;
  const sb = addr < limit ? pagesOfSide(r.b) : undefined;
  for (; addr < limit; addr += PAGE) {
    const pa = pageAt(sa, addr), pb = pageAt(sb, addr);
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
