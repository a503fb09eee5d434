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
import { PageSlice, type SegmentDigest } from "./model.ts";
import { PAGE_SIZE, type PageHasher } from "./page_hasher.ts";

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

/** Shared empty hole list (most segments have none). */
/** Per-segment results being filled, in program header order (positions in the columns). */
interface Out {
  readonly index: number;
  /** Position of the segment's first page in the columns. */
  readonly first: number;
  /** Pages of the segment. */
  readonly count: number;
  /** Position of its first hole run in the core's list of runs, and how many it has. */
  holeAt: number;
  holeRuns: number;
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

/** Pages per load (a partial last page counts unless the file ends inside the segment). */
export function pageCountsOf(loads: readonly LoadShape[]): { counts: Float64Array; total: number } {
  const counts = new Float64Array(loads.length);
  let total = 0;
  loads.forEach((s, i) => {
    const available = Number(s.available);
    counts[i] = Math.floor(available / PAGE_SIZE) +
      (available % PAGE_SIZE !== 0 && !s.truncated ? 1 : 0);
    total += counts[i]!;
  });
  return { counts, total };
}

/** Where {@link hashLoads} writes and which pages it takes. */
export interface HashLoadsOptions {
  /** Result arrays for all pages (default: new ones). */
  readonly out?: { readonly hashes: BigUint64Array; readonly zero: Uint8Array };
  /** Only data pages whose first byte is at this file offset or later (default 0). */
  readonly from?: number;
  /** Only data pages whose first byte is before this file offset (default: all). */
  readonly to?: number;
  /** Record holes (default true; a helper leaves them to the caller). */
  readonly holes?: boolean;
  /** Sees each load's first page as it is hashed (modules and build-ids are read from it). */
  readonly firstPages?: FirstPages;
}

/**
 * Called with a load's first page: `length` bytes at `at` in `memory` (the hasher's input, valid
 * during the call only). Positions, not a view, so most pages (not ELF) cost no allocation.
 */
export type FirstPages = (load: number, memory: Uint8Array, at: number, length: number) => void;

/**
 * Reads and hashes the saved pages of `loads` in file order, straight into the hasher's memory, and
 * returns one {@link SegmentDigest} per load (views of one array for all pages). Pages wholly in a
 * hole of `extents` are neither read nor hashed: they get the zero page's hash and are listed in
 * the segment's `holes`.
 */
export function hashLoads(
  src: PositionalSource,
  hasher: PageHasher,
  loads: readonly LoadShape[],
  extents: DataExtents | undefined,
  options: HashLoadsOptions = {},
): SegmentDigest[] {
  const { from = 0, to = Number.MAX_SAFE_INTEGER, holes = true } = options;
  const zeroHash = extents && holes ? zeroPageHash(hasher) : 0n;
  // One array of hashes and one of zero flags for all pages; each segment gets a view (a typed
  // array of its own per segment costs more than hashing its page).
  const { counts, total } = pageCountsOf(loads);
  const allHashes = options.out?.hashes ?? new BigUint64Array(total);
  const allZero = options.out?.zero ?? new Uint8Array(total);
  let first = 0;
  const firsts = new Float64Array(loads.length);
  const holeRuns: number[] = [];
  const outs: Out[] = loads.map((s, i) => {
    firsts[i] = first;
    const out = { index: s.index, first, count: counts[i]!, holeAt: 0, holeRuns: 0 };
    first += out.count;
    return out;
  });
  // File order: each byte range read once, forward.
  const offsets = Float64Array.from(loads, (s) => Number(s.offset));
  const order = Uint32Array.from(loads, (_, i) => i).sort((a, b) => offsets[a]! - offsets[b]!);
  const batch = new Batch(hasher, allHashes, allZero, options.firstPages);
  const cap = hasher.capacity;
  for (const k of order) {
    const s = loads[k]!;
    const o = outs[k]!;
    const n = o.count;
    const base = Number(s.offset);
    const end = base + Number(s.available);
    // This call's pages of the segment: first byte in [from, to).
    const pFrom = Math.min(n, Math.max(0, Math.ceil((from - base) / PAGE_SIZE)));
    const pTo = Math.min(n, Math.max(0, Math.ceil((to - base) / PAGE_SIZE)));
    if (pFrom >= pTo && !holes) continue;
    const ex = extents;
    let x = ex ? firstExtentAfter(ex, base) : 0;
    let p = 0;
    while (p < n) {
      // The next run of data pages [d0, d1) from page p: the pages data extents touch, joined
      // while the next extent touches the run's last page or the one after it (maximal runs).
      let d0 = p;
      let d1 = n;
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
        } else d0 = n;
        d0 = Math.min(d0, n);
      }
      if (d0 > p && holes) {
        allZero.fill(1, o.first + p, o.first + d0);
        allHashes.fill(zeroHash, o.first + p, o.first + d0);
        // A segment's runs are found together (file order), so they lie together in the list.
        if (o.holeRuns === 0) o.holeAt = holeRuns.length / 2;
        holeRuns.push(p, d0 - p);
        o.holeRuns++;
      }
      if (d0 >= n) break;
      p = Math.max(d0, pFrom);
      const stop = Math.min(d1, pTo);
      while (p < stop) {
        const take = Math.min(cap - batch.fill, stop - p);
        const at = base + p * PAGE_SIZE;
        const length = Math.min(take * PAGE_SIZE, end - at);
        batch.want(src, at, length);
        if (p === 0 && options.firstPages) batch.firstSlots.push(batch.fill, k);
        const g = firsts[k]! + p - batch.fill;
        for (let i = batch.fill; i < batch.fill + take; i++) batch.owner[i] = g + i;
        batch.fill += take;
        p += take;
        const partial = length % PAGE_SIZE;
        if (partial !== 0) batch.flush(partial, src);
        else if (batch.fill === cap) batch.flush(PAGE_SIZE, src);
      }
      p = d1;
    }
  }
  batch.flush(PAGE_SIZE, src);
  // One column of hole runs for the core, each segment a slice of the page and hole columns.
  const columns = { hashes: allHashes, zero: allZero, holes: Uint32Array.from(holeRuns) };
  return outs.map((o) =>
    new PageSlice(
      o.index,
      columns,
      o.first,
      o.count,
      o.holeRuns ? [o.holeAt, o.holeRuns] : undefined,
    )
  );
}
