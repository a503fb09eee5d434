/**
 * ELF constants used by core files, spelled as in the gABI, `include/uapi/linux/elf.h` and
 * `elf(5)`, with name tables so reports print `PT_LOAD` rather than `1`.
 *
 * @module
 */

import { AT_ALL_NAMES, EM_NAMES, NT_CORE_NAMES } from "./names.ts";

/** `e_ident[EI_CLASS]`: 32-bit objects. */
export const ELFCLASS32 = 1;
/** `e_ident[EI_CLASS]`: 64-bit objects. */
export const ELFCLASS64 = 2;
/** `e_ident[EI_DATA]`: two's complement, little-endian. */
export const ELFDATA2LSB = 1;
/** `e_ident[EI_DATA]`: two's complement, big-endian. */
export const ELFDATA2MSB = 2;
/** `e_type` of a core file. */
export const ET_CORE = 4;
/** `e_phnum` escape: the real count is in `sh_info` of section header 0. */
export const PN_XNUM = 0xffff;

/** Program header types. */
export const PT_NULL = 0;
/** Loadable segment (one per VMA in a core). */
export const PT_LOAD = 1;
/** Notes segment. */
export const PT_NOTE = 4;

/** Segment flag: executable. */
export const PF_X = 1;
/** Segment flag: writable. */
export const PF_W = 2;
/** Segment flag: readable. */
export const PF_R = 4;

/** Note types under the "CORE" and "LINUX" owners (`include/uapi/linux/elf.h`). */
export const NT_PRSTATUS = 1;
/** Floating-point registers (`NT_FPREGSET` in GDB's naming). */
export const NT_PRFPREG = 2;
/** Process information (`struct elf_prpsinfo`). */
export const NT_PRPSINFO = 3;
/** Saved auxiliary vector. */
export const NT_AUXV = 6;
/** The signal that caused the dump (`siginfo_t`). */
export const NT_SIGINFO = 0x53494749;
/** Mapped files. */
export const NT_FILE = 0x46494c45;

/** Names of `e_type` values. */
export const E_TYPE_NAMES: Readonly<Record<number, string>> = {
  0: "ET_NONE",
  1: "ET_REL",
  2: "ET_EXEC",
  3: "ET_DYN",
  4: "ET_CORE",
};

/** Names of every `e_machine` value (see `names.ts`). */
export const MACHINE_NAMES: Readonly<Record<number, string>> = {
  ...EM_NAMES,
  0: "EM_NONE",
  2: "EM_SPARC",
  3: "EM_386",
  8: "EM_MIPS",
  20: "EM_PPC",
  21: "EM_PPC64",
  22: "EM_S390",
  40: "EM_ARM",
  42: "EM_SH",
  50: "EM_IA_64",
  62: "EM_X86_64",
  183: "EM_AARCH64",
  243: "EM_RISCV",
  258: "EM_LOONGARCH",
};

/** Names of program header types. */
export const PT_NAMES: Readonly<Record<number, string>> = {
  0: "PT_NULL",
  1: "PT_LOAD",
  2: "PT_DYNAMIC",
  3: "PT_INTERP",
  4: "PT_NOTE",
  5: "PT_SHLIB",
  6: "PT_PHDR",
  7: "PT_TLS",
  0x6474e550: "PT_GNU_EH_FRAME",
  0x6474e551: "PT_GNU_STACK",
  0x6474e552: "PT_GNU_RELRO",
  0x6474e553: "PT_GNU_PROPERTY",
  0x70000002: "PT_AARCH64_MEMTAG_MTE",
};

/** Names of note types of the "CORE" and "LINUX" owners. */
export const CORE_NOTE_NAMES: Readonly<Record<number, string>> = {
  ...NT_CORE_NAMES,
  1: "NT_PRSTATUS",
  2: "NT_PRFPREG",
  3: "NT_PRPSINFO",
  4: "NT_TASKSTRUCT",
  6: "NT_AUXV",
  0x46e62b7f: "NT_PRXFPREG",
  0x53494749: "NT_SIGINFO",
  0x46494c45: "NT_FILE",
  0x200: "NT_386_TLS",
  0x201: "NT_386_IOPERM",
  0x202: "NT_X86_XSTATE",
  0x204: "NT_X86_SHSTK",
  0x205: "NT_X86_XSAVE_LAYOUT",
  0x400: "NT_ARM_VFP",
  0x401: "NT_ARM_TLS",
  0x402: "NT_ARM_HW_BREAK",
  0x403: "NT_ARM_HW_WATCH",
  0x404: "NT_ARM_SYSTEM_CALL",
  0x405: "NT_ARM_SVE",
  0x406: "NT_ARM_PAC_MASK",
  0x409: "NT_ARM_TAGGED_ADDR_CTRL",
  0x40b: "NT_ARM_SSVE",
  0x40c: "NT_ARM_ZA",
};

/** Names of note types of the "GDB" owner. */
export const GDB_NOTE_NAMES: Readonly<Record<number, string>> = {
  0xff000000: "NT_GDB_TDESC",
};

/** Names of auxiliary vector entry types (`include/uapi/linux/auxvec.h`, `elf.h`, arch-specific ones included). */
export const AT_NAMES: Readonly<Record<number, string>> = AT_ALL_NAMES;

/** Looks a value up in a name table, falling back to hex. */
export function nameOf(table: Readonly<Record<number, string>>, value: number): string {
  return table[value] ?? `0x${value.toString(16)}`;
}

/** Renders `p_flags` as readelf does: `R`, `W`, `E` or spaces. */
export function flagString(flags: number): string {
  return `${flags & PF_R ? "R" : " "}${flags & PF_W ? "W" : " "}${flags & PF_X ? "E" : " "}`;
}
