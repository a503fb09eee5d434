/**
 * General-purpose register names of `pr_reg` (`elf_gregset_t`) per machine, in `user_regs_struct`
 * order (`arch/x86/include/asm/user_64.h`, `arch/arm64/include/uapi/asm/ptrace.h`,
 * `arch/x86/include/asm/user_32.h`).
 *
 * @module
 */

/** x86-64 `struct user_regs_struct` (27 registers). */
export const X86_64_REGS: readonly string[] = [
  "r15",
  "r14",
  "r13",
  "r12",
  "rbp",
  "rbx",
  "r11",
  "r10",
  "r9",
  "r8",
  "rax",
  "rcx",
  "rdx",
  "rsi",
  "rdi",
  "orig_rax",
  "rip",
  "cs",
  "eflags",
  "rsp",
  "ss",
  "fs_base",
  "gs_base",
  "ds",
  "es",
  "fs",
  "gs",
];

/** AArch64 `struct user_pt_regs` (x0-x30, sp, pc, pstate). */
export const AARCH64_REGS: readonly string[] = [
  ...Array.from({ length: 31 }, (_, i) => `x${i}`),
  "sp",
  "pc",
  "pstate",
];

/** i386 `struct user_regs_struct` (17 registers). */
export const I386_REGS: readonly string[] = [
  "ebx",
  "ecx",
  "edx",
  "esi",
  "edi",
  "ebp",
  "eax",
  "xds",
  "xes",
  "xfs",
  "xgs",
  "orig_eax",
  "eip",
  "xcs",
  "eflags",
  "esp",
  "xss",
];

/**
 * m68k `struct user_regs_struct` as 20 four-byte words (`arch/m68k/include/asm/user.h`): the short
 * pairs `stkadj`/`sr` and `fmtvec`/`__fill` share a word.
 */
export const M68K_REGS: readonly string[] = [
  ...Array.from({ length: 7 }, (_, i) => `d${i + 1}`),
  ...Array.from({ length: 7 }, (_, i) => `a${i}`),
  "d0",
  "usp",
  "orig_d0",
  "stkadj_sr",
  "pc",
  "fmtvec",
];

/** Register names for `e_machine` and word size, or undefined when registers stay raw bytes. */
export function registerNames(machine: number, bits: 32 | 64): readonly string[] | undefined {
  if (machine === 62 && bits === 64) return X86_64_REGS;
  if (machine === 183 && bits === 64) return AARCH64_REGS;
  if (machine === 62 && bits === 32) return X86_64_REGS; // x32: the x86-64 register set
  if (machine === 3 && bits === 32) return I386_REGS;
  if (machine === 4) return M68K_REGS;
  return undefined;
}

/** The register that holds the program counter, by machine. */
export function pcRegister(machine: number, _bits?: 32 | 64): string | undefined {
  if (machine === 62) return "rip"; // x86-64 and x32
  if (machine === 3) return "eip";
  if (machine === 4) return "pc";
  if (machine === 183) return "pc";
  return undefined;
}
