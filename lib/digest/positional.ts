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
import { coreIdentity, skeletonOf } from "./identity.ts";
import { type CoreDigest, DIGEST_FORMAT_VERSION, type DigestMeta } from "./model.ts";
import type { PageTable } from "./page_table.ts";
import { PAGE_SIZE, type PageHasher } from "./page_hasher.ts";
import type { StoredRange } from "./sparse.ts";
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
  const out: CoreDigest[] = [];
  if (!helper) {
    // One core after the other: one core's parse and bookkeeping at a time in memory.
    for (const c of cores) {
      const extents = c.extents ?? c.src.dataExtents?.(0, c.src.size);
      const p = await parsed(c);
      const segments = hashLoads(c.src, hasher, p.core.loads, extents, {
        firstPages: (k, memory, at, length) => p.firstPage(k, memory, at, length),
      });
      out.push(await finished(c, p, hasher, segments));
    }
    return out;
  }
  const all: Parsed[] = [];
  for (const c of cores) all.push(await parsed(c));
  const segments = await hashShared(cores, all, hasher, helper);
  for (const [i, c] of cores.entries()) out.push(await finished(c, all[i]!, hasher, segments[i]!));
  return out;
}

/** A core parsed for its digest: the reads kept for its skeleton, and its first pages as hashed. */
interface Parsed {
  readonly rec: ReturnType<typeof recording>;
  /** The parse (its tables view the recorded reads, which become the skeleton). */
  readonly core: CoreFile;
  /** Loads whose first page was seen while hashing (1). */
  readonly seen: Uint8Array;
  /** Finds modules and build-ids in the first pages, fed in file order. */
  readonly modules: ModuleScanner;
  /** Sees load `k`'s first page in the hasher's memory (a `FirstPages` callback). */
  firstPage(k: number, memory: Uint8Array, at: number, length: number): void;
}

/**
 * Parses a core from its source, recording the reads. Modules and build-ids come from the first page
 * of each PT_LOAD, taken from the hasher's memory as this thread hashes it (no second read per
 * PT_LOAD), in file order: this thread hashes a prefix of each core's windows, in order, so every
 * first page it sees comes before those it does not (read alone at the end, in file order).
 */
async function parsed({ src }: PositionalCore): Promise<Parsed> {
  const rec = recording(src);
  const core = await parseCore(rec.src);
  const seen = new Uint8Array(core.loads.length);
  const modules = new ModuleScanner();
  return {
    rec,
    core,
    seen,
    modules,
    firstPage(k, memory, at, length) {
      seen[k] = 1;
      const load = core.loads.at(k)!;
      const saved = load.available < BigInt(PAGE_SIZE) ? Number(load.available) : PAGE_SIZE;
      const n = Math.min(length, saved);
      if (
        n < 4 || memory[at] !== 0x7f || memory[at + 1] !== 0x45 || memory[at + 2] !== 0x4c ||
        memory[at + 3] !== 0x46
      ) return; // not "\x7fELF"
      modules.feed(load, 0, memory.subarray(at, at + n));
    },
  };
}

/** The digest of a parsed core whose pages are hashed. */
async function finished(
  { src, meta = { spilled: false } }: PositionalCore,
  p: Parsed,
  hasher: PageHasher,
  segments: PageTable,
): Promise<CoreDigest> {
  await scanUnseen(src, p, segments);
  const modules = p.modules.modules(p.core);
  // The parser's reads, cut and grouped but not copied: its tables stay views of them, so the
  // core is parsed once and 70,000 program headers are kept once.
  const skeleton = skeletonOf(p.rec.ranges);
  return {
    formatVersion: DIGEST_FORMAT_VERSION,
    kernelSha256: hasher.kernelSha256,
    pageSize: PAGE_SIZE,
    size: src.size,
    fileHash: coreIdentity(hasher, src.size, skeleton, segments),
    core: p.core,
    segments,
    skeleton,
    meta,
    modules,
  };
}

/**
 * Feeds the module scanner the first pages this thread did not see, read alone in file order: those
 * a helper hashed, and those of segments cut short inside their first page.
 */
async function scanUnseen(
  src: PositionalSource,
  p: Parsed,
  segments: PageTable,
): Promise<void> {
  const loads = p.core.loads;
  const unseen: number[] = [];
  const { count, holeAt, holeRuns } = segments.table, holes = segments.columns.holes;
  for (let k = 0; k < loads.length; k++) {
    // Its first page hashed, and not a hole (no slice made per segment).
    const firstPageHole = holeRuns[k]! > 0 && holes?.[2 * holeAt[k]!] === 0;
    if (!p.seen[k] && count[k]! > 0 && !firstPageHole) unseen.push(k);
  }
  const offsets = unseen.map((k) => Number(loads.at(k)!.offset));
  const order = unseen.map((_, i) => i).sort((a, b) => offsets[a]! - offsets[b]!);
  for (const i of order) {
    const load = loads.at(unseen[i]!)!;
    p.modules.feed(load, 0, await readFirstPage(src, load));
  }
  for (const l of loads) {
    if (!l.truncated || l.available === 0n || l.available >= BigInt(PAGE_SIZE)) continue;
    p.modules.feed(l, 0, await src.read(Number(l.offset), Number(l.available)));
  }
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
  cores: readonly PositionalCore[],
  parsed: readonly Parsed[],
  hasher: PageHasher,
  helper: PageHelper,
): Promise<PageTable[]> {
  const sources = cores.map((c) => c.src);
  const plans = parsed.map((p) => new LoadPlan(p.core.loads));
  const firstPages: CoreFirstPages = (i, k, memory, at, length) =>
    parsed[i]!.firstPage(k, memory, at, length);
  const shared = plans.map((plan, i) => ({
    // Plain shapes: a Worker gets a structured clone, which keeps no accessors.
    loads: Array.from(parsed[i]!.core.loads, ({ index, offset, available, truncated }) => ({
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
    // Their first pages are read alone with the helper's, to keep file order.
    hashUnfinished(sources, hasher, work, { plans });
  }
  return plans.map((plan, i) => sliceSegments(plan, shared[i]!));
}
