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

import type { CoreFile } from "../elf/core.ts";
import type { Module } from "./modules.ts";
import type { StoredRange } from "./sparse.ts";
import { PAGE_SIZE } from "./page_hasher.ts";

/** Current version of the digest format (binary and model). */
export const DIGEST_FORMAT_VERSION = 2;

/** Page hashes of one `PT_LOAD`. */
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
  /** Page hashes per PT_LOAD, in program header order. */
  readonly segments: SegmentDigest[];
  /** The non-page bytes the core was parsed from (stored so the digest can be re-parsed). */
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

/** Page counts of `seg` given the core's program header for it. */
export function pageCounts(seg: SegmentDigest, filesz: bigint, memsz: bigint): PageCounts {
  const saved = pagesOf(filesz);
  const total = pagesOf(memsz > filesz ? memsz : filesz);
  let zero = 0;
  for (const z of seg.zero) zero += z;
  let holes = 0;
  for (let i = 1; i < (seg.holes?.length ?? 0); i += 2) holes += seg.holes![i]!;
  return {
    saved,
    hashed: seg.hashes.length,
    truncated: saved - seg.hashes.length,
    unsaved: total - saved,
    zero,
    holes,
  };
}
