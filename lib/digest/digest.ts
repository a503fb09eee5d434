/**
 * `digestStream`: one pass over a core's bytes, in constant memory, producing a {@link CoreDigest}.
 *
 * Layouts (spec §1.7, §2.6): the kernel writes header, program headers and notes first, then
 * page-aligned data; gcore writes data right after the program headers and the notes, string table
 * and section headers after all data. Both are handled in one pass: bytes inside a `PT_LOAD`'s file
 * range go straight to the page hasher, everything else is kept in a bounded sparse store from which
 * `parseCore` reads header, tables and notes at the end.
 *
 * Spilling: when the information needed to find the page data arrives after the data (extended
 * numbering keeps the real program header count in section header 0, usually at the end of the
 * file), when `PT_LOAD` file ranges overlap, or when the program header table is far from the start,
 * the stream is copied to a {@link Spill} and digested by random access; the digest says so.
 *
 * @module
 */

import type { ByteSource } from "../bytes/source.ts";
import { concat } from "../bytes/streams.ts";
import { CoreFormatError } from "../errors.ts";
import { parseCore } from "../elf/core.ts";
import { needsSectionZero, parseRawHeader, type RawHeader, resolveHeader } from "../elf/header.ts";
import { parseProgramHeaders, type Segment } from "../elf/program_header.ts";
import { PT_LOAD, PT_NOTE } from "../elf/constants.ts";
import { type CoreDigest, DIGEST_FORMAT_VERSION, type DigestMeta } from "./model.ts";
import { PAGE_SIZE, type PageHasher } from "./page_hasher.ts";
import { ModuleScanner } from "./modules.ts";
import { PageSink, SegmentPages } from "./pages.ts";
import { sparseSource, SparseStore, type StoredRange } from "./sparse.ts";
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
const READ_CHUNK = 1024 * 1024;

/** A byte range of the file `[start, end)` and what it belongs to. */
interface Range {
  readonly start: number;
  readonly end: number;
  readonly seg: Segment;
  readonly pages: SegmentPages;
}

/** What the prefix says about how to proceed. */
type Plan =
  | { kind: "stream"; loads: Range[]; keep: [number, number][] }
  | { kind: "spill"; reason: string };

function plan(prefix: Uint8Array, size: number): Plan | undefined {
  if (prefix.length < 64) return undefined;
  const raw: RawHeader = parseRawHeader(prefix, Number.MAX_SAFE_INTEGER);
  if (needsSectionZero(raw)) {
    return { kind: "spill", reason: "extended numbering: the real counts are in section header 0" };
  }
  const header = resolveHeader(raw, undefined);
  const tableEnd = header.phoff + header.phnum * header.phentsize;
  if (tableEnd > size) {
    return { kind: "spill", reason: "the program header table is not near the start" };
  }
  if (prefix.length < tableEnd) return undefined;
  const segments = parseProgramHeaders(
    prefix.subarray(header.phoff, tableEnd),
    header,
    Number.MAX_SAFE_INTEGER,
  );
  const loads = segments
    .filter((s) => s.type === PT_LOAD && s.filesz > 0n)
    .map((seg) => ({
      start: Number(seg.offset),
      end: Number(seg.offset + seg.filesz),
      seg,
      pages: new SegmentPages(seg.index),
    }))
    .sort((a, b) => a.start - b.start);
  for (let i = 1; i < loads.length; i++) {
    if (loads[i]!.start < loads[i - 1]!.end) {
      return {
        kind: "spill",
        reason: `PT_LOAD ${loads[i]!.seg.index} overlaps PT_LOAD ${
          loads[i - 1]!.seg.index
        } in the file`,
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
  if (header.shoff > 0) keep.push([header.shoff, header.shoff + header.shnum * header.shentsize]);
  return { kind: "stream", loads, keep };
}

/** Bytes of prefix needed before {@link plan} can decide (header, then the whole phdr table). */
function prefixNeed(prefix: Uint8Array): number {
  const raw = parseRawHeader(prefix, Number.MAX_SAFE_INTEGER);
  return raw.phoff + raw.rawPhnum * raw.phentsize;
}

/** Incremental digest of a stream whose layout allows one pass. */
class StreamDigest {
  pos = 0;
  #next = 0;
  readonly sink: PageSink;
  readonly store: SparseStore;
  /** Reads build-ids from the first page of each PT_LOAD as it passes. */
  readonly modules = new ModuleScanner();

  constructor(
    readonly hasher: PageHasher,
    readonly loads: Range[],
    readonly keep: [number, number][],
    budget: number,
  ) {
    this.sink = new PageSink(hasher);
    this.store = new SparseStore(budget);
  }

  #kept(at: number): boolean {
    return this.keep.some(([a, b]) => at >= a && at < b);
  }

  /** Stores `bytes` at `at` that lie outside every PT_LOAD. */
  #meta(at: number, bytes: Uint8Array): void {
    // Bytes the parser needs are always kept; other gaps (alignment padding, the string table) are
    // kept while the budget lasts.
    if (this.#kept(at) || this.#kept(at + bytes.length - 1)) this.store.add(at, bytes, true);
    else this.store.add(at, bytes);
  }

  push(chunk: Uint8Array): void {
    let at = 0;
    while (at < chunk.length) {
      const pos = this.pos + at;
      const r = this.loads[this.#next];
      if (!r || pos < r.start) {
        const stop = r ? Math.min(chunk.length, at + (r.start - pos)) : chunk.length;
        this.#meta(pos, chunk.subarray(at, stop));
        at = stop;
        continue;
      }
      const stop = Math.min(chunk.length, at + (r.end - pos));
      const piece = chunk.subarray(at, stop);
      if (pos === r.start) this.sink.begin(r.pages);
      this.sink.write(piece);
      this.modules.feed(r.seg, pos - r.start, piece);
      // Notes or tables inside a PT_LOAD range (only in odd files) are kept too.
      if (this.keep.some(([a, b]) => a < pos + piece.length && b > pos)) {
        this.store.add(pos, piece, true);
      }
      at = stop;
      if (pos + piece.length === r.end) {
        this.sink.end(true);
        this.#next++;
      }
    }
    this.pos += chunk.length;
  }

  finish(): Map<number, SegmentPages> {
    if (this.#next < this.loads.length && this.pos > this.loads[this.#next]!.start) {
      this.sink.end(false);
    }
    this.sink.finish();
    return new Map(this.loads.map((r) => [r.seg.index, r.pages]));
  }
}

async function assemble(
  hasher: PageHasher,
  src: ByteSource,
  pages: Map<number, SegmentPages>,
  skeleton: StoredRange[],
  fileHash: bigint,
  meta: DigestMeta,
  scanner: ModuleScanner,
): Promise<CoreDigest> {
  const core = await parseCore(src);
  const segments = core.loads.map((s) =>
    (pages.get(s.index) ?? new SegmentPages(s.index)).result()
  );
  return {
    formatVersion: DIGEST_FORMAT_VERSION,
    kernelSha256: hasher.kernelSha256,
    pageSize: PAGE_SIZE,
    size: src.size,
    fileHash,
    core,
    segments,
    skeleton,
    meta,
    modules: scanner.modules(core),
  };
}

/** Records the ranges `parseCore` reads, so they can be stored as the digest's skeleton. */
function recording(src: ByteSource): { src: ByteSource; ranges: StoredRange[] } {
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

/**
 * Digests a core held in a random-access source (used after spilling): one sequential pass for the
 * whole-file hash, then each `PT_LOAD`'s saved bytes.
 */
export async function digestSource(
  src: ByteSource,
  hasher: PageHasher,
  meta: DigestMeta = { spilled: false },
): Promise<CoreDigest> {
  hasher.streamReset();
  for (let at = 0; at < src.size; at += READ_CHUNK) {
    hasher.streamUpdate(await src.read(at, READ_CHUNK));
  }
  const fileHash = hasher.streamDigest();
  const rec = recording(src);
  const core = await parseCore(rec.src);
  const sink = new PageSink(hasher);
  const pages = new Map<number, SegmentPages>();
  const scanner = new ModuleScanner();
  for (const s of core.loads) {
    const p = new SegmentPages(s.index);
    pages.set(s.index, p);
    const end = Number(s.offset + s.available);
    sink.begin(p);
    for (let at = Number(s.offset); at < end; at += READ_CHUNK) {
      const bytes = await src.read(at, Math.min(READ_CHUNK, end - at));
      scanner.feed(s, at - Number(s.offset), bytes);
      sink.write(bytes);
    }
    sink.end(!s.truncated);
  }
  sink.finish();
  // Merged: ELF32 reads overlap (64 header bytes, then the table at 52), and a read must not stop
  // at the end of the first range that holds its offset.
  const skeleton = mergeRanges(rec.ranges);
  return assemble(
    hasher,
    sparseSource(skeleton, src.size),
    pages,
    skeleton,
    fileHash,
    meta,
    scanner,
  );
}

function mergeRanges(ranges: StoredRange[]): StoredRange[] {
  const sorted = [...ranges].sort((a, b) => a.offset - b.offset || b.bytes.length - a.bytes.length);
  const out: StoredRange[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r.offset <= last.offset + last.bytes.length) {
      const end = Math.max(last.offset + last.bytes.length, r.offset + r.bytes.length);
      if (end > last.offset + last.bytes.length) {
        const merged = new Uint8Array(end - last.offset);
        merged.set(last.bytes);
        merged.set(r.bytes, r.offset - last.offset);
        out[out.length - 1] = { offset: last.offset, bytes: merged };
      }
    } else out.push(r);
  }
  return out;
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
    hasher.streamReset();
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
      hasher.streamUpdate(r.value);
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
      return await digestSource(await spill.source(), hasher, {
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
    d.push(prefix);
    while (!eof) {
      const r = await reader.read();
      if (r.done) break;
      hasher.streamUpdate(r.value);
      d.push(r.value);
    }
    const pages = d.finish();
    const fileHash = hasher.streamDigest();
    const skeleton = d.store.ranges();
    return await assemble(
      hasher,
      sparseSource(skeleton, d.pos),
      pages,
      skeleton,
      fileHash,
      base,
      d.modules,
    );
  } catch (e) {
    await reader.cancel().catch(() => {});
    throw e;
  } finally {
    reader.releaseLock();
    await spill?.close();
  }
}
