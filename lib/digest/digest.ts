/**
 * `digestStream`: one pass over a core's bytes, in constant memory, producing a {@link CoreDigest}.
 *
 * Layouts (spec §1.7, §2.6): the kernel writes header, program headers and notes first, then
 * page-aligned data; gcore writes data right after the program headers and the notes, string table
 * and section headers after all data. Both are handled in one pass: bytes inside a `PT_LOAD`'s file
 * range go straight to the page hasher, everything else is kept in a bounded sparse store from which
 * `parseCore` reads header, tables and notes at the end.
 *
 * Extended numbering (`e_phnum == PN_XNUM`: the real count is in section header 0, at the end of
 * the file) still streams: the table ends where the first segment's data starts, and the count is
 * checked against section header 0 at the end (a mismatch is an error naming `sh_info`).
 *
 * Spilling: only when `PT_LOAD` file ranges overlap, or when the program header table is far from
 * the start, the stream is copied to a {@link Spill} (a file unlinked at creation) and digested by
 * position (`positional.ts`); the digest says so. Each byte is hashed once: the core's identity is
 * derived from the parsed tables and the page hashes (`identity.ts`).
 *
 * @module
 */

import { concat } from "../bytes/streams.ts";
import type { Rows } from "../bytes/rows.ts";
import { CoreFormatError } from "../errors.ts";
import { MAX_PROGRAM_HEADERS, parseCore } from "../elf/core.ts";
import { needsSectionZero, parseRawHeader, type RawHeader, resolveHeader } from "../elf/header.ts";
import { parseProgramHeaders, type Segment } from "../elf/program_header.ts";
import { PN_XNUM, PT_LOAD, PT_NOTE } from "../elf/constants.ts";
import { type CoreDigest, DIGEST_FORMAT_VERSION, type DigestMeta } from "./model.ts";
import { PAGE_SIZE, type PageHasher } from "./page_hasher.ts";
import { ModuleScanner } from "./modules.ts";
import { PageSink, SegmentPages } from "./pages.ts";
import { sparseSource, SparseStore, type StoredRange } from "./sparse.ts";
import { coreIdentity, skeletonOf } from "./identity.ts";
import { digestPositional, recording } from "./positional.ts";

import type { Spill, SpillFactory } from "./spill.ts";

/** Options of {@link digestStream}. */
export interface DigestOptions {
  /** Where to copy the core when its layout needs random access. Without it, such cores are refused. */
  readonly spill?: SpillFactory;
  /** Most bytes of non-page data kept in memory (default 64 MiB); notes are bounded separately. */
  readonly maxMetadataBytes?: number;
  /** Program header tables must end within this many bytes of the start to stream (default 64 MiB). */
  readonly maxPrefixBytes?: number;
  /** Compression of the original input, recorded in the digest. */
  readonly compression?: string;
}

const DEFAULT_METADATA = 64 * 1024 * 1024;
const DEFAULT_PREFIX = 64 * 1024 * 1024;

/**
 * The saved bytes of the loads in file order, as columns: load `k` is `[start[k], end[k])` of the
 * file, program header `index[k]` (no object per load while the stream passes).
 */
interface LoadRanges {
  readonly start: Float64Array;
  readonly end: Float64Array;
  readonly index: Uint32Array;
  /** The program headers (a row made when a load's first page is scanned for a module). */
  readonly segments: Rows<Segment>;
}

/** What the prefix says about how to proceed. */
type Plan =
  | { kind: "stream"; loads: LoadRanges; keep: [number, number][]; guessedPhnum?: number }
  | { kind: "spill"; reason: string };

/** Most bytes of section header table and string table kept when their size is not yet known. */
const SECTION_KEEP = 64 * 1024 * 1024;

/**
 * With `e_phnum == PN_XNUM` the real count is in section header 0, which both producers write at
 * the end (spec §1.7, §2.6). Both also put the program header table right before the first
 * segment's file bytes, so the table ends where the lowest `p_offset` of an entry with file bytes
 * starts. Returns the count so found, `undefined` when the prefix is too short to tell, or -1 when
 * no entry bounds the table. The count is checked against section header 0 at the end.
 */
function guessPhnum(prefix: Uint8Array, raw: RawHeader): number | undefined {
  const v = new DataView(prefix.buffer, prefix.byteOffset, prefix.byteLength);
  const le = raw.byteOrder === "little";
  const w64 = raw.bits === 64;
  let bound = Number.MAX_SAFE_INTEGER;
  for (let k = 0;; k++) {
    const at = raw.phoff + k * raw.phentsize;
    if (at >= bound) return k;
    if (at + raw.phentsize > prefix.length) return undefined;
    const offset = w64 ? Number(v.getBigUint64(at + 8, le)) : v.getUint32(at + 4, le);
    const filesz = w64 ? Number(v.getBigUint64(at + 32, le)) : v.getUint32(at + 16, le);
    if (filesz > 0 && offset >= at + raw.phentsize) bound = Math.min(bound, offset);
    if (k > MAX_PROGRAM_HEADERS) return -1;
  }
}

function plan(prefix: Uint8Array, size: number): Plan | undefined {
  if (prefix.length < 64) return undefined;
  const raw: RawHeader = parseRawHeader(prefix, Number.MAX_SAFE_INTEGER);
  let guessedPhnum: number | undefined;
  let header;
  if (needsSectionZero(raw)) {
    const guess = raw.rawPhnum === PN_XNUM ? guessPhnum(prefix, raw) : raw.rawPhnum;
    if (guess === undefined) return undefined;
    if (guess < 0) {
      return { kind: "spill", reason: "extended numbering: no segment bounds the table" };
    }
    if (raw.rawPhnum === PN_XNUM) guessedPhnum = guess;
    header = resolveHeader(raw, { size: 0n, link: 0, info: guess });
  } else header = resolveHeader(raw, undefined);
  const tableEnd = header.phoff + header.phnum * header.phentsize;
  if (tableEnd > size) {
    return { kind: "spill", reason: "the program header table is not near the start" };
  }
  if (prefix.length < tableEnd) return undefined;
  // The prefix is the digest's own copy: its table is read in place.
  const segments = parseProgramHeaders(
    prefix.subarray(header.phoff, tableEnd),
    header,
    Number.MAX_SAFE_INTEGER,
    true,
  );
  // The loads with saved bytes, one pass over the table, then in file order.
  const starts: number[] = [], ends: number[] = [], indices: number[] = [];
  for (const seg of segments) {
    if (seg.type !== PT_LOAD) continue;
    const offset = seg.offset, filesz = seg.filesz;
    if (filesz === 0n) continue;
    starts.push(Number(offset));
    ends.push(Number(offset + filesz));
    indices.push(seg.index);
  }
  const order = Uint32Array.from(starts.keys()).sort((a, b) => starts[a]! - starts[b]! || a - b);
  const loads: LoadRanges = {
    start: Float64Array.from(order, (k) => starts[k]!),
    end: Float64Array.from(order, (k) => ends[k]!),
    index: Uint32Array.from(order, (k) => indices[k]!),
    segments,
  };
  for (let i = 1; i < order.length; i++) {
    if (loads.start[i]! < loads.end[i - 1]!) {
      return {
        kind: "spill",
        reason: `PT_LOAD ${loads.index[i]} overlaps PT_LOAD ${loads.index[i - 1]} in the file`,
      };
    }
  }
  // Bytes always kept, even inside a PT_LOAD: header, program headers, notes, section headers.
  const keep: [number, number][] = [[0, Math.max(64, tableEnd)]];
  for (const s of segments) {
    if (s.type === PT_NOTE && s.filesz > 0n) {
      keep.push([Number(s.offset), Number(s.offset + s.filesz)]);
    }
  }
  if (header.shoff > 0) {
    // With extended numbering the section count is not known yet: keep a bounded tail.
    const shEnd = raw.rawShnum === 0
      ? header.shoff + SECTION_KEEP
      : header.shoff + header.shnum * header.shentsize;
    keep.push([header.shoff, shEnd]);
  }
  return guessedPhnum === undefined
    ? { kind: "stream", loads, keep }
    : { kind: "stream", loads, keep, guessedPhnum };
}

/** Bytes of prefix needed before {@link plan} can decide (header, then the whole phdr table). */
function prefixNeed(prefix: Uint8Array): number {
  const raw = parseRawHeader(prefix, Number.MAX_SAFE_INTEGER);
  if (raw.rawPhnum === PN_XNUM) return Math.max(prefix.length * 2, raw.phoff + 64 * 1024);
  return raw.phoff + raw.rawPhnum * raw.phentsize;
}

/** Incremental digest of a stream whose layout allows one pass. */
class StreamDigest {
  pos = 0;
  #next = 0;
  /** The program header of load `#next`, made when its bytes begin. */
  #seg: Segment | undefined;
  readonly sink: PageSink;
  readonly pages: SegmentPages;
  readonly store: SparseStore;
  /** Reads build-ids from the first page of each PT_LOAD as it passes. */
  readonly modules: ModuleScanner = new ModuleScanner();

  constructor(
    readonly hasher: PageHasher,
    readonly loads: LoadRanges,
    readonly keep: [number, number][],
    budget: number,
  ) {
    this.pages = new SegmentPages(loads.segments.length);
    this.sink = new PageSink(hasher, this.pages);
    this.store = new SparseStore(budget);
  }

  #kept(at: number): boolean {
    return this.keep.some(([a, b]) => at >= a && at < b);
  }

  /** Stores `bytes` at `at` that lie outside every PT_LOAD (`owned`: kept without a copy). */
  #meta(at: number, bytes: Uint8Array, owned: boolean): void {
    // Bytes the parser needs are always kept; other gaps (alignment padding, the string table) are
    // kept while the budget lasts.
    const force = this.#kept(at) || this.#kept(at + bytes.length - 1);
    this.store.add(at, bytes, force, owned);
  }

  /**
   * Takes the next bytes of the core. `owned`: nobody writes to `chunk` later (the prefix, a copy
   * already), so what is kept of it is kept without copying.
   */
  push(chunk: Uint8Array, owned = false): void {
    const { start, end, index } = this.loads;
    let at = 0;
    while (at < chunk.length) {
      const pos = this.pos + at;
      const k = this.#next;
      if (k >= start.length || pos < start[k]!) {
        const stop = k < start.length
          ? Math.min(chunk.length, at + (start[k]! - pos))
          : chunk.length;
        this.#meta(pos, chunk.subarray(at, stop), owned);
        at = stop;
        continue;
      }
      const stop = Math.min(chunk.length, at + (end[k]! - pos));
      const piece = chunk.subarray(at, stop);
      if (pos === start[k]) {
        this.sink.begin(index[k]!);
        this.#seg = this.loads.segments.at(index[k]!);
      }
      this.sink.write(piece);
      this.modules.feed(this.#seg!, pos - start[k]!, piece);
      // Notes or tables inside a PT_LOAD range (only in odd files) are kept too.
      if (this.keep.some(([a, b]) => a < pos + piece.length && b > pos)) {
        this.store.add(pos, piece, true, owned);
      }
      at = stop;
      if (pos + piece.length === end[k]) {
        this.sink.end(true);
        this.#next++;
      }
    }
    this.pos += chunk.length;
  }

  /** Ends the stream: the segments' page results. */
  finish(): SegmentPages {
    const k = this.#next;
    if (k < this.loads.start.length && this.pos > this.loads.start[k]!) this.sink.end(false);
    this.sink.finish();
    return this.pages;
  }
}

async function assemble(
  hasher: PageHasher,
  skeleton: StoredRange[],
  size: number,
  pages: SegmentPages,
  meta: DigestMeta,
  scanner: ModuleScanner,
  guessedPhnum?: number,
): Promise<CoreDigest> {
  const rec = recording(sparseSource(skeleton, size));
  const core = await parseCore(rec.src);
  if (guessedPhnum !== undefined && core.segments.length !== guessedPhnum) {
    throw new CoreFormatError(
      core.header.shoff,
      "sh_info",
      `Section header 0 gives ${core.segments.length} program headers, but the table before the ` +
        `first segment's data holds ${guessedPhnum}: this layout cannot be digested from a stream`,
    );
  }
  const segments = pages.table(core.loads);
  // Keep only what the parser read (as a positional digest does): same skeleton either way.
  const parsed = skeletonOf(rec.ranges);
  return {
    formatVersion: DIGEST_FORMAT_VERSION,
    kernelSha256: hasher.kernelSha256,
    pageSize: PAGE_SIZE,
    size,
    fileHash: coreIdentity(hasher, size, parsed, segments),
    // The parser's reads and the skeleton are views of the same stored ranges (see `skeletonOf`):
    // the tables are kept once without parsing again.
    core,
    segments,
    skeleton: parsed,
    meta,
    modules: scanner.modules(core),
  };
}

/**
 * Digests a core from a stream, reading it exactly once, in memory bounded by the metadata budget
 * plus the hasher's batch. The stream is cancelled on error.
 *
 * @param stream the core's bytes (already decompressed)
 * @param hasher the page-hash kernel
 * @param options spill factory and limits
 */
export async function digestStream(
  stream: ReadableStream<Uint8Array>,
  hasher: PageHasher,
  options: DigestOptions = {},
): Promise<CoreDigest> {
  const reader = stream.getReader();
  const prefixParts: Uint8Array[] = [];
  let prefixLength = 0;
  let spill: Spill | undefined;
  const maxPrefix = options.maxPrefixBytes ?? DEFAULT_PREFIX;
  const base: DigestMeta = options.compression
    ? { spilled: false, compression: options.compression }
    : { spilled: false };
  try {
    let p: Plan | undefined;
    let eof = false;
    // 1. Accumulate a prefix until the header and program header table can be read. Chunks are
    // joined only when enough bytes have arrived, so tiny chunks cost linear time.
    let need = 64;
    while (!p) {
      const r = await reader.read();
      if (r.done) {
        eof = true;
        break;
      }
      prefixParts.push(r.value.slice()); // the source may reuse its buffer after the next read
      prefixLength += r.value.length;
      if (prefixLength < need) continue;
      const prefix = concat(prefixParts);
      prefixParts.splice(0, prefixParts.length, prefix);
      p = plan(prefix, Number.MAX_SAFE_INTEGER);
      if (!p) {
        need = prefixNeed(prefix);
        if (need > maxPrefix) {
          p = { kind: "spill", reason: "the program header table is not near the start" };
        }
      }
    }
    const prefix = concat(prefixParts);
    if (!p) {
      // The whole input was shorter than the header and table: parse it to get the precise error.
      const src = sparseSource([{ offset: 0, bytes: prefix }], prefix.length);
      await parseCore(src);
      throw new CoreFormatError(0, "e_phoff", "Program header table runs past end of file");
    }
    if (p.kind === "spill") {
      if (!options.spill) {
        throw new CoreFormatError(
          0,
          "layout",
          `Cannot digest this core in one pass (${p.reason}) and no spill is available`,
        );
      }
      spill = await options.spill();
      await spill.write(prefix);
      while (!eof) {
        const r = await reader.read();
        if (r.done) break;
        await spill.write(r.value);
      }
      return await digestPositional(await spill.source(), hasher, {
        ...base,
        spilled: true,
        spillReason: p.reason,
      });
    }
    // 2. Stream the rest.
    const d = new StreamDigest(
      hasher,
      p.loads,
      p.keep,
      options.maxMetadataBytes ?? DEFAULT_METADATA,
    );
    d.push(prefix, true);
    while (!eof) {
      const r = await reader.read();
      if (r.done) break;
      d.push(r.value);
    }
    const pages = d.finish();
    return await assemble(hasher, d.store.ranges(), d.pos, pages, base, d.modules, p.guessedPhnum);
  } catch (e) {
    await reader.cancel().catch(() => {});
    throw e;
  } finally {
    reader.releaseLock();
    await spill?.close();
  }
}
