/**
 * `digestPositional`: the digest of a core that can be read by position (a local file, a spill):
 * the parser reads header, tables and notes where they are; then every `PT_LOAD`'s saved pages are
 * read, in file order, straight into the hasher's memory and hashed once. With the file's data
 * extents (SEEK_DATA/SEEK_HOLE), pages that lie wholly in a hole are neither read nor hashed: they
 * get the zero page's hash and are listed in the segment's `holes`.
 *
 * Cost: one read of each saved data byte, one hash of it, and per segment three typed arrays.
 *
 * @module
 */

import type { ByteSource, DataExtents, PositionalSource } from "../bytes/source.ts";
import { ModuleScanner } from "./modules.ts";
import { type CoreFile, parseCore } from "../elf/core.ts";
import { CoreFormatError } from "../errors.ts";
import { coreIdentity, mergeRanges } from "./identity.ts";
import { type CoreDigest, DIGEST_FORMAT_VERSION, type DigestMeta } from "./model.ts";
import type { SegmentDigest } from "./model.ts";
import { PAGE_SIZE, type PageHasher } from "./page_hasher.ts";
import type { StoredRange } from "./sparse.ts";
import type { Segment } from "../elf/program_header.ts";

/** Records the ranges a parser reads (copies), so they can be kept as the digest's skeleton. */
export function recording(src: ByteSource): { src: ByteSource; ranges: StoredRange[] } {
  const ranges: StoredRange[] = [];
  return {
    ranges,
    src: {
      size: src.size,
      async read(offset: number, length: number): Promise<Uint8Array> {
        const bytes = await src.read(offset, length);
        ranges.push({ offset, bytes: bytes.slice() });
        return bytes;
      },
    },
  };
}

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
const NO_HOLES: number[] = [];

/** Per-segment results being filled, in program header order. */
interface Out {
  readonly index: number;
  readonly hashes: BigUint64Array;
  readonly zero: Uint8Array;
  holes: number[];
}

/** Fills the hasher's batch with whole runs of pages and routes results back by (segment, page). */
class Batch {
  fill = 0;
  readonly ownerSeg: Int32Array;
  readonly ownerPage: Uint32Array;
  /** Fed the first page of each segment that begins with an ELF magic (modules, build-ids). */
  constructor(
    readonly hasher: PageHasher,
    readonly outs: Out[],
    readonly loads: readonly Segment[],
    readonly modules: ModuleScanner,
  ) {
    this.ownerSeg = new Int32Array(hasher.capacity);
    this.ownerPage = new Uint32Array(hasher.capacity);
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
    const { hasher, ownerSeg, ownerPage, outs } = this;
    hasher.hash(this.fill, lastLength);
    const { hashes, zero } = hasher;
    // Copy runs of slots that are consecutive pages of one segment as blocks (no BigInt per page).
    for (let i = 0; i < this.fill;) {
      const seg = ownerSeg[i]!, page = ownerPage[i]!;
      let j = i + 1;
      while (j < this.fill && ownerSeg[j] === seg && ownerPage[j] === page + (j - i)) j++;
      const o = outs[seg]!;
      if (page === 0) this.#scan(seg, i, i === this.fill - 1 ? lastLength : PAGE_SIZE);
      o.hashes.set(hashes.subarray(i, j), page);
      o.zero.set(zero.subarray(i, j), page);
      i = j;
    }
    this.fill = 0;
  }

  /** Hands a segment's first page (in batch slot `slot`, `length` bytes) to the module scanner. */
  #scan(seg: number, slot: number, length: number): void {
    const input = this.hasher.input;
    const at = slot * PAGE_SIZE;
    const load = this.loads[seg]!;
    const saved = load.available < BigInt(PAGE_SIZE) ? Number(load.available) : PAGE_SIZE;
    if (
      Math.min(length, saved) < 4 || input[at] !== 0x7f || input[at + 1] !== 0x45 ||
      input[at + 2] !== 0x4c || input[at + 3] !== 0x46
    ) return; // not "\x7fELF"
    this.modules.feed(load, 0, input.subarray(at, at + Math.min(length, saved)));
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

/**
 * Digests a core by position. `extents`, when given, lists where the file holds data; pages wholly
 * outside them are holes.
 *
 * @param src the core, readable by position
 * @param hasher the page-hash kernel
 * @param meta how the digest was made
 * @param extents the file's data extents (SEEK_DATA/SEEK_HOLE), or undefined to read everything
 */
export async function digestPositional(
  src: PositionalSource,
  hasher: PageHasher,
  meta: DigestMeta = { spilled: false },
  extents?: DataExtents,
): Promise<CoreDigest> {
  const rec = recording(src);
  const core = await parseCore(rec.src);
  const modules = new ModuleScanner();
  const segments = hashLoads(src, hasher, core, extents, modules);
  // A segment cut short inside its first page has no page hashed: its header bytes read alone.
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
    core,
    segments,
    skeleton,
    meta,
    modules: modules.modules(core),
  };
}

function hashLoads(
  src: PositionalSource,
  hasher: PageHasher,
  core: CoreFile,
  extents: DataExtents | undefined,
  modules: ModuleScanner,
): SegmentDigest[] {
  const zeroHash = extents ? zeroPageHash(hasher) : 0n;
  // One array of hashes and one of zero flags for all pages; each segment gets a view (a typed
  // array of its own per segment costs more than hashing its page).
  const counts = new Float64Array(core.loads.length);
  let total = 0;
  core.loads.forEach((s, i) => {
    const available = Number(s.available);
    counts[i] = Math.floor(available / PAGE_SIZE) +
      (available % PAGE_SIZE !== 0 && !s.truncated ? 1 : 0);
    total += counts[i]!;
  });
  const allHashes = new BigUint64Array(total);
  const allZero = new Uint8Array(total);
  let first = 0;
  const outs: Out[] = core.loads.map((s, i) => {
    const n = counts[i]!;
    const out = {
      index: s.index,
      hashes: allHashes.subarray(first, first + n),
      zero: allZero.subarray(first, first + n),
      holes: NO_HOLES,
    };
    first += n;
    return out;
  });
  // File order: each byte range read once, forward.
  const offsets = Float64Array.from(core.loads, (s) => Number(s.offset));
  const order = Uint32Array.from(core.loads, (_, i) => i).sort((a, b) => offsets[a]! - offsets[b]!);
  const batch = new Batch(hasher, outs, core.loads, modules);
  const cap = hasher.capacity;
  for (const k of order) {
    const s = core.loads[k]!;
    const o = outs[k]!;
    const n = o.hashes.length;
    const base = Number(s.offset);
    const end = base + Number(s.available);
    let x = extents ? firstExtentAfter(extents, base) : 0;
    let p = 0;
    while (p < n) {
      // Extend a run of pages that are all data, or all hole.
      const isData = (q: number): boolean => {
        if (!extents) return true;
        const a = base + q * PAGE_SIZE;
        while (x < extents.starts.length && extents.ends[x]! <= a) x++;
        return x < extents.starts.length && extents.starts[x]! < Math.min(end, a + PAGE_SIZE);
      };
      const data = isData(p);
      let q = p + 1;
      if (!extents) q = n;
      else {
        // Jump over whole extents (data) or the gap before the next one (hole), not page by page.
        while (q < n && isData(q) === data) {
          const next = x < extents.starts.length
            ? Math.floor(
              ((data ? Math.min(extents.ends[x]!, end) - 1 : extents.starts[x]!) - base) /
                PAGE_SIZE,
            ) + (data ? 1 : 0)
            : n;
          q = Math.max(q + 1, Math.min(n, next));
        }
      }
      if (!data) {
        o.zero.fill(1, p, q);
        o.hashes.fill(zeroHash, p, q);
        if (o.holes === NO_HOLES) o.holes = [];
        o.holes.push(p, q - p);
        p = q;
        continue;
      }
      while (p < q) {
        const take = Math.min(cap - batch.fill, q - p);
        const from = base + p * PAGE_SIZE;
        const length = Math.min(take * PAGE_SIZE, end - from);
        batch.want(src, from, length);
        for (let i = 0; i < take; i++) {
          batch.ownerSeg[batch.fill + i] = k;
          batch.ownerPage[batch.fill + i] = p + i;
        }
        batch.fill += take;
        p += take;
        const partial = length % PAGE_SIZE;
        if (partial !== 0) batch.flush(partial, src);
        else if (batch.fill === cap) batch.flush(PAGE_SIZE, src);
      }
    }
  }
  batch.flush(PAGE_SIZE, src);
  return outs.map((o) =>
    o.holes.length
      ? { index: o.index, hashes: o.hashes, zero: o.zero, holes: Uint32Array.from(o.holes) }
      : { index: o.index, hashes: o.hashes, zero: o.zero }
  );
}
