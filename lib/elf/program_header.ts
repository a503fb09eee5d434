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

import { ByteReader } from "../bytes/reader.ts";
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
  const w = h.bits === 64 ? 8 : 4;
  const end = BigInt(fileSize);
  for (let i = 0; i < h.phnum; i++) {
    const at = i * h.phentsize;
    const r = new ByteReader(table.subarray(at, at + h.phentsize), h.byteOrder, h.phoff + at);
    const type = r.u32("p_type");
    let flags = 0;
    if (w === 8) flags = r.u32("p_flags");
    const offset = r.word(w, "p_offset");
    const vaddr = r.word(w, "p_vaddr");
    const paddr = r.word(w, "p_paddr");
    const filesz = r.word(w, "p_filesz");
    const memsz = r.word(w, "p_memsz");
    if (w === 4) flags = r.u32("p_flags");
    const align = r.word(w, "p_align");
    const available = offset >= end ? 0n : (offset + filesz > end ? end - offset : filesz);
    if (type === PT_LOAD && vaddr + memsz > (1n << BigInt(h.bits))) {
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
      memsz,
      align,
      available,
      truncated: available < filesz,
      unsaved: memsz > filesz ? memsz - filesz : 0n,
    });
  }
  return out;
}
