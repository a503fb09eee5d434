/**
 * Per-ABI layout of the process notes, where they differ from "every field aligned to its size":
 * the alignment of `long` (2 on m68k, so `pr_sigpend` follows `pr_cursig` directly and `pr_pid`
 * lies at 22, not 24), and the register word of `pr_reg` (x32 is `EM_X86_64` in ELFCLASS32 with
 * 32-bit `long`s but the 64-bit x86-64 `user_regs_struct`, 27 × 8 bytes, 8-aligned, so 8 bytes of
 * `pr_fpvalid` and padding follow it). Sources: `include/uapi/linux/elfcore.h`,
 * `arch/m68k/include/asm/elf.h`, `arch/x86/include/asm/compat.h`.
 *
 * @module
 */

import { AARCH64_REGS, I386_REGS, M68K_REGS, X86_64_REGS } from "./registers.ts";

/** How `elf_prstatus` is laid out for one ABI. */
export interface PrStatusAbi {
  /** Size of `long` (`pr_sigpend`, `pr_sighold`, the `timeval`s). */
  readonly long: 4 | 8;
  /** Alignment of `long` and `int` in structures. */
  readonly align: 2 | 4 | 8;
  /** Size of one `pr_reg` word. */
  readonly regWord: 4 | 8;
  /** Register names in `pr_reg` order, when known. */
  readonly regNames?: readonly string[];
  /** The ABI's name, for reports (`x32`, `m68k`). */
  readonly name: string;
}

/** `EM_68K`. */
export const EM_68K = 4;
/** `EM_MIPS`. */
export const EM_MIPS = 8;
/** `e_flags` bit of MIPS n32 objects. */
export const EF_MIPS_ABI2 = 0x20;
/** `EM_X86_64`. */
export const EM_X86_64 = 62;

/**
 * The `elf_prstatus` layout of a core's ABI.
 *
 * @param machine `e_machine`
 * @param bits ELF class
 * @param flags `e_flags` (MIPS n32 is told by `EF_MIPS_ABI2`)
 * @returns the layout
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(prStatusAbi(62, 32).regWord, 8); // x32
 * assert.equal(prStatusAbi(4, 32).align, 2); // m68k
 * ```
 */
export function prStatusAbi(machine: number, bits: 32 | 64, flags = 0): PrStatusAbi {
  if (machine === EM_68K) {
    return { long: 4, align: 2, regWord: 4, regNames: M68K_REGS, name: "m68k" };
  }
  // MIPS n32 (EF_MIPS_ABI2 in an ELF32 core): 32-bit longs, 45 64-bit registers, as x32.
  if (machine === EM_MIPS && bits === 32 && (flags & EF_MIPS_ABI2) !== 0) {
    return { long: 4, align: 4, regWord: 8, name: "mips-n32" };
  }
  if (machine === EM_X86_64 && bits === 32) {
    return { long: 4, align: 4, regWord: 8, regNames: X86_64_REGS, name: "x32" };
  }
  if (bits === 64) {
    const regNames = machine === EM_X86_64
      ? X86_64_REGS
      : machine === 183
      ? AARCH64_REGS
      : undefined;
    return { long: 8, align: 8, regWord: 8, ...(regNames ? { regNames } : {}), name: "lp64" };
  }
  return {
    long: 4,
    align: 4,
    regWord: 4,
    ...(machine === 3 ? { regNames: I386_REGS } : {}),
    name: "ilp32",
  };
}

/** Field offsets of `elf_prstatus` for a layout. */
export interface PrStatusOffsets {
  /** `pr_sigpend`. */
  readonly sigpend: number;
  /** `pr_sighold`. */
  readonly sighold: number;
  /** `pr_pid` (then `pr_ppid`, `pr_pgrp`, `pr_sid`). */
  readonly pid: number;
  /** Start of `pr_reg`. */
  readonly reg: number;
}

/** Rounds `n` up to a multiple of `a`. */
const up = (n: number, a: number) => Math.ceil(n / a) * a;

/**
 * Offsets of the fixed fields: `pr_info` (3 ints) and `pr_cursig` (short) take 14 bytes, then
 * `pr_sigpend` and `pr_sighold` at the `long` alignment, four `pid_t`, four `timeval`s (two
 * `long`s each), and `pr_reg` at the alignment of its word.
 *
 * @param abi the layout
 * @returns the offsets
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(prStatusOffsets(prStatusAbi(4, 32)).pid, 22); // m68k
 * assert.equal(prStatusOffsets(prStatusAbi(62, 64)).reg, 112); // x86-64
 * assert.equal(prStatusOffsets(prStatusAbi(62, 32)).reg, 72); // x32
 * ```
 */
export function prStatusOffsets(abi: PrStatusAbi): PrStatusOffsets {
  const sigpend = up(14, Math.min(abi.align, abi.long));
  const sighold = sigpend + abi.long;
  const pid = up(sighold + abi.long, Math.min(abi.align, 4));
  const times = pid + 16;
  // Register words align to their size, except where the ABI caps alignment (m68k: 2).
  const reg = up(times + 8 * abi.long, abi.align === 2 ? 2 : abi.regWord);
  return { sigpend, sighold, pid, reg };
}
