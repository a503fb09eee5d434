/**
 * Program headers (`Elf32_Phdr` / `Elf64_Phdr`) of a core file, with what each `PT_LOAD` saved.
 *
 * In a core, `p_filesz` bytes of a segment are saved in the file; the tail `p_memsz - p_filesz` was
 * not saved (the filter or the ELF-header rule excluded it) — it is *unknown*, not zero. When the
 * file ends before `p_offset + p_filesz` the core was truncated (RLIMIT_CORE counts written bytes,
 * `fs/coredump.c: __dump_emit`): the segment is reported as truncated, not thrown.
 *
 * @module
 */

import { CoreFormatError } from "../errors.ts";
import { nameOf, PT_LOAD, PT_NAMES } from "./constants.ts";
import type { ElfHeader } from "./header.ts";

/** One program header with derived extents. All 64-bit quantities are bigints. */
export interface Segment {
  /** Index in the program header table. */
  readonly index: number;
  /** Absolute file offset of this program header entry. */
  readonly headerOffset: number;
  /** `p_type`. */
  readonly type: number;
  /** `p_type` by name, e.g. `PT_LOAD`. */
  readonly typeName: string;
  /** `p_flags` (`PF_R` 4, `PF_W` 2, `PF_X` 1). */
  readonly flags: number;
  /** `p_offset`. */
  readonly offset: bigint;
  /** `p_vaddr`. */
  readonly vaddr: bigint;
  /** `p_paddr`. */
  readonly paddr: bigint;
  /** `p_filesz`: bytes saved in the file. */
  readonly filesz: bigint;
  /** `p_memsz`: size of the mapping in memory. */
  readonly memsz: bigint;
  /** `p_align`. */
  readonly align: bigint;
  /** Bytes of `p_filesz` actually present in the file (less than `filesz` when truncated). */
  readonly available: bigint;
  /** True when the file ends before `p_offset + p_filesz`. */
  readonly truncated: boolean;
  /** `p_memsz - p_filesz` when positive: memory that was not saved (unknown, not zero). */
  readonly unsaved: bigint;
}

/** Size in bytes of the program header table described by `h`. */
export function programHeaderTableSize(h: ElfHeader): number {
  return h.phnum * h.phentsize;
}

/**
 * Decodes every program header from the table bytes (read at `h.phoff`).
 *
 * @param table the bytes of the whole table
 * @param h the file header
 * @param fileSize total file size, to compute saved extents
 */
export function parseProgramHeaders(table: Uint8Array, h: ElfHeader, fileSize: number): Segment[] {
  const size = programHeaderTableSize(h);
  if (h.phoff + size > fileSize || table.length < size) {
    throw new CoreFormatError(
      h.phoff,
      "e_phnum",
      `Program header table (${h.phnum} entries of ${h.phentsize} bytes) runs past end of file`,
      h.phnum,
    );
  }
  const out: Segment[] = [];
  const is64 = h.bits === 64;
  const le = h.byteOrder === "little";
  // One view over the table (not a reader per entry); equal neighbouring values share one bigint
  // (70,000 one-page segments have the same p_filesz, p_memsz, p_align and a zero p_paddr).
  const view = new DataView(table.buffer, table.byteOffset, table.byteLength);
  const word = is64
    ? (at: number) => view.getBigUint64(at, le)
    : (at: number) => BigInt(view.getUint32(at, le));
  const last = [0n, 0n, 0n, 0n];
  const shared = (k: number, v: bigint): bigint => (v === last[k] ? last[k]! : (last[k] = v));
  const end = BigInt(fileSize);
  const limit = 1n << BigInt(h.bits);
  for (let i = 0; i < h.phnum; i++) {
    const at = i * h.phentsize;
    const type = view.getUint32(at, le);
    const flags = view.getUint32(is64 ? at + 4 : at + 24, le);
    const offset = word(is64 ? at + 8 : at + 4);
    const vaddr = word(is64 ? at + 16 : at + 8);
    const paddr = shared(0, word(is64 ? at + 24 : at + 12));
    const filesz = shared(1, word(is64 ? at + 32 : at + 16));
    const memsz = shared(2, word(is64 ? at + 40 : at + 20));
    const memszOrFilesz = memsz === filesz ? filesz : memsz;
    const align = shared(3, word(is64 ? at + 48 : at + 28));
    const available = offset >= end ? 0n : (offset + filesz > end ? end - offset : filesz);
    if (type === PT_LOAD && vaddr + memsz > limit) {
      throw new CoreFormatError(
        h.phoff + at,
        "p_memsz",
        `Segment ${i} wraps around the address space`,
        memsz,
      );
    }
    out.push({
      index: i,
      headerOffset: h.phoff + at,
      type,
      typeName: nameOf(PT_NAMES, type),
      flags,
      offset,
      vaddr,
      paddr,
      filesz,
      memsz: memszOrFilesz,
      align,
      available,
      truncated: available < filesz,
      unsaved: memsz > filesz ? memsz - filesz : 0n,
    });
  }
  return out;
}
