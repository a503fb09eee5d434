/**
 * The digest of a core: everything coredelta needs to compare two cores without keeping either —
 * the parsed header, program headers and notes, and per `PT_LOAD` one XXH3-64 hash and a zero flag
 * per saved 4 KiB page.
 *
 * Page accounting per segment (see `lib/elf/program_header.ts`):
 * - saved pages: `ceil(p_filesz / 4096)`; the hashed ones are those fully present in the file;
 * - truncated pages: saved pages the file does not contain (RLIMIT_CORE, a cut copy);
 * - unsaved pages: `ceil(p_memsz / 4096) - saved`: memory the producer chose not to write.
 *
 * @module
 */

import type { Rows } from "../bytes/rows.ts";
import type { CoreFile } from "../elf/core.ts";
import type { Module } from "./modules.ts";
import type { StoredRange } from "./sparse.ts";
import { PAGE_SIZE } from "./page_hasher.ts";

/** Current version of the digest format (binary and model). */
export const DIGEST_FORMAT_VERSION = 2;

/**
 * Page hashes of one `PT_LOAD`. Digests made by coredelta give {@link PageSlice}s, whose `hashes`
 * and `zero` are accessors (views made when read): read them once per segment, and copy a segment
 * by naming its fields, not with a spread.
 */
export interface SegmentDigest {
  /** Index of the program header. */
  readonly index: number;
  /** XXH3-64 of each hashed page, in address order. */
  readonly hashes: BigUint64Array;
  /** 1 where the page is all zero (holes included). */
  readonly zero: Uint8Array;
  /**
   * Pages that were holes in the file (never written, never read, never hashed), as pairs
   * `[firstPage, count]`. A hole page's hash and zero flag are those of a zero page, so it compares
   * equal to one; only a digest of a local file finds holes (a stream reads them as zeros).
   */
  readonly holes?: Uint32Array;
}

/** Page results of all segments of one core, in one pair of columns (one buffer each). */
export interface PageColumns {
  /** XXH3-64 of every hashed page, segment after segment. */
  readonly hashes: BigUint64Array;
  /** Zero flag of every hashed page, in the same order. */
  readonly zero: Uint8Array;
  /** Hole runs `[firstPage, count]` of all segments, segment after segment (see `holes`). */
  readonly holes?: Uint32Array;
}

const wordViews = new WeakMap<Uint8Array | BigUint64Array, Uint32Array>();

/**
 * 32-bit words over a page column (zero flags four at a time, or each hash as two halves), whose
 * bytes start on a multiple of 4: one view per column, kept, so loops over many segments make none.
 *
 * @param column a core's column of zero flags or of hashes
 * @returns the view (a trailing part of a word is left out)
 */
export function wordsOf(column: Uint8Array | BigUint64Array): Uint32Array {
  let w = wordViews.get(column);
  if (!w) {
    w = new Uint32Array(column.buffer, column.byteOffset, column.byteLength >>> 2);
    wordViews.set(column, w);
  }
  return w;
}

/**
 * A {@link SegmentDigest} that is the slice `[first, first + count)` of its core's
 * {@link PageColumns}: the row a `PageTable` makes when it is read. `hashes` and `zero` are views
 * made when read, so read each once per segment, not once per page. Being accessors, they are not
 * own properties: compare two slices by their contents (`[...s.hashes]`), not by `deepEqual`.
 */
export class PageSlice implements SegmentDigest {
  /** Index of the program header. */
  readonly index: number;
  readonly #columns: PageColumns;
  readonly #first: number;
  readonly #count: number;
  readonly #holeAt: number;
  readonly #holeRuns: number;

  /**
   * A segment's slice of its core's page columns.
   *
   * @param index program header index
   * @param columns the core's page columns (read when a view is asked for, so they may still grow)
   * @param first position of the segment's first page in the columns
   * @param count number of hashed pages
   * @param holes the segment's hole runs, if any: `runs` pairs from pair `at` of `columns.holes`
   */
  constructor(
    index: number,
    columns: PageColumns,
    first: number,
    count: number,
    holes?: readonly [at: number, runs: number],
  ) {
    this.index = index;
    this.#columns = columns;
    this.#first = first;
    this.#count = count;
    this.#holeAt = holes?.[0] ?? 0;
    this.#holeRuns = holes?.[1] ?? 0;
  }

  /** XXH3-64 of each hashed page, in address order (a view of the core's column). */
  get hashes(): BigUint64Array {
    return this.#columns.hashes.subarray(this.#first, this.#first + this.#count);
  }

  /** 1 where the page is all zero, holes included (a view of the core's column). */
  get zero(): Uint8Array {
    return this.#columns.zero.subarray(this.#first, this.#first + this.#count);
  }

  /** Hole runs `[firstPage, count]`, or undefined when the segment has none. */
  get holes(): Uint32Array | undefined {
    if (this.#holeRuns === 0 || !this.#columns.holes) return undefined;
    return this.#columns.holes.subarray(2 * this.#holeAt, 2 * (this.#holeAt + this.#holeRuns));
  }

  /** The core's page columns this segment is a slice of (no view made). */
  get columns(): PageColumns {
    return this.#columns;
  }

  /** Position of the segment's first page in {@link PageSlice.columns}. */
  get first(): number {
    return this.#first;
  }

  /** Number of hashed pages (no view made). */
  get pageCount(): number {
    return this.#count;
  }

  /** Position of the segment's first hole run in its columns' `holes` (pairs), if it has any. */
  get holeAt(): number {
    return this.#holeAt;
  }

  /** Number of the segment's hole runs (no view made). */
  get holeRuns(): number {
    return this.#holeRuns;
  }

  /** True when the segment's first page was a hole of the file (no view made). */
  get firstPageHole(): boolean {
    return this.#holeRuns > 0 && this.#columns.holes?.[2 * this.#holeAt] === 0;
  }

  /** Number of all-zero pages, holes included (counted in the column, no view made). */
  zeroCount(): number {
    const zero = this.#columns.zero;
    const end = this.#first + this.#count;
    let n = 0;
    let i = this.#first;
    // Flags are 0 or 1: four at a time from 32-bit words where they are aligned (a 1 GiB core
    // has 262,144 pages a side to count).
    const words = zero.byteOffset % 4 === 0 && zero.byteLength >= 4 ? wordsOf(zero) : undefined;
    if (words) {
      for (; i < end && i % 4 !== 0; i++) n += zero[i]!;
      for (; i + 4 <= end; i += 4) n += Math.imul(words[i >>> 2]!, 0x01010101) >>> 24;
    }
    for (; i < end; i++) n += zero[i]!;
    return n;
  }
}

/** How the digest was made. */
export interface DigestMeta {
  /** True when the layout required copying the core aside and reading it back. */
  readonly spilled: boolean;
  /** Why it spilled. */
  readonly spillReason?: string;
  /** Compression of the input (`none`, `gzip`, `zstd`, `xz`). */
  readonly compression?: string;
}

/** The digest of one core. */
export interface CoreDigest {
  /** {@link DIGEST_FORMAT_VERSION}. */
  readonly formatVersion: number;
  /** SHA-256 of the page-hash kernel that made the hashes. */
  readonly kernelSha256: string;
  /** Hashed page size (4096). */
  readonly pageSize: number;
  /** Size of the (decompressed) core in bytes. */
  readonly size: number;
  /**
   * The core's identity: XXH3-64 over its size, the bytes the parser reads (header, tables, notes)
   * and every page hash (see `lib/digest/identity.ts`). Equal cores have equal identities whichever
   * way they were read; each byte of the core is hashed once.
   */
  readonly fileHash: bigint;
  /** The parsed core (header, segments, notes, producer). */
  readonly core: CoreFile;
  /**
   * Page hashes per PT_LOAD, in program header order (a `PageTable` when coredelta made or
   * decoded the digest: rows made when read, compared by field).
   */
  readonly segments: Rows<SegmentDigest>;
  /**
   * The non-page bytes the core was parsed from (stored so the digest can be re-parsed): pieces
   * sorted by offset, not overlapping; pieces that touch are one range of the stored form (see
   * `skeletonOf` and `skeletonRuns` in `identity.ts`).
   */
  readonly skeleton: StoredRange[];
  /** How it was made. */
  readonly meta: DigestMeta;
  /** ELF modules with build-ids, read from the saved first pages (absent in older digests). */
  readonly modules?: readonly Module[];
}

/** Page counts of a segment. */
export interface PageCounts {
  /** Pages covered by `p_filesz`. */
  readonly saved: number;
  /** Saved pages that were hashed (present in the file). */
  readonly hashed: number;
  /** Saved pages missing from the file. */
  readonly truncated: number;
  /** Pages of `p_memsz` beyond `p_filesz`. */
  readonly unsaved: number;
  /** Hashed pages that are all zero (holes included). */
  readonly zero: number;
  /** Pages that were holes in the file (not read; counted in `zero` too). */
  readonly holes: number;
}

/** Number of 4 KiB pages needed to cover `bytes`. */
export function pagesOf(bytes: bigint): number {
  // Exact in a double below 2^53 bytes (any real file); bigint arithmetic only above.
  if (bytes <= MAX_EXACT) return Math.ceil(Number(bytes) / PAGE_SIZE);
  return Number((bytes + BigInt(PAGE_SIZE) - 1n) / BigInt(PAGE_SIZE));
}

const MAX_EXACT = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * Where a segment's page results lie, read without views: a {@link PageSlice}'s core columns from
 * its first page, or the segment's own arrays from 0. Its hole runs are the pairs
 * `holes[holeAt .. holeAt + 2 * holeRuns)`.
 */
export interface PageSpan {
  /** Page hashes; the segment's are `count` from `first`. */
  readonly hashes: BigUint64Array;
  /** Zero flags, at the same positions as `hashes`. */
  readonly zero: Uint8Array;
  /** Position of the segment's first page in `hashes` and `zero`. */
  readonly first: number;
  /** Number of hashed pages. */
  readonly count: number;
  /** Hole runs `[firstPage, count]`, the segment's from `holeAt`. */
  readonly holes: Uint32Array | undefined;
  /** Position of the segment's first hole run in `holes` (in numbers, not pairs). */
  readonly holeAt: number;
  /** Number of the segment's hole runs. */
  readonly holeRuns: number;
}

/**
 * The {@link PageSpan} of `seg`: one small object instead of the views a slice makes on each read of
 * `hashes`, `zero` or `holes` (70,000 segments read a few times each made hundreds of thousands).
 */
export function pageSpan(seg: SegmentDigest): PageSpan {
  if (seg instanceof PageSlice) {
    const c = seg.columns;
    return {
      hashes: c.hashes,
      zero: c.zero,
      first: seg.first,
      count: seg.pageCount,
      holes: c.holes,
      holeAt: 2 * seg.holeAt,
      holeRuns: seg.holeRuns,
    };
  }
  const hashes = seg.hashes, holes = seg.holes;
  return {
    hashes,
    zero: seg.zero,
    first: 0,
    count: hashes.length,
    holes,
    holeAt: 0,
    holeRuns: (holes?.length ?? 0) / 2,
  };
}

/** Page counts of `seg` given the core's program header for it. */
export function pageCounts(seg: SegmentDigest, filesz: bigint, memsz: bigint): PageCounts {
  const saved = pagesOf(filesz);
  const total = pagesOf(memsz > filesz ? memsz : filesz);
  // Counted in the span: 70,000 segments make no views.
  const span = pageSpan(seg);
  let zero = 0;
  if (seg instanceof PageSlice) zero = seg.zeroCount(); // four flags per step
  else for (let i = 0; i < span.count; i++) zero += span.zero[i]!;
  const hashed = span.count;
  let holes = 0;
  for (let r = 0; r < span.holeRuns; r++) holes += span.holes![span.holeAt + 2 * r + 1]!;
  return {
    saved,
    hashed,
    truncated: saved - hashed,
    unsaved: total - saved,
    zero,
    holes,
  };
}
