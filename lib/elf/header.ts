/**
 * The ELF file header (`Elf32_Ehdr` / `Elf64_Ehdr`) of a core file, and section header 0, which holds
 * the real counts under extended numbering (`PN_XNUM`, `fs/binfmt_elf.c: fill_extnum_info`).
 *
 * @module
 */

import { type ByteOrder, ByteReader, toSafeNumber } from "../bytes/reader.ts";
import { CoreFormatError } from "../errors.ts";
import {
  E_TYPE_NAMES,
  ELFCLASS32,
  ELFCLASS64,
  ELFDATA2LSB,
  ELFDATA2MSB,
  ET_CORE,
  MACHINE_NAMES,
  nameOf,
  PN_XNUM,
} from "./constants.ts";

/** Size of the ELF header of a 64-bit file; a 32-bit header is 52 bytes. */
export const EHDR_SIZE_64 = 64;
/** Size of the ELF header of a 32-bit file. */
export const EHDR_SIZE_32 = 52;

/** The decoded ELF header of a core file. */
export interface ElfHeader {
  /** 32 or 64 (`EI_CLASS`). */
  readonly bits: 32 | 64;
  /** Byte order (`EI_DATA`). */
  readonly byteOrder: ByteOrder;
  /** `EI_OSABI`. */
  readonly osabi: number;
  /** `e_type` (always `ET_CORE` once parsed). */
  readonly type: number;
  /** `e_machine`. */
  readonly machine: number;
  /** `e_machine` by name, e.g. `EM_X86_64`. */
  readonly machineName: string;
  /** `e_flags`. */
  readonly flags: number;
  /** `e_phoff`. */
  readonly phoff: number;
  /** `e_phentsize`. */
  readonly phentsize: number;
  /** Real program header count (from section header 0 when `e_phnum == PN_XNUM`). */
  readonly phnum: number;
  /** `e_phnum` as written in the header (0xffff under extended numbering). */
  readonly rawPhnum: number;
  /** `e_shoff` (0 when there are no section headers). */
  readonly shoff: number;
  /** `e_shentsize`. */
  readonly shentsize: number;
  /** Real section header count (from `sh_size` of section header 0 when `e_shnum == 0`). */
  readonly shnum: number;
  /** `e_shstrndx`, resolved through `sh_link` of section header 0 when it is `SHN_XINDEX`. */
  readonly shstrndx: number;
  /** Whether extended numbering (`PN_XNUM`) is in use. */
  readonly extendedNumbering: boolean;
}

/** Fields of section header 0 that matter for extended numbering. */
export interface SectionZero {
  /** `sh_size`: the real `e_shnum` when that is 0. */
  readonly size: bigint;
  /** `sh_link`: the real `e_shstrndx` when that is `SHN_XINDEX`. */
  readonly link: number;
  /** `sh_info`: the real `e_phnum` when that is `PN_XNUM`. */
  readonly info: number;
}

/** Raw header values before extended numbering is resolved. */
export interface RawHeader extends Omit<ElfHeader, "phnum" | "shnum" | "shstrndx"> {
  /** `e_shnum` as written. */
  readonly rawShnum: number;
  /** `e_shstrndx` as written. */
  readonly rawShstrndx: number;
}

/**
 * Decodes the ELF identification and header from the first bytes of a file (at least 52 or 64
 * bytes). Throws {@link CoreFormatError} for anything that is not an ELF core file.
 *
 * @param bytes the first bytes of the file
 * @param fileSize total file size, to check table offsets
 */
export function parseRawHeader(bytes: Uint8Array, fileSize: number): RawHeader {
  if (bytes.length < 16) {
    throw new CoreFormatError(0, "e_ident", "File is too short to be an ELF file", bytes.length);
  }
  if (bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) {
    throw new CoreFormatError(0, "EI_MAG", "Not an ELF file: bad magic");
  }
  const cls = bytes[4] ?? 0;
  if (cls !== ELFCLASS32 && cls !== ELFCLASS64) {
    throw new CoreFormatError(4, "EI_CLASS", "Unknown ELF class", cls);
  }
  const data = bytes[5] ?? 0;
  if (data !== ELFDATA2LSB && data !== ELFDATA2MSB) {
    throw new CoreFormatError(5, "EI_DATA", "Unknown ELF data encoding", data);
  }
  const bits = cls === ELFCLASS64 ? 64 : 32;
  const byteOrder: ByteOrder = data === ELFDATA2LSB ? "little" : "big";
  const size = bits === 64 ? EHDR_SIZE_64 : EHDR_SIZE_32;
  if (bytes.length < size) {
    throw new CoreFormatError(
      0,
      "e_ident",
      `File is too short for an ELF${bits} header`,
      bytes.length,
    );
  }
  const r = new ByteReader(bytes.subarray(0, size), byteOrder);
  r.seek(16, "e_type");
  const type = r.u16("e_type");
  if (type !== ET_CORE) {
    throw new CoreFormatError(
      16,
      "e_type",
      `Not a core file: e_type is ${nameOf(E_TYPE_NAMES, type)}`,
    );
  }
  const machine = r.u16("e_machine");
  r.u32("e_version");
  const w = bits === 64 ? 8 : 4;
  r.word(w, "e_entry");
  const phoffAt = r.offset;
  const phoff = toSafeNumber(r.word(w, "e_phoff"), phoffAt, "e_phoff");
  const shoffAt = r.offset;
  const shoff = toSafeNumber(r.word(w, "e_shoff"), shoffAt, "e_shoff");
  const flags = r.u32("e_flags");
  r.u16("e_ehsize");
  const phentAt = r.offset;
  const phentsize = r.u16("e_phentsize");
  const rawPhnum = r.u16("e_phnum");
  const shentAt = r.offset;
  const shentsize = r.u16("e_shentsize");
  const rawShnum = r.u16("e_shnum");
  const rawShstrndx = r.u16("e_shstrndx");
  const minPhent = bits === 64 ? 56 : 32;
  if (rawPhnum > 0 && phentsize < minPhent) {
    throw new CoreFormatError(
      phentAt,
      "e_phentsize",
      `Program header entries are smaller than ${minPhent} bytes`,
      phentsize,
    );
  }
  if (phoff > fileSize) {
    throw new CoreFormatError(
      phoffAt,
      "e_phoff",
      "Program header table starts past end of file",
      phoff,
    );
  }
  const minShent = bits === 64 ? 64 : 40;
  if (shoff !== 0 && shentsize < minShent && (rawShnum !== 0 || rawPhnum === PN_XNUM)) {
    throw new CoreFormatError(
      shentAt,
      "e_shentsize",
      `Section header entries are smaller than ${minShent} bytes`,
      shentsize,
    );
  }
  return {
    bits,
    byteOrder,
    osabi: bytes[7] ?? 0,
    type,
    machine,
    machineName: nameOf(MACHINE_NAMES, machine),
    flags,
    phoff,
    phentsize,
    rawPhnum,
    shoff,
    shentsize,
    rawShnum,
    rawShstrndx,
    extendedNumbering: rawPhnum === PN_XNUM,
  };
}

/** Section header 0 is needed when any count is escaped (`PN_XNUM`, `e_shnum == 0`, `SHN_XINDEX`). */
export function needsSectionZero(raw: RawHeader): boolean {
  return raw.shoff !== 0 &&
    (raw.rawPhnum === PN_XNUM || raw.rawShnum === 0 || raw.rawShstrndx === 0xffff);
}

/** Decodes section header 0 from its bytes (at `raw.shoff`). */
export function parseSectionZero(bytes: Uint8Array, raw: RawHeader): SectionZero {
  const r = new ByteReader(bytes, raw.byteOrder, raw.shoff);
  const w = raw.bits === 64 ? 8 : 4;
  r.u32("sh_name");
  r.u32("sh_type");
  r.word(w, "sh_flags");
  r.word(w, "sh_addr");
  r.word(w, "sh_offset");
  const size = r.word(w, "sh_size");
  const link = r.u32("sh_link");
  const info = r.u32("sh_info");
  return { size, link, info };
}

/**
 * Resolves the real counts of a raw header, using section header 0 where the header escapes them.
 *
 * @param raw the raw header
 * @param zero section header 0, when `needsSectionZero(raw)`
 */
export function resolveHeader(raw: RawHeader, zero: SectionZero | undefined): ElfHeader {
  const { rawShnum, rawShstrndx, ...rest } = raw;
  let phnum = raw.rawPhnum;
  let shnum = rawShnum;
  let shstrndx = rawShstrndx;
  if (raw.rawPhnum === PN_XNUM) {
    if (!zero) {
      throw new CoreFormatError(
        raw.bits === 64 ? 40 : 32,
        "e_shoff",
        "e_phnum is PN_XNUM but there is no section header 0 to hold the real count",
      );
    }
    phnum = zero.info;
  }
  if (zero && rawShnum === 0) shnum = toSafeNumber(zero.size, raw.shoff, "sh_size");
  if (zero && rawShstrndx === 0xffff) shstrndx = zero.link;
  return { ...rest, phnum, shnum, shstrndx };
}
