/**
 * `digestPositional`: the digest of a core that can be read by position (a local file, a spill):
 * the parser reads header, tables and notes where they are; then the page loop (`page_loop.ts`)
 * reads every `PT_LOAD`'s saved pages in file order straight into the hasher's memory and hashes
 * them once, skipping the holes of the file's data extents (FIEMAP, SEEK_DATA/SEEK_HOLE), which get
 * the zero page's hash and are listed in the segment's `holes`. With a helper (another thread), the
 * data of one or more cores is cut into windows that both threads claim in turn (`page_share.ts`).
 *
 * Cost: one read of each saved data byte, one hash of it, and per segment a slice of the core's
 * page columns.
 *
 * @module
 */

import type { ByteSource, DataExtents, PositionalSource } from "../bytes/source.ts";
import { ModuleScanner } from "./modules.ts";
import { type CoreFile, parseCore } from "../elf/core.ts";
import { coreIdentity, mergeRanges } from "./identity.ts";
import { type CoreDigest, DIGEST_FORMAT_VERSION, type DigestMeta } from "./model.ts";
import type { SegmentDigest } from "./model.ts";
import { PAGE_SIZE, type PageHasher } from "./page_hasher.ts";
import { sparseSource, type StoredRange } from "./sparse.ts";
import { hashLoads, sliceSegments } from "./page_loop.ts";
import { LoadPlan, type LoadShape } from "./load_plan.ts";
import {
  allHashed,
  type CoreFirstPages,
  hashClaimed,
  hashUnfinished,
  type PageHelper,
  planWork,
} from "./page_share.ts";
import type { Segment } from "../elf/program_header.ts";

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

/** Options of {@link digestPositional}. */
export interface PositionalOptions {
  /** The file's data extents (SEEK_DATA/SEEK_HOLE, FIEMAP), or undefined to read everything. */
  readonly extents?: DataExtents;
  /**
   * Hashes windows of the data on another core while this thread hashes others; the digest is the
   * same either way (each page is hashed on its own).
   */
  readonly helper?: PageHelper;
}

/** One core of {@link digestPositionalAll}. */
export interface PositionalCore {
  /** The core, readable by position. */
  readonly src: PositionalSource;
  /** How the digest is made. */
  readonly meta?: DigestMeta;
  /** The file's data extents, or undefined to read everything. */
  readonly extents?: DataExtents;
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
  const [digest] = await digestPositionalAll(
    [{ src, meta, ...(extents ? { extents } : {}) }],
    hasher,
    helper,
  );
  return digest!;
}

/**
 * Digests several cores by position, each as {@link digestPositional} would; with a `helper`, their
 * data pages are cut into windows that this thread and the helper claim in turn (`page_share.ts`),
 * so two threads stay busy to the end however the bytes are spread over the cores.
 */
export async function digestPositionalAll(
  cores: readonly PositionalCore[],
  hasher: PageHasher,
  helper?: PageHelper,
): Promise<CoreDigest[]> {
  const parsed: { rec: ReturnType<typeof recording>; core: CoreFile }[] = [];
  for (const { src } of cores) {
    const rec = recording(src);
    parsed.push({ rec, core: await parseCore(rec.src) });
  }
  const sources = cores.map((c) => c.src);
  // Modules and build-ids from the first page of each PT_LOAD, taken from the hasher's memory as it
  // is hashed (no second read per PT_LOAD); ELF first pages are kept until all are hashed, then
  // fed in file order.
  const firsts = parsed.map(({ core }) => ({
    seen: new Uint8Array(core.loads.length),
    elf: new Map<number, Uint8Array>(),
  }));
  const firstPages: CoreFirstPages = (i, k, memory, at, length) => {
    const load = parsed[i]!.core.loads[k]!;
    const saved = load.available < BigInt(PAGE_SIZE) ? Number(load.available) : PAGE_SIZE;
    const n = Math.min(length, saved);
    firsts[i]!.seen[k] = 1;
    if (
      n >= 4 && memory[at] === 0x7f && memory[at + 1] === 0x45 && memory[at + 2] === 0x4c &&
      memory[at + 3] === 0x46
    ) firsts[i]!.elf.set(k, memory.slice(at, at + n)); // "\x7fELF"
  };
  const segments = helper
    ? await hashShared(sources, hasher, parsed.map((p) => p.core.loads), cores, helper, firstPages)
    : cores.map((c, i) =>
      hashLoads(
        c.src,
        hasher,
        parsed[i]!.core.loads,
        c.extents ?? c.src.dataExtents?.(0, c.src.size),
        {
          firstPages: (k, memory, at, length) => firstPages(i, k, memory, at, length),
        },
      )
    );
  const out: CoreDigest[] = [];
  for (const [i, { src, meta = { spilled: false } }] of cores.entries()) {
    const { core, rec } = parsed[i]!;
    const modules = await scanModules(src, core.loads, segments[i]!, firsts[i]!);
    const skeleton = mergeRanges(rec.ranges);
    out.push({
      formatVersion: DIGEST_FORMAT_VERSION,
      kernelSha256: hasher.kernelSha256,
      pageSize: PAGE_SIZE,
      size: src.size,
      fileHash: coreIdentity(hasher, src.size, skeleton, segments[i]!),
      // Parsed again from the merged skeleton, whose bytes its tables then view (merging copied
      // the bytes the first parse kept: 70,000 program headers would be kept twice).
      core: await parseCore(sparseSource(skeleton, src.size)),
      segments: segments[i]!,
      skeleton,
      meta,
      modules: modules.modules(core),
    });
  }
  return out;
}

/**
 * Feeds a core's first pages to a module scanner in file order: those seen while hashing, read
 * alone those that were not (hashed by a helper, or a segment cut short inside its first page).
 */
async function scanModules(
  src: PositionalSource,
  loads: readonly Segment[],
  segments: readonly SegmentDigest[],
  firsts: { readonly seen: Uint8Array; readonly elf: ReadonlyMap<number, Uint8Array> },
): Promise<ModuleScanner> {
  const modules = new ModuleScanner();
  const order = loads.map((_, k) => k).sort((a, b) =>
    Number(loads[a]!.offset) - Number(loads[b]!.offset)
  );
  for (const k of order) {
    const load = loads[k]!;
    let page = firsts.elf.get(k);
    if (!firsts.seen[k] && segments[k]!.hashes.length > 0 && segments[k]!.holes?.[0] !== 0) {
      page = await readFirstPage(src, load);
    }
    if (page) modules.feed(load, 0, page);
  }
  for (const l of loads) {
    if (!l.truncated || l.available === 0n || l.available >= BigInt(PAGE_SIZE)) continue;
    modules.feed(l, 0, await src.read(Number(l.offset), Number(l.available)));
  }
  return modules;
}

/** The saved bytes of a load's first page, read by position (a copy). */
async function readFirstPage(src: PositionalSource, load: LoadShape): Promise<Uint8Array> {
  const n = load.available < BigInt(PAGE_SIZE) ? Number(load.available) : PAGE_SIZE;
  return (await src.read(Number(load.offset), n)).slice();
}

/**
 * The cores' pages hashed by this thread and `helper` at once: windows of data claimed in turn into
 * shared arrays (each window's holes found by whoever hashes it); if the helper fails, this thread
 * hashes the windows it left unfinished. Then each core's segments, with their hole runs.
 */
async function hashShared(
  sources: readonly PositionalSource[],
  hasher: PageHasher,
  loads: readonly (readonly LoadShape[])[],
  cores: readonly PositionalCore[],
  helper: PageHelper,
  firstPages: CoreFirstPages,
): Promise<SegmentDigest[][]> {
  const plans = loads.map((l) => new LoadPlan(l));
  const shared = plans.map((plan, i) => ({
    loads: loads[i]!.map(({ index, offset, available, truncated }) => ({
      index,
      offset,
      available,
      truncated,
    })),
    extents: cores[i]!.extents,
    size: sources[i]!.size,
    hashes: new BigUint64Array(new SharedArrayBuffer(plan.total * 8)),
    zero: new Uint8Array(new SharedArrayBuffer(plan.total)),
  }));
  const work = planWork(shared);
  // Started first, so the helper claims windows as soon as it is up.
  const helped = helper(work).catch(() => {});
  hashClaimed(sources, hasher, work, { plans, firstPages });
  // A helper still loading when every window is done is not waited for; one that failed left
  // windows claimed and unfinished, which this thread hashes once it has stopped.
  if (!allHashed(work)) {
    await helped;
    hashUnfinished(sources, hasher, work, { plans, firstPages });
  }
  return plans.map((plan, i) => sliceSegments(plan, shared[i]!));
}
