/**
 * Feeds segment bytes, in order, into a {@link PageHasher}'s batch and collects per-page results.
 * Pages of several small segments share a batch; a segment ending on a partial page flushes the
 * batch so that page is hashed over its real length.
 *
 * @module
 */

import { PageSlice } from "./model.ts";
import { PAGE_SIZE, type PageHasher } from "./page_hasher.ts";

/**
 * Per-page results of many segments in two growing arrays: a segment's pages arrive together (file
 * order, no interleaving), so each segment is a slice of them, not arrays of its own.
 */
export class PageStore {
  hashes: BigUint64Array = new BigUint64Array(1024);
  zero: Uint8Array = new Uint8Array(1024);
  count = 0;

  /** Appends one page result; returns its position. */
  push(hash: bigint, zero: number): number {
    if (this.count === this.hashes.length) {
      const h = new BigUint64Array(this.count * 2);
      h.set(this.hashes);
      this.hashes = h;
      const z = new Uint8Array(this.count * 2);
      z.set(this.zero);
      this.zero = z;
    }
    this.hashes[this.count] = hash;
    this.zero[this.count] = zero;
    return this.count++;
  }
}

/** Per-page results of one segment: a slice of a {@link PageStore}. */
export class SegmentPages {
  #first = -1;
  count = 0;

  /**
   * @param index program header index of the segment
   * @param store where the results go (shared by the segments of one core)
   */
  constructor(readonly index: number, readonly store: PageStore = new PageStore()) {}

  /** Appends one page result (pages of a segment must be pushed together). */
  push(hash: bigint, zero: number): void {
    const at = this.store.push(hash, zero);
    if (this.#first < 0) this.#first = at;
    else if (at !== this.#first + this.count) throw new Error("segment pages interleaved");
    this.count++;
  }

  /** Final arrays (views of the store; call after the last push of every segment). */
  result(): PageSlice {
    return new PageSlice(this.index, this.store, Math.max(0, this.#first), this.count);
  }
}

/** Assembles pages of the current segment into the hasher's batch. */
export class PageSink {
  #slot = 0;
  #fill = 0;
  #owners: SegmentPages[] = [];
  #current: SegmentPages | undefined;

  /** @param hasher the page hasher whose scratch memory is filled */
  constructor(readonly hasher: PageHasher) {}

  /** Starts (or resumes) collecting pages for `seg`. */
  begin(seg: SegmentPages): void {
    this.#current = seg;
  }

  /** Appends bytes of the current segment. */
  write(bytes: Uint8Array): void {
    const seg = this.#current;
    if (!seg) throw new Error("PageSink.write before begin");
    const input = this.hasher.input;
    let at = 0;
    while (at < bytes.length) {
      const room = PAGE_SIZE - this.#fill;
      const n = Math.min(room, bytes.length - at);
      input.set(bytes.subarray(at, at + n), this.#slot * PAGE_SIZE + this.#fill);
      this.#fill += n;
      at += n;
      if (this.#fill === PAGE_SIZE) {
        this.#owners[this.#slot] = seg;
        this.#slot++;
        this.#fill = 0;
        if (this.#slot === this.hasher.capacity) this.#flush(this.#slot, PAGE_SIZE);
      }
    }
  }

  /**
   * Ends the current segment. A partial last page is hashed over its real length when `complete`
   * (the segment's `p_filesz` ends there), or dropped when the file ended early (truncation).
   */
  end(complete: boolean): void {
    const seg = this.#current;
    if (seg && this.#fill > 0) {
      if (complete) {
        this.#owners[this.#slot] = seg;
        this.#flush(this.#slot + 1, this.#fill);
      }
      this.#fill = 0;
    }
    this.#current = undefined;
  }

  /** Hashes whatever is pending. Call once at the end. */
  finish(): void {
    if (this.#fill > 0) this.end(false);
    if (this.#slot > 0) this.#flush(this.#slot, PAGE_SIZE);
  }

  #flush(count: number, lastLength: number): void {
    this.hasher.hash(count, lastLength);
    const { hashes, zero } = this.hasher;
    for (let i = 0; i < count; i++) this.#owners[i]!.push(hashes[i]!, zero[i]!);
    this.#slot = 0;
  }
}
