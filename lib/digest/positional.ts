/**
 * `digestPositional`: the digest of a core that can be read by position (a local file, a spill):
 * the parser reads header, tables and notes where they are; then the page loop (`page_loop.ts`)
 * reads every `PT_LOAD`'s saved pages in file order straight into the hasher's memory and hashes
 * them once, skipping the holes of the file's data extents (FIEMAP, SEEK_DATA/SEEK_HOLE), which get
 * the zero page's hash and are listed in the segment's `holes`. A helper (another thread) may hash
 * the second half of the data bytes at the same time.
 *
 * Cost: one read of each saved data byte, one hash of it, and per segment three typed arrays.
 *
 @module
 */

import type { ByteSource, DataExtents, PositionalSource } from "../bytes/source.ts";
import { ModuleScanner } from "./modules.ts";
import { parseCore } from "../elf/core.ts";
import { coreIdentity, mergeRanges } from "./identity.ts";
import { type CoreDigest, DIGEST_FORMAT_VERSION, type DigestMeta } from "./model.ts";
import type { SegmentDigest } from "./model.ts";
import { PAGE_SIZE, type PageHasher } from "./page_hasher.ts";
import { sparseSource, type StoredRange } from "./sparse.ts";
import { type FirstPages, hashLoads, type LoadShape, pageCountsOf } from "./page_loop.ts";

export { type FirstPages, hashLoads, type HashLoadsOptions, type LoadShape } from "./page_loop.ts";

/**
 * Records the ranges a parser reads, so they can be kept as the digest's skeleton: copies, unless
 * the source's reads are `fresh` (a 70,000-mapping gcore's tables are 13 MB, kept once, not twice).
 * The parser gets the kept bytes, so the recording source is `fresh` too.
 */
export function recording(src: ByteSource): { src: ByteSource; ranges: StoredRange[] } {
  const ranges: StoredRange[] = [];
  return {
    ranges,
    src: {
      size: src.size,
      fresh: true,
      async read(offset: number, length: number): Promise<Uint8Array> {
        const bytes = await src.read(offset, length);
        const kept = src.fresh ? bytes : bytes.slice();
        ranges.push({ offset, bytes: kept });
        return kept;
      },
    },
  };
}

/**
 * The pages a helper (another thread with its own hasher) reads and hashes: every data page whose
 * first byte is at file offset `from` or later, written into `hashes` and `zero` (shared memory,
 * one entry per page of all loads, in program header order). Holes stay with the caller.
 */
export interface PageShare {
  /** The core's loads (program header order). */
  readonly loads: readonly LoadShape[];
  /** The file's data extents, or undefined to read everything. */
  readonly extents: DataExtents | undefined;
  /** File offset from which on pages are the helper's. */
  readonly from: number;
  /** Per-page hashes of all loads (backed by a SharedArrayBuffer). */
  readonly hashes: BigUint64Array;
  /** Per-page zero flags of all loads (backed by a SharedArrayBuffer). */
  readonly zero: Uint8Array;
}

/**
 * Hashes a {@link PageShare} elsewhere; resolves when its pages are written. A rejection makes the
 * caller hash those pages itself.
 */
export type PageHelper = (share: PageShare) => Promise<void>;

/** Options of {@link digestPositional}. */
export interface PositionalOptions {
  /** The file's data extents (SEEK_DATA/SEEK_HOLE, FIEMAP), or undefined to read everything. */
  readonly extents?: DataExtents;
  /**
   * Hashes the second half of the data bytes on another core while this thread hashes the first;
   * the digest is the same either way (each page is hashed on its own).
   */
  readonly helper?: PageHelper;
}

/**
 * Digests a core by position. `extents`, when given, lists where the file holds data; pages wholly
 * outside them are holes.
 *
 * @param src the core, readable by position
 * @param hasher the page-hash kernel
 * @param meta how the digest was made
 * @param options the file's data extents (or the extents alone, as before) and a helper thread
 */
export async function digestPositional(
  src: PositionalSource,
  hasher: PageHasher,
  meta: DigestMeta = { spilled: false },
  options?: DataExtents | PositionalOptions,
): Promise<CoreDigest> {
  const { extents, helper }: PositionalOptions = options && "starts" in options
    ? { extents: options }
    : (options ?? {});
  const rec = recording(src);
  const core = await parseCore(rec.src);
  // Modules and build-ids from the first page of each PT_LOAD, taken from the hasher's memory as
  // it is hashed (no second read per PT_LOAD).
  const modules = new ModuleScanner();
  const firstPages: FirstPages = (k, memory, at, length) => {
    const load = core.loads[k]!;
    const saved = load.available < BigInt(PAGE_SIZE) ? Number(load.available) : PAGE_SIZE;
    const n = Math.min(length, saved);
    if (
      n < 4 || memory[at] !== 0x7f || memory[at + 1] !== 0x45 || memory[at + 2] !== 0x4c ||
      memory[at + 3] !== 0x46
    ) return; // not "\x7fELF"
    modules.feed(load, 0, memory.subarray(at, at + n));
  };
  const { segments, unseen } = helper
    ? await hashShared(src, hasher, core.loads, extents, helper, firstPages)
    : { segments: hashLoads(src, hasher, core.loads, extents, { firstPages }), unseen: [] };
  // First pages the helper hashed, and those of segments cut short inside their first page (no
  // page hashed): read alone.
  for (const k of unseen) {
    const page = await readFirstPage(src, core.loads[k]!);
    firstPages(k, page, 0, page.length);
  }
  for (const l of core.loads) {
    if (!l.truncated || l.available === 0n || l.available >= BigInt(PAGE_SIZE)) continue;
    modules.feed(l, 0, await src.read(Number(l.offset), Number(l.available)));
  }
  const skeleton = mergeRanges(rec.ranges);
  return {
    formatVersion: DIGEST_FORMAT_VERSION,
    kernelSha256: hasher.kernelSha256,
    pageSize: PAGE_SIZE,
    size: src.size,
    fileHash: coreIdentity(hasher, src.size, skeleton, segments),
    // Parsed again from the merged skeleton, whose bytes its tables then view (merging copied the
    // bytes the first parse kept: 70,000 program headers would be kept twice).
    core: await parseCore(sparseSource(skeleton, src.size)),
    segments,
    skeleton,
    meta,
    modules: modules.modules(core),
  };
}

/** The saved bytes of a load's first page, read by position (a copy). */
async function readFirstPage(src: PositionalSource, load: LoadShape): Promise<Uint8Array> {
  const n = load.available < BigInt(PAGE_SIZE) ? Number(load.available) : PAGE_SIZE;
  return (await src.read(Number(load.offset), n)).slice();
}

/** The file offset before which half of the data bytes lie. */
function middleOfData(extents: DataExtents | undefined, size: number): number {
  if (!extents) return Math.floor(size / 2 / PAGE_SIZE) * PAGE_SIZE;
  let total = 0;
  for (let i = 0; i < extents.starts.length; i++) total += extents.ends[i]! - extents.starts[i]!;
  let seen = 0;
  for (let i = 0; i < extents.starts.length; i++) {
    const length = extents.ends[i]! - extents.starts[i]!;
    if (seen + length >= total / 2) {
      return extents.starts[i]! + Math.floor((total / 2 - seen) / PAGE_SIZE) * PAGE_SIZE;
    }
    seen += length;
  }
  return size;
}

/**
 * {@link hashLoads} with the pages past the middle of the data hashed by `helper` at the same time,
 * into shared arrays; if the helper fails, this thread hashes them after its own. `unseen` lists
 * the loads whose first page the helper hashed (for `firstPages`, which sees this thread's only).
 */
async function hashShared(
  src: PositionalSource,
  hasher: PageHasher,
  loads: readonly LoadShape[],
  extents: DataExtents | undefined,
  helper: PageHelper,
  firstPages: FirstPages,
): Promise<{ segments: SegmentDigest[]; unseen: number[] }> {
  const { total } = pageCountsOf(loads);
  const out = {
    hashes: new BigUint64Array(new SharedArrayBuffer(total * 8)),
    zero: new Uint8Array(new SharedArrayBuffer(total)),
  };
  const from = middleOfData(extents, src.size);
  const shape = loads.map(({ index, offset, available, truncated }) => ({
    index,
    offset,
    available,
    truncated,
  }));
  // Started first, so the helper reads and hashes while this thread does.
  const helped = helper({ loads: shape, extents, from, ...out }).then(() => true, () => false);
  const segments = hashLoads(src, hasher, loads, extents, { out, to: from, firstPages });
  if (!(await helped)) {
    hashLoads(src, hasher, loads, extents, { out, from, holes: false, firstPages });
    return { segments, unseen: [] };
  }
  // The first pages the helper hashed (data at or past `from`), in file order.
  const unseen = loads.map((_, k) => k).filter((k) => {
    const s = segments[k]!;
    return s.hashes.length > 0 && Number(loads[k]!.offset) >= from && s.holes?.[0] !== 0;
  }).sort((a, b) => Number(loads[a]!.offset) - Number(loads[b]!.offset));
  return { segments, unseen };
}
