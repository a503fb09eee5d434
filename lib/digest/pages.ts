/**
 * Feeds segment bytes, in order, into a {@link PageHasher}'s batch and collects per-page results.
 * Pages of several small segments share a batch; a segment ending on a partial page flushes the
 * batch so that page is hashed over its real length.
 *
 * @module
 */

import type { Rows } from "../bytes/rows.ts";
import { PageTable } from "./page_table.ts";
import { PAGE_SIZE, type PageHasher } from "./page_hasher.ts";

/**
 * Per-page results of many segments in two growing arrays: a segment's pages arrive together (file
 * order, no interleaving), so each segment is a slice of them, not arrays of its own.
 */
export class PageStore {
  hashes: BigUint64Array = new BigUint64Array(1024);
  zero: Uint8Array = new Uint8Array(1024);
  count = 0;

  /** Appends a run of page results (a block copy, no BigInt per page); returns the first position. */
  pushMany(hashes: BigUint64Array, zero: Uint8Array): number {
    this.#room(hashes.length);
    this.hashes.set(hashes, this.count);
    this.zero.set(zero, this.count);
    const at = this.count;
    this.count += hashes.length;
    return at;
  }

  #room(n: number): void {
    if (this.count + n <= this.hashes.length) return;
    let size = this.hashes.length * 2;
    while (size < this.count + n) size *= 2;
    const h = new BigUint64Array(size);
    h.set(this.hashes.subarray(0, this.count));
    this.hashes = h;
    const z = new Uint8Array(size);
    z.set(this.zero.subarray(0, this.count));
    this.zero = z;
  }
}

/**
 * Per-page results of a core's segments, by program header index: a segment's pages arrive
 * together, so each is a slice of one {@link PageStore}, kept as two numbers (no object per segment).
 */
export class SegmentPages {
  /** Where the results go. */
  readonly store: PageStore = new PageStore();
  /** Position of each segment's first page in the store (-1 before its first page). */
  readonly first: Float64Array;
  /** Pages of each segment. */
  readonly count: Float64Array;

  /**
   * Results for a core of `phnum` program headers, none yet.
   *
   * @param phnum number of program headers
   */
  constructor(phnum: number) {
    this.first = new Float64Array(phnum).fill(-1);
    this.count = new Float64Array(phnum);
  }

  /** Appends a run of page results of segment `index` (its pages must be pushed together). */
  pushMany(index: number, hashes: BigUint64Array, zero: Uint8Array): void {
    const at = this.store.pushMany(hashes, zero);
    if (this.first[index]! < 0) this.first[index] = at;
    else if (at !== this.first[index]! + this.count[index]!) {
      throw new Error("segment pages interleaved");
    }
    this.count[index]! += hashes.length;
  }

  /**
   * The page table of `loads` (call after the last push): a load with no pages gets an empty
   * slice.
   */
  table(loads: Rows<{ readonly index: number }>): PageTable {
    const n = loads.length;
    const index = new Uint32Array(n), first = new Float64Array(n), count = new Float64Array(n);
    let k = 0;
    for (const l of loads) {
      index[k] = l.index;
      first[k] = Math.max(0, this.first[l.index] ?? 0);
      count[k++] = this.count[l.index] ?? 0;
    }
    const { hashes, zero } = this.store;
    return new PageTable({ hashes, zero }, {
      index,
      first,
      count,
      holeAt: new Uint32Array(n),
      holeRuns: new Uint32Array(n),
    });
  }
}

/** Assembles pages of the current segment into the hasher's batch. */
export class PageSink {
  #slot = 0;
  #fill = 0;
  /** Program header index of the segment each batch slot belongs to. */
  readonly #owners: Int32Array;
  #current = -1;

  /**
   * @param hasher the page hasher whose scratch memory is filled
   * @param pages where each segment's results go
   */
  constructor(readonly hasher: PageHasher, readonly pages: SegmentPages) {
    this.#owners = new Int32Array(hasher.capacity);
  }

  /** Starts (or resumes) collecting pages for the segment at program header `index`. */
  begin(index: number): void {
    this.#current = index;
  }

  /**
   * Appends bytes of the current segment: one copy into the hasher's memory per batch they span
   * (the bytes are the caller's, e.g. a decompressor's output, so they are copied once).
   */
  write(bytes: Uint8Array): void {
    const seg = this.#current;
    if (seg < 0) throw new Error("PageSink.write before begin");
    const { input, capacity } = this.hasher;
    let at = 0;
    while (at < bytes.length) {
      const pos = this.#slot * PAGE_SIZE + this.#fill;
      const n = Math.min(capacity * PAGE_SIZE - pos, bytes.length - at);
      input.set(at === 0 && n === bytes.length ? bytes : bytes.subarray(at, at + n), pos);
      at += n;
      const end = pos + n;
      const full = Math.floor(end / PAGE_SIZE);
      for (let i = this.#slot; i < full; i++) this.#owners[i] = seg;
      this.#slot = full;
      this.#fill = end - full * PAGE_SIZE;
      if (this.#slot === capacity) this.#flush(this.#slot, PAGE_SIZE);
    }
  }

  /**
   * Ends the current segment. A partial last page is hashed over its real length when `complete`
   * (the segment's `p_filesz` ends there), or dropped when the file ended early (truncation).
   */
  end(complete: boolean): void {
    const seg = this.#current;
    if (seg >= 0 && this.#fill > 0) {
      if (complete) {
        this.#owners[this.#slot] = seg;
        this.#flush(this.#slot + 1, this.#fill);
      }
      this.#fill = 0;
    }
    this.#current = -1;
  }

  /** Hashes whatever is pending. Call once at the end. */
  finish(): void {
    if (this.#fill > 0) this.end(false);
    if (this.#slot > 0) this.#flush(this.#slot, PAGE_SIZE);
  }

  #flush(count: number, lastLength: number): void {
    this.hasher.hash(count, lastLength);
    const { hashes, zero } = this.hasher;
    const owners = this.#owners;
    // Runs of slots of one segment go in as blocks.
    for (let i = 0; i < count;) {
      const owner = owners[i]!;
      let j = i + 1;
      while (j < count && owners[j] === owner) j++;
      this.pages.pushMany(owner, hashes.subarray(i, j), zero.subarray(i, j));
      i = j;
    }
    this.#slot = 0;
  }
}
