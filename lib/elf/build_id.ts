/**
 * Reading an ELF object's identity from its first page as mapped in memory: the ELF header, the
 * program headers, the `PT_LOAD` extent and the `NT_GNU_BUILD_ID` note (owner `GNU`, type 3).
 *
 * The kernel's `elf-headers` filter bit (`MMF_DUMP_ELF_HEADERS`, spec §1.4) saves exactly this page
 * for every file mapping that starts with `\x7fELF`, so that debuggers can tell which build of each
 * file the process had (what `eu-unstrip -n --core` prints). The same parser reads files on disk.
 *
 * Every read is bounds-checked against the bytes given: a note or table beyond them is reported
 * as not present, never read past.
 *
 * @module
 */

import type { ByteSource } from "../bytes/source.ts";

/** `NT_GNU_BUILD_ID` under the `GNU` owner. */
export const NT_GNU_BUILD_ID = 3;

/** What an ELF image's first bytes say about it. */
export interface ElfImage {
  /** `e_type` (2 executable, 3 shared object or PIE). */
  readonly type: number;
  /** Lowest `PT_LOAD` `p_vaddr`, rounded down to the page (`0` for most shared objects). */
  readonly firstVaddr: bigint;
  /** Highest `p_vaddr + p_memsz` over the `PT_LOAD`s (not rounded). */
  readonly endVaddr: bigint;
  /** The build-id as lower-case hex, when a `GNU` build-id note lies within the bytes given. */
  readonly buildId?: string;
  /** True when a `PT_NOTE` exists but some of it lies beyond the bytes given. */
  readonly notesBeyond: boolean;
  /** True when the program header table lies beyond the bytes given. */
  readonly headersBeyond: boolean;
}

const PAGE_MASK = ~0xfffn;

/** True when `bytes` starts with the ELF magic `\x7fELF`. */
export function isElfMagic(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c &&
    bytes[3] === 0x46;
}

function hexOf(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += b.toString(16).padStart(2, "0");
  return s;
}

/**
 * Parses the ELF header and program headers in `bytes` (an image's first bytes, as loaded: file
 * offsets below the first segment's size equal addresses relative to the load address).
 *
 * @param bytes the first bytes of the mapping (usually one page)
 * @returns the image facts, or undefined when `bytes` is not an ELF header of a known class
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(parseElfImage(new Uint8Array(16)), undefined);
 * ```
 */
export function parseElfImage(bytes: Uint8Array): ElfImage | undefined {
  if (bytes.length < 52 || !isElfMagic(bytes)) return undefined;
  const cls = bytes[4], data = bytes[5];
  if ((cls !== 1 && cls !== 2) || (data !== 1 && data !== 2)) return undefined;
  const is64 = cls === 2, le = data === 1;
  if (is64 && bytes.length < 64) return undefined;
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (at: number) => v.getUint16(at, le);
  const u32 = (at: number) => v.getUint32(at, le);
  const word = (at: number) => (is64 ? v.getBigUint64(at, le) : BigInt(v.getUint32(at, le)));
  const type = u16(16);
  const phoff = Number(word(is64 ? 32 : 28));
  const phentsize = u16(is64 ? 54 : 42);
  const phnum = u16(is64 ? 56 : 44);
  const need = is64 ? 56 : 32;
  const tableEnd = phoff + phnum * phentsize;
  if (phentsize < need || phnum === 0 || tableEnd > bytes.length) {
    return {
      type,
      firstVaddr: 0n,
      endVaddr: 0n,
      notesBeyond: false,
      headersBeyond: phnum > 0 && tableEnd > bytes.length,
    };
  }
  let first: bigint | undefined;
  let end = 0n;
  const notes: { vaddr: bigint; size: number; align: bigint }[] = [];
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * phentsize;
    const pType = u32(at);
    const vaddr = word(at + (is64 ? 16 : 8));
    const filesz = word(at + (is64 ? 32 : 16));
    const memsz = word(at + (is64 ? 40 : 20));
    const align = word(at + (is64 ? 48 : 28));
    if (pType === 1) {
      if (first === undefined) first = vaddr & PAGE_MASK;
      if (vaddr + memsz > end) end = vaddr + memsz;
    } else if (pType === 4 && filesz > 0n) {
      notes.push({ vaddr, size: Number(filesz), align });
    }
  }
  const base = first ?? 0n;
  let buildId: string | undefined;
  let notesBeyond = false;
  for (const n of notes) {
    const rel = n.vaddr - base;
    if (rel < 0n || rel + BigInt(n.size) > BigInt(bytes.length)) {
      notesBeyond = true;
      continue;
    }
    buildId ??= findBuildId(bytes.subarray(Number(rel), Number(rel) + n.size), le, n.align);
  }
  return {
    type,
    firstVaddr: base,
    endVaddr: end,
    ...(buildId ? { buildId } : {}),
    notesBeyond: buildId ? false : notesBeyond,
    headersBeyond: false,
  };
}

/**
 * Finds the `GNU` `NT_GNU_BUILD_ID` note in the bytes of one `PT_NOTE` segment.
 *
 * @param bytes the segment's bytes
 * @param le little-endian
 * @param align the segment's `p_align` (8 means 8-byte padding, anything else 4)
 * @returns the build-id as lower-case hex, or undefined
 */
export function findBuildId(bytes: Uint8Array, le: boolean, align = 4n): string | undefined {
  const a = align === 8n ? 8 : 4;
  const pad = (n: number, to: number) => Math.ceil(n / to) * to;
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  while (at + 12 <= bytes.length) {
    const namesz = v.getUint32(at, le);
    const descsz = v.getUint32(at + 4, le);
    const type = v.getUint32(at + 8, le);
    const nameAt = at + 12;
    const descAt = pad(nameAt + namesz, a);
    const descEnd = descAt + descsz;
    if (descEnd > bytes.length) return undefined;
    if (
      type === NT_GNU_BUILD_ID && namesz === 4 && bytes[nameAt] === 0x47 &&
      bytes[nameAt + 1] === 0x4e && bytes[nameAt + 2] === 0x55 && bytes[nameAt + 3] === 0 &&
      descsz > 0
    ) {
      return hexOf(bytes.subarray(descAt, descEnd));
    }
    at = pad(descEnd, a);
  }
  return undefined;
}

/** Most section headers or notes bytes read from a file looking for its build-id. */
const MAX_FILE_TABLE = 4 * 1024 * 1024;

/**
 * Reads the build-id of an ELF file (an executable, a library or a separate `.debug` file): from
 * its `SHT_NOTE` sections when it has section headers (debug files keep the note there), else from
 * its `PT_NOTE` segments by file offset. Reads only headers and notes.
 *
 * @param src random access to the file
 * @returns the build-id as lower-case hex, undefined when the file has none, or `null` when the
 *   file is not ELF
 */
export async function readFileBuildId(src: ByteSource): Promise<string | undefined | null> {
  const head = await src.read(0, 64);
  if (head.length < 52 || !isElfMagic(head)) return null;
  const cls = head[4], data = head[5];
  if ((cls !== 1 && cls !== 2) || (data !== 1 && data !== 2)) return null;
  const is64 = cls === 2, le = data === 1;
  if (is64 && head.length < 64) return null;
  const v = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const word = (dv: DataView, at: number) =>
    is64 ? Number(dv.getBigUint64(at, le)) : dv.getUint32(at, le);
  const tables: { off: number; size: number; align: bigint }[] = [];
  // Section headers: SHT_NOTE (7).
  const shoff = word(v, is64 ? 40 : 32);
  const shentsize = v.getUint16(is64 ? 58 : 46, le);
  const shnum = v.getUint16(is64 ? 60 : 48, le);
  if (shoff > 0 && shnum > 0 && shentsize >= (is64 ? 64 : 40)) {
    const size = Math.min(shnum * shentsize, MAX_FILE_TABLE);
    const t = await src.read(shoff, size);
    const dv = new DataView(t.buffer, t.byteOffset, t.byteLength);
    for (let at = 0; at + shentsize <= t.length; at += shentsize) {
      if (dv.getUint32(at + 4, le) !== 7) continue;
      tables.push({
        off: word(dv, at + (is64 ? 24 : 16)),
        size: word(dv, at + (is64 ? 32 : 20)),
        align: BigInt(word(dv, at + (is64 ? 48 : 32))),
      });
    }
  }
  // Program headers: PT_NOTE (4).
  const phoff = word(v, is64 ? 32 : 28);
  const phentsize = v.getUint16(is64 ? 54 : 42, le);
  const phnum = v.getUint16(is64 ? 56 : 44, le);
  if (phoff > 0 && phnum > 0 && phentsize >= (is64 ? 56 : 32)) {
    const t = await src.read(phoff, Math.min(phnum * phentsize, MAX_FILE_TABLE));
    const dv = new DataView(t.buffer, t.byteOffset, t.byteLength);
    for (let at = 0; at + phentsize <= t.length; at += phentsize) {
      if (dv.getUint32(at, le) !== 4) continue;
      tables.push({
        off: word(dv, at + (is64 ? 8 : 4)),
        size: word(dv, at + (is64 ? 32 : 16)),
        align: BigInt(word(dv, at + (is64 ? 48 : 28))),
      });
    }
  }
  for (const t of tables) {
    if (t.size <= 0 || t.size > MAX_FILE_TABLE || t.off + t.size > src.size) continue;
    const id = findBuildId(await src.read(t.off, t.size), le, t.align);
    if (id) return id;
  }
  return undefined;
}
