/**
 * The page loop of a digest by position: every `PT_LOAD`'s saved pages read in file order, one
 * `readInto` per run of data pages, straight into the hasher's memory, and hashed once; pages that
 * lie wholly in a hole of the file's data extents are neither read nor hashed (the zero page's hash,
 * listed in the segment's `holes`). A window (`from`, `to`) lets two threads share one file.
 *
 * Cost per page: a slot index and two 32-bit copies; per run of pages: one read.
 *
 * @module
 */

import type { DataExtents, PositionalSource } from "../bytes/source.ts";
import { CoreFormatError } from "../errors.ts";
import type { Rows } from "../bytes/rows.ts";
import { PageTable } from "./page_table.ts";
import { PAGE_SIZE, type PageHasher } from "./page_hasher.ts";
import { LoadPlan, type LoadShape } from "./load_plan.ts";

/** Hash of a zero page of the hasher (computed once per hasher). */
const zeroHashes = new WeakMap<PageHasher, bigint>();
function zeroPageHash(hasher: PageHasher): bigint {
  let h = zeroHashes.get(hasher);
  if (h === undefined) {
    hasher.input.fill(0, 0, PAGE_SIZE);
    hasher.hash(1);
    h = hasher.hashes[0]!;
    zeroHashes.set(hasher, h);
  }
  return h;
}

/**
 * Fills the hasher's batch with whole runs of pages and copies each slot's results to its page's
 * place in the arrays of all pages (as two 32-bit halves: no BigInt, no view per run).
 */
class Batch {
  fill = 0;
  /** Index, in the arrays of all pages, of the page in each slot. */
  readonly owner: Float64Array;
  readonly #hashes32: Uint32Array;
  readonly #out32: Uint32Array;
  /** (slot, load) of each load's first page in the batch, for `firstPages`. */
  readonly firstSlots: number[] = [];
  constructor(
    readonly hasher: PageHasher,
    allHashes: BigUint64Array,
    readonly allZero: Uint8Array,
    readonly firstPages: FirstPages | undefined,
  ) {
    this.owner = new Float64Array(hasher.capacity);
    const h = hasher.hashes;
    this.#hashes32 = new Uint32Array(h.buffer, h.byteOffset, h.length * 2);
    this.#out32 = new Uint32Array(allHashes.buffer, allHashes.byteOffset, allHashes.length * 2);
  }
  /** File range not read yet into the batch (`readFrom`, `readLength`, at slot `readSlot`). */
  #readFrom = 0;
  #readLength = 0;
  #readAt = 0;

  /**
   * Asks for `length` bytes at file offset `from` at the batch's current end. Reads of ranges that
   * continue each other (consecutive one-page segments of a gcore) are joined into one.
   */
  want(src: PositionalSource, from: number, length: number): void {
    const at = this.fill * PAGE_SIZE;
    if (
      this.#readLength > 0 && this.#readFrom + this.#readLength === from &&
      this.#readAt + this.#readLength === at
    ) {
      this.#readLength += length;
      return;
    }
    this.#read(src);
    this.#readFrom = from;
    this.#readLength = length;
    this.#readAt = at;
  }

  #read(src: PositionalSource): void {
    if (this.#readLength === 0) return;
    const target = this.hasher.input.subarray(this.#readAt, this.#readAt + this.#readLength);
    const got = src.readInto(this.#readFrom, target);
    if (got < target.length) {
      throw new CoreFormatError(
        this.#readFrom + got,
        "p_offset",
        `File ends at byte ${
          this.#readFrom + got
        } inside PT_LOAD data it held when parsed (changed while being read?)`,
      );
    }
    this.#readLength = 0;
  }

  flush(lastLength: number, src: PositionalSource): void {
    this.#read(src);
    if (this.fill === 0) return;
    const { hasher, owner, allZero } = this;
    hasher.hash(this.fill, lastLength);
    const zero = hasher.zero;
    const h32 = this.#hashes32;
    const out32 = this.#out32;
    for (let i = 0; i < this.fill; i++) {
      const g = owner[i]!;
      out32[2 * g] = h32[2 * i]!;
      out32[2 * g + 1] = h32[2 * i + 1]!;
      allZero[g] = zero[i]!;
    }
    const firsts = this.firstSlots;
    if (this.firstPages) {
      for (let f = 0; f < firsts.length; f += 2) {
        const at = firsts[f]! * PAGE_SIZE;
        const length = firsts[f]! === this.fill - 1 ? lastLength : PAGE_SIZE;
        this.firstPages(firsts[f + 1]!, hasher.input, at, length);
      }
    }
    firsts.length = 0;
    this.fill = 0;
  }
}

/** Index of the first extent whose end is past `at` (binary search). */
function firstExtentAfter(x: DataExtents, at: number): number {
  let lo = 0;
  let hi = x.starts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (x.ends[mid]! <= at) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The arrays of hashes and zero flags of all pages of a core (one entry per page, load order). */
export interface PageColumnsOut {
  /** Per-page hashes. */
  readonly hashes: BigUint64Array;
  /** Per-page zero flags. */
  readonly zero: Uint8Array;
}

/** Where {@link hashLoads} writes and which pages it takes. */
export interface HashLoadsOptions {
  /** Result arrays for all pages (default: new ones). */
  readonly out?: PageColumnsOut;
  /** Only data pages whose first byte is at this file offset or later (default 0). */
  readonly from?: number;
  /** Only data pages whose first byte is before this file offset (default: all). */
  readonly to?: number;
  /** Sees each load's first page as it is hashed (modules and build-ids are read from it). */
  readonly firstPages?: FirstPages;
}

/**
 * Called with a load's first page: `length` bytes at `at` in `memory` (the hasher's input, valid
 * during the call only). Positions, not a view, so most pages (not ELF) cost no allocation.
 */
export type FirstPages = (load: number, memory: Uint8Array, at: number, length: number) => void;

/** Zero flag of a page that lies wholly in a hole, until {@link sliceSegments} lists it. */
const HOLE = 2;

/**
 * Reads and hashes the data pages of `plan`'s loads whose first byte lies in `[from, to)`, in file
 * order, into `out`; pages of the window wholly in a hole of `extents` get the zero page's hash and
 * the zero flag {@link HOLE} (listed as hole runs by {@link sliceSegments}).
 */
function walk(
  src: PositionalSource,
  hasher: PageHasher,
  plan: LoadPlan,
  extents: DataExtents | undefined,
  out: PageColumnsOut,
  from: number,
  to: number,
  firstPages: FirstPages | undefined,
): void {
  const { available, order, counts, firsts, offsets } = plan;
  const { hashes: allHashes, zero: allZero } = out;
  const zeroHash = extents ? zeroPageHash(hasher) : 0n;
  const batch = new Batch(hasher, allHashes, allZero, firstPages);
  const cap = hasher.capacity;
  const ex = extents;
  for (let i = plan.startAt(from); i < order.length; i++) {
    const k = order[i]!;
    const base = offsets[k]!;
    if (base >= to) break; // file order: no later load has a page in the window
    const n = counts[k]!;
    const end = base + available[k]!;
    // The segment's pages in the window: first byte in [from, to).
    const pFrom = Math.min(n, Math.max(0, Math.ceil((from - base) / PAGE_SIZE)));
    const pTo = Math.min(n, Math.max(0, Math.ceil((to - base) / PAGE_SIZE)));
    let x = ex ? firstExtentAfter(ex, base + pFrom * PAGE_SIZE) : 0;
    let p = pFrom;
    while (p < pTo) {
      // The next run of data pages [d0, d1) from page p: the pages data extents touch, joined
      // while the next extent touches the run's last page or the one after it (maximal runs).
      let d0 = p;
      let d1 = pTo;
      if (ex) {
        if (x < ex.starts.length && ex.starts[x]! < end) {
          d0 = Math.max(p, Math.floor((Math.max(ex.starts[x]!, base) - base) / PAGE_SIZE));
          d1 = Math.min(n, Math.ceil((Math.min(ex.ends[x]!, end) - base) / PAGE_SIZE));
          for (x++; x < ex.starts.length && ex.starts[x]! < end; x++) {
            if (Math.floor((ex.starts[x]! - base) / PAGE_SIZE) > d1) break;
            d1 = Math.max(
              d1,
              Math.min(n, Math.ceil((Math.min(ex.ends[x]!, end) - base) / PAGE_SIZE)),
            );
          }
        } else d0 = pTo;
        d0 = Math.min(d0, pTo);
        d1 = Math.min(d1, pTo);
      }
      if (d0 > p) {
        allZero.fill(HOLE, firsts[k]! + p, firsts[k]! + d0);
        allHashes.fill(zeroHash, firsts[k]! + p, firsts[k]! + d0);
      }
      p = d0;
      while (p < d1) {
        const take = Math.min(cap - batch.fill, d1 - p);
        const at = base + p * PAGE_SIZE;
        const length = Math.min(take * PAGE_SIZE, end - at);
        batch.want(src, at, length);
        if (p === 0 && firstPages) batch.firstSlots.push(batch.fill, k);
        const g = firsts[k]! + p - batch.fill;
        for (let j = batch.fill; j < batch.fill + take; j++) batch.owner[j] = g + j;
        batch.fill += take;
        p += take;
        const partial = length % PAGE_SIZE;
        if (partial !== 0) batch.flush(partial, src);
        else if (batch.fill === cap) batch.flush(PAGE_SIZE, src);
      }
    }
  }
  batch.flush(PAGE_SIZE, src);
}

/**
 * The {@link PageTable} of `plan`'s loads, each a slice of the columns `out`, once all their
 * pages are hashed: pages marked as holes are listed as the segment's hole runs (one column of runs
 * for the core) and their zero flag set to 1.
 */
export function sliceSegments(plan: LoadPlan, out: PageColumnsOut): PageTable {
  const { firsts, counts } = plan;
  const zero = out.zero;
  const runs: number[] = [];
  // Per load: its first pair in `runs` and how many it has. The column is in load order, so one
  // forward scan (native `indexOf`) meets each load's holes together.
  const at = new Uint32Array(plan.length);
  const count = new Uint32Array(plan.length);
  let k = 0;
  for (let g = zero.indexOf(HOLE); g >= 0; g = zero.indexOf(HOLE, g)) {
    while (firsts[k]! + counts[k]! <= g) k++;
    const end = firsts[k]! + counts[k]!;
    const start = g;
    while (g < end && zero[g] === HOLE) zero[g++] = 1;
    if (count[k] === 0) at[k] = runs.length / 2;
    runs.push(start - firsts[k]!, g - start);
    count[k]!++;
  }
  const columns = { ...out, holes: Uint32Array.from(runs) };
  return new PageTable(columns, {
    index: plan.index,
    first: firsts,
    count: counts,
    holeAt: at,
    holeRuns: count,
  });
}

/**
 * Reads and hashes the saved pages of `loads` in file order, straight into the hasher's memory, and
 * returns their {@link PageTable} (slices of one array for all pages). Pages wholly in a
 * hole of `extents` are neither read nor hashed: they get the zero page's hash and are listed in
 * the segment's `holes`.
 */
export function hashLoads(
  src: PositionalSource,
  hasher: PageHasher,
  loads: Rows<LoadShape>,
  extents: DataExtents | undefined,
  options: HashLoadsOptions = {},
): PageTable {
  const { from = 0, to = Number.MAX_SAFE_INTEGER } = options;
  const plan = new LoadPlan(loads);
  // One array of hashes and one of zero flags for all pages; each segment gets a view (a typed
  // array of its own per segment costs more than hashing its page).
  const out = options.out ?? {
    hashes: new BigUint64Array(plan.total),
    zero: new Uint8Array(plan.total),
  };
  walk(src, hasher, plan, extents, out, from, to, options.firstPages);
  return sliceSegments(plan, out);
}

/**
 * Reads and hashes the pages of `plan`'s loads whose first byte lies in `[from, to)` into `out`
 * (pages in holes of `extents` marked, for {@link sliceSegments}): one window of a core that several
 * threads share.
 */
export function hashWindow(
  src: PositionalSource,
  hasher: PageHasher,
  plan: LoadPlan,
  extents: DataExtents | undefined,
  out: PageColumnsOut,
  window: { readonly from: number; readonly to: number; readonly firstPages?: FirstPages },
): void {
  walk(src, hasher, plan, extents, out, window.from, window.to, window.firstPages);
}
