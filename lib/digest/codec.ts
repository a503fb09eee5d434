/**
 * The digest's compact binary form (about 8.1 bytes per page: an XXH3-64 and one zero bit), and back.
 *
 * Layout, little-endian, version 2 (version 1 had no holes and hashed the whole file):
 * ```
 * 0   "CDDG"            magic
 * 4   u16 version       {@link DIGEST_FORMAT_VERSION}
 * 6   u16 0
 * 8   u32 pageSize
 * 12  u32 0
 * 16  u64 size          of the core
 * 24  u64 fileHash      XXH3-64 of the core
 * 32  32 bytes          SHA-256 of the page-hash kernel
 * 64  u32 n + n bytes   meta as JSON (spilled, spillReason, compression; `modules`: the ELF
 *                       modules with build-ids, addresses as hex strings, absent in older digests)
 *     u32 count, then per range: u64 offset, u32 length, bytes   (the skeleton: header, tables, notes)
 *     u32 count, then per PT_LOAD: u32 index, u32 pages, pages × u64 hash, ceil(pages/8) zero bits
 *     u32 count, then per PT_LOAD with holes: u32 ordinal, u32 runs, runs × (u32 first, u32 count)
 *     u32 CRC-32 of everything before
 * ```
 * Decoding re-parses the skeleton with `parseCore`, so a digest yields the same `CoreFile` as the core.
 *
 * @module
 */

import { crc32 } from "../bytes/crc32.ts";
import { ByteReader } from "../bytes/reader.ts";
import { DigestFormatError, InputError } from "../errors.ts";
import { MAX_PROGRAM_HEADERS, parseCore } from "../elf/core.ts";
import {
  type CoreDigest,
  DIGEST_FORMAT_VERSION,
  type DigestMeta,
  pagesOf,
  pageSpan,
} from "./model.ts";
import { PageTable } from "./page_table.ts";
import { type Module, modulesFromJson, modulesToJson } from "./modules.ts";
import { skeletonRuns } from "./identity.ts";
import { sparseSource, type StoredRange } from "./sparse.ts";

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The magic bytes a serialized digest starts with. */
export const DIGEST_MAGIC: Uint8Array = new TextEncoder().encode("CDDG");

/** True when `head` starts with the digest magic. */
export function isDigest(head: Uint8Array): boolean {
  return DIGEST_MAGIC.every((b, i) => head[i] === b);
}

/** Serializes a digest. */
export function encodeDigest(d: CoreDigest): Uint8Array {
  const meta = new TextEncoder().encode(
    JSON.stringify(d.modules ? { ...d.meta, modules: modulesToJson(d.modules) } : d.meta),
  );
  // Each segment's pages and hole runs where they lie (70,000 segments made seven views each).
  const spans = Array.from(d.segments, pageSpan);
  let size = 64 + 4 + meta.length + 4 + 4 + 4 + 4;
  for (const p of spans) if (p.holeRuns) size += 8 + p.holeRuns * 8;
  // The skeleton as runs (adjacent pieces written as one range: the same bytes as merged ranges).
  const runs = skeletonRuns(d.skeleton);
  for (const r of runs) size += 12 + r.length;
  for (const p of spans) size += 8 + p.count * 8 + Math.ceil(p.count / 8);
  const out = new Uint8Array(size);
  const v = new DataView(out.buffer);
  out.set(DIGEST_MAGIC, 0);
  v.setUint16(4, DIGEST_FORMAT_VERSION, true);
  v.setUint32(8, d.pageSize, true);
  v.setBigUint64(16, BigInt(d.size), true);
  v.setBigUint64(24, d.fileHash, true);
  const sha = d.kernelSha256.match(/^[0-9a-f]{64}$/) ? d.kernelSha256 : "0".repeat(64);
  for (let i = 0; i < 32; i++) out[32 + i] = parseInt(sha.slice(2 * i, 2 * i + 2), 16);
  let at = 64;
  v.setUint32(at, meta.length, true);
  out.set(meta, at + 4);
  at += 4 + meta.length;
  v.setUint32(at, runs.length, true);
  at += 4;
  for (const r of runs) {
    v.setBigUint64(at, BigInt(r.offset), true);
    v.setUint32(at + 8, r.length, true);
    at += 12;
    for (const p of r.pieces) {
      out.set(p, at);
      at += p.length;
    }
  }
  v.setUint32(at, d.segments.length, true);
  at += 4;
  let ordinal = 0;
  for (const s of d.segments) {
    const { hashes, zero, first, count: n } = spans[ordinal++]!;
    v.setUint32(at, s.index, true);
    v.setUint32(at + 4, n, true);
    at += 8;
    if (LITTLE_ENDIAN_HOST) {
      out.set(new Uint8Array(hashes.buffer, hashes.byteOffset + 8 * first, n * 8), at);
    } else for (let i = 0; i < n; i++) v.setBigUint64(at + 8 * i, hashes[first + i]!, true);
    at += 8 * n;
    for (let i = 0; i < n; i++) if (zero[first + i]) out[at + (i >> 3)]! |= 1 << (i & 7);
    at += Math.ceil(n / 8);
  }
  // Holes (issue: Scale): pages never written, not read; listed per segment as runs.
  v.setUint32(at, spans.filter((p) => p.holeRuns).length, true);
  at += 4;
  spans.forEach(({ holes, holeAt, holeRuns }, i) => {
    if (!holeRuns) return;
    v.setUint32(at, i, true);
    v.setUint32(at + 4, holeRuns, true);
    at += 8;
    for (let k = 0; k < 2 * holeRuns; k++) v.setUint32(at + 4 * k, holes![holeAt + k]!, true);
    at += 8 * holeRuns;
  });
  v.setUint32(at, crc32(out.subarray(0, at)), true);
  return out;
}

/** A little-endian reader whose reads past the end are `DigestFormatError`s. */
const digestReader = (bytes: Uint8Array) =>
  new ByteReader(
    bytes,
    "little",
    0,
    (offset, field) => new DigestFormatError(offset, field, "Digest is truncated"),
  );

/**
 * Parses a serialized digest, checking magic, version, every length and the CRC, then re-parses the
 * stored skeleton. Throws {@link DigestFormatError} for anything wrong.
 */
export async function decodeDigest(bytes: Uint8Array): Promise<CoreDigest> {
  if (bytes.length < 68 || !isDigest(bytes)) {
    throw new DigestFormatError(0, "magic", "Not a coredelta digest");
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint16(4, true);
  if (version !== DIGEST_FORMAT_VERSION) {
    throw new DigestFormatError(
      4,
      "version",
      `Unknown digest format version ${version} (this build reads ${DIGEST_FORMAT_VERSION})`,
    );
  }
  const crcAt = bytes.length - 4;
  const stored = view.getUint32(crcAt, true);
  if (crc32(bytes.subarray(0, crcAt)) !== stored) {
    throw new DigestFormatError(crcAt, "crc32", "Digest is corrupt: checksum mismatch");
  }
  const body = digestReader(bytes.subarray(0, crcAt));
  body.seek(8, "pageSize");
  const pageSize = body.u32("pageSize");
  body.u32("reserved");
  const sizeBig = body.u64("size");
  if (sizeBig > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new DigestFormatError(16, "size", "Core size is too large");
  }
  const size = Number(sizeBig);
  const fileHash = body.u64("fileHash");
  const kernelSha256 = [...body.bytesOf(32, "kernelSha256")].map((b) =>
    b.toString(16).padStart(2, "0")
  ).join("");
  const metaLength = body.u32("meta");
  let meta: DigestMeta;
  let modules: Module[] | undefined;
  const metaAt = body.pos;
  const metaBytes = body.bytesOf(metaLength, "meta");
  try {
    const { modules: m, ...rest } = JSON.parse(new TextDecoder().decode(metaBytes));
    meta = rest;
    if (m !== undefined) modules = modulesFromJson(m);
  } catch (e) {
    const why = e instanceof SyntaxError ? "is not valid JSON" : `is invalid: ${String(e)}`;
    throw new DigestFormatError(metaAt, "meta", `Digest metadata ${why}`);
  }
  const skeleton: StoredRange[] = [];
  // Written in file order, apart: a range that starts inside the one before is not a digest's.
  let storedEnd = 0;
  for (let n = body.u32("ranges"), i = 0; i < n; i++) {
    const offsetAt = body.pos;
    const offset = Number(body.u64("range.offset"));
    if (offset < storedEnd) {
      throw new DigestFormatError(
        offsetAt,
        "range.offset",
        `Digest skeleton range ${i} starts at byte ${offset}, inside or before the range before it`,
      );
    }
    const length = body.u32("range.length");
    skeleton.push({ offset, bytes: body.bytesOf(length, "range.bytes").slice() });
    storedEnd = offset + length;
  }
  const segmentsCountAt = body.offset;
  const nSegments = body.u32("segments");
  // A segment per PT_LOAD: a count no core can have is refused before anything is sized by it.
  if (nSegments > MAX_PROGRAM_HEADERS) {
    throw new DigestFormatError(
      segmentsCountAt,
      "segments",
      `Digest has ${nSegments} segments, more than a core's ${MAX_PROGRAM_HEADERS} program headers`,
    );
  }
  // First pass: the page total, so all segments share one hash array and one zero array.
  const segmentsAt = body.pos;
  let total = 0;
  for (let i = 0; i < nSegments; i++) {
    body.u32("segment.index");
    const pages = body.u32("segment.pages");
    if (pages * 8 + Math.ceil(pages / 8) > body.remaining) {
      throw new DigestFormatError(body.offset, "segment.hashes", "Digest is truncated");
    }
    body.pos += pages * 8 + Math.ceil(pages / 8);
    total += pages;
  }
  body.pos = segmentsAt;
  const allHashes = new BigUint64Array(total);
  const allZero = new Uint8Array(total);
  const columns: { hashes: BigUint64Array; zero: Uint8Array; holes?: Uint32Array } = {
    hashes: allHashes,
    zero: allZero,
  };
  // The segments as columns (a page slice is made when a row is read).
  const table = {
    index: new Uint32Array(nSegments),
    first: new Float64Array(nSegments),
    count: new Float64Array(nSegments),
    holeAt: new Uint32Array(nSegments),
    holeRuns: new Uint32Array(nSegments),
  };
  let first = 0;
  for (let i = 0; i < nSegments; i++) {
    const indexAt = body.offset;
    const index = body.u32("segment.index");
    if (i > 0 && index <= table.index[i - 1]!) {
      throw new DigestFormatError(
        indexAt,
        "segment.index",
        `Digest segment ${i} is program header ${index}, not after the segment before it`,
      );
    }
    const pages = body.u32("segment.pages");
    const hashes = allHashes.subarray(first, first + pages);
    if (LITTLE_ENDIAN_HOST) {
      // One copy, no BigInt per page (a 70,000-segment digest decodes in milliseconds).
      new Uint8Array(allHashes.buffer, first * 8, pages * 8).set(
        body.bytesOf(pages * 8, "segment.hashes"),
      );
    } else for (let k = 0; k < pages; k++) hashes[k] = body.u64("segment.hashes");
    const bits = body.bytesOf(Math.ceil(pages / 8), "segment.zero");
    const zero = allZero.subarray(first, first + pages);
    for (let k = 0; k < pages; k++) zero[k] = (bits[k >> 3]! >> (k & 7)) & 1;
    table.index[i] = index;
    table.first[i] = first;
    table.count[i] = pages;
    first += pages;
  }
  // Hole runs of all segments in one column, each segment a slice of it.
  const runsAll: number[] = [];
  const holed = new Uint8Array(nSegments);
  for (let n = body.u32("holes"), i = 0; i < n; i++) {
    const ordinal = body.u32("holes.segment");
    const runs = body.u32("holes.runs");
    if (runs * 8 > body.remaining) {
      throw new DigestFormatError(body.pos, "holes.run", "Digest is truncated");
    }
    const at = runsAll.length / 2;
    for (let k = 0; k < runs * 2; k++) runsAll.push(body.u32("holes.run"));
    const known = ordinal < nSegments;
    for (let k = at * 2; k < runsAll.length; k += 2) {
      if (
        !known || holed[ordinal] || runsAll[k]! + runsAll[k + 1]! > table.count[ordinal]!
      ) {
        throw new DigestFormatError(body.pos, "holes", "Digest holes do not fit their segment");
      }
    }
    if (!known) throw new DigestFormatError(body.pos, "holes", "Digest holes name no segment");
    holed[ordinal] = 1;
    table.holeAt[ordinal] = at;
    table.holeRuns[ordinal] = runs;
  }
  columns.holes = Uint32Array.from(runsAll);
  if (body.pos !== crcAt) throw new DigestFormatError(body.pos, "end", "Digest has trailing bytes");
  let core;
  try {
    // A minimal digest (no register contents) shows registers as register-set hashes.
    core = await parseCore(sparseSource(skeleton, size));
    // Loaded only for minimal digests: it needs node:crypto, whose loading every command would pay.
    if ((meta as { minimal?: unknown }).minimal) {
      core = (await import("./minimal.ts")).applyMinimal(core, meta);
    }
  } catch (e) {
    if (e instanceof InputError) {
      throw new DigestFormatError(0, "skeleton", `Digest skeleton does not parse: ${e.message}`);
    }
    throw e;
  }
  const segments = new PageTable(columns, table);
  // Both in program header order: one walk pairs each segment with its load.
  const loads = core.loads[Symbol.iterator]();
  for (let i = 0; i < nSegments; i++) {
    const index = table.index[i]!;
    let load = loads.next().value;
    while (load && load.index < index) load = loads.next().value;
    if (!load || load.index !== index || table.count[i]! > pagesOf(load.filesz)) {
      throw new DigestFormatError(
        0,
        "segments",
        `Digest pages of program header ${index} do not match the core`,
      );
    }
  }
  return {
    formatVersion: version,
    kernelSha256,
    pageSize,
    size,
    fileHash,
    core,
    segments,
    skeleton,
    meta,
    ...(modules ? { modules } : {}),
  };
}
