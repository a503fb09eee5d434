/**
 * Which per-thread register notes each producer writes, per architecture and ABI, so a note present
 * in one core only is explained by the rule of the ABI it belongs to, never by a rule of another.
 *
 * The kernel writes, for every thread, `NT_PRSTATUS` and then every regset of the task's
 * `user_regset_view` that has a `core_note_type` and is active (`fill_thread_core_info` in
 * fs/binfmt_elf.c). GDB writes the register sections its `iterate_over_regset_sections` gdbarch
 * method lists (`linux_collect_thread_registers` in gdb/linux-tdep.c); GDB 13 lists:
 *
 * | ABI | kernel view (arch/…/kernel/ptrace.c) | GDB 13 (…-linux-tdep.c) |
 * |---|---|---|
 * | x86-64 | `x86_64_regsets`: PRSTATUS, PRFPREG, X86_XSTATE, 386_IOPERM*, X86_SHSTK* | PRSTATUS, PRFPREG (`.reg2`), X86_XSTATE |
 * | i386 (compat) | `x86_32_regsets`: PRSTATUS, PRFPREG, PRXFPREG, X86_XSTATE, 386_TLS*, 386_IOPERM* | PRSTATUS and one FP set: X86_XSTATE, else PRXFPREG, else PRFPREG |
 * | x32 | `x86_64_regsets` (x32 tasks are 64-bit mode) | as x86-64 (`amd64_linux_iterate_over_regset_sections`) |
 * | aarch64 | `aarch64_regsets`: PRSTATUS, PRFPREG, ARM_TLS, ARM_HW_BREAK, ARM_HW_WATCH, ARM_SYSTEM_CALL, ARM_SVE, ARM_PAC_*, ARM_TAGGED_ADDR_CTRL, SME/FPMR/POE/GCS* | PRSTATUS, PRFPREG or ARM_SVE (with SVE), ARM_TLS, ARM_PAC_MASK (pauth), ARM_TAGGED_ADDR_CTRL (MTE) |
 *
 * (* only when active.) Process-wide: only the kernel writes `NT_X86_XSAVE_LAYOUT` (Linux ≥ 6.12);
 * only GDB writes `NT_GDB_TDESC`.
 *
 * @module
 */

import type { CoreFile } from "../elf/core.ts";

/** The ABIs whose note rules are known. */
export type NoteAbi = "x86-64" | "i386" | "x32" | "aarch64" | "other";

const EM_386 = 3, EM_X86_64 = 62, EM_AARCH64 = 183;

/**
 * The ABI of a core, from `e_machine` and the ELF class (x32 is `EM_X86_64` in an ELFCLASS32 file).
 *
 * @param core a parsed core
 * @returns the ABI, or `other`
 */
export function noteAbi(core: Pick<CoreFile, "header">): NoteAbi {
  const { machine, bits } = core.header;
  if (machine === EM_X86_64) return bits === 64 ? "x86-64" : "x32";
  if (machine === EM_386) return "i386";
  if (machine === EM_AARCH64) return "aarch64";
  return "other";
}

/** Note types of the LINUX owner that the ELF reader may not name yet (include/uapi/linux/elf.h). */
const MORE_LINUX_NAMES: Readonly<Record<number, string>> = {
  0x407: "NT_ARM_PACA_KEYS",
  0x408: "NT_ARM_PACG_KEYS",
  0x40a: "NT_ARM_PAC_ENABLED_KEYS",
  0x40d: "NT_ARM_ZT",
  0x40e: "NT_ARM_FPMR",
  0x40f: "NT_ARM_POE",
  0x410: "NT_ARM_GCS",
};

/**
 * The key a note type is compared by: `OWNER/NT_NAME`.
 *
 * @param n a note (owner, type number, type name)
 * @returns the key
 */
export function noteKey(n: { owner: string; type: number; typeName: string }): string {
  const name = n.owner === "LINUX" && MORE_LINUX_NAMES[n.type]
    ? MORE_LINUX_NAMES[n.type]
    : n.typeName;
  return `${n.owner}/${name}`;
}

/** Why one producer writes a note type the other does not, or `undefined` when no rule says so. */
type Rule = (gdbTypes: ReadonlySet<string>) => string | undefined;

const always = (text: string): Rule => () => text;

const X86_64_KERNEL_ONLY: Readonly<Record<string, Rule>> = {
  "LINUX/NT_X86_XSAVE_LAYOUT": always(
    "only the kernel writes NT_X86_XSAVE_LAYOUT (Linux ≥ 6.12: the XSAVE component offsets)",
  ),
  "LINUX/NT_386_IOPERM": always(
    "the kernel writes NT_386_IOPERM for a task that used ioperm() (regset active); GDB has no such register section",
  ),
  "LINUX/NT_X86_SHSTK": always(
    "the kernel writes NT_X86_SHSTK for a task with a shadow stack (regset active); GDB 13 has no such register section",
  ),
};

const I386_KERNEL_ONLY: Readonly<Record<string, Rule>> = {
  ...X86_64_KERNEL_ONLY,
  "CORE/NT_PRFPREG": (g) =>
    g.has("LINUX/NT_X86_XSTATE") || g.has("LINUX/NT_PRXFPREG")
      ? "the kernel's i386 regsets include NT_PRFPREG (x86_32_regsets); GDB's i386 gcore writes one FP set, the richest: NT_X86_XSTATE, else NT_PRXFPREG (i386_linux_iterate_over_regset_sections)"
      : undefined,
  "LINUX/NT_PRXFPREG": (g) =>
    g.has("LINUX/NT_X86_XSTATE")
      ? "the kernel's i386 regsets include NT_PRXFPREG (x86_32_regsets); GDB's i386 gcore writes NT_X86_XSTATE instead when the CPU has XSAVE (i386_linux_iterate_over_regset_sections)"
      : undefined,
  "LINUX/NT_386_TLS": always(
    "the kernel writes NT_386_TLS (the GDT TLS entries, x86_32_regsets, active once a TLS entry is set); GDB's i386 gcore has no TLS register section",
  ),
};

const AARCH64_KERNEL_ONLY: Readonly<Record<string, Rule>> = {
  "LINUX/NT_ARM_HW_BREAK": always(
    "the kernel writes the hardware breakpoint regset (aarch64_regsets, no active test); GDB does not",
  ),
  "LINUX/NT_ARM_HW_WATCH": always(
    "the kernel writes the hardware watchpoint regset (aarch64_regsets, no active test); GDB does not",
  ),
  "LINUX/NT_ARM_SYSTEM_CALL": always(
    "the kernel writes the system-call number regset (aarch64_regsets); GDB does not",
  ),
  "LINUX/NT_ARM_PAC_ENABLED_KEYS": always(
    "the kernel writes the enabled pointer-authentication keys (aarch64_regsets); GDB does not",
  ),
  "LINUX/NT_ARM_PACA_KEYS": always("the kernel writes the PAC A keys regset; GDB does not"),
  "LINUX/NT_ARM_PACG_KEYS": always("the kernel writes the PAC G key regset; GDB does not"),
  "LINUX/NT_ARM_SVE": (g) =>
    g.has("LINUX/NT_ARM_SVE")
      ? undefined
      : "the kernel writes NT_ARM_SVE on an SVE-capable CPU; a GDB whose target description has no SVE writes NT_PRFPREG only",
  "CORE/NT_PRFPREG": (g) =>
    g.has("LINUX/NT_ARM_SVE")
      ? "the kernel writes NT_PRFPREG and NT_ARM_SVE; GDB with SVE writes NT_ARM_SVE instead of NT_PRFPREG (aarch64_linux_iterate_over_regset_sections)"
      : undefined,
  "LINUX/NT_ARM_SSVE": always("the kernel writes the streaming SVE regset (SME); GDB 13 does not"),
  "LINUX/NT_ARM_ZA": always("the kernel writes the SME ZA regset; GDB 13 does not"),
  "LINUX/NT_ARM_ZT": always("the kernel writes the SME2 ZT regset; GDB 13 does not"),
  "LINUX/NT_ARM_FPMR": always("the kernel writes the FPMR regset (Linux ≥ 6.9); GDB 13 does not"),
  "LINUX/NT_ARM_POE": always("the kernel writes the POE regset; GDB 13 does not"),
  "LINUX/NT_ARM_GCS": always("the kernel writes the guarded control stack regset; GDB 13 does not"),
  "LINUX/NT_ARM_TAGGED_ADDR_CTRL": (g) =>
    g.has("LINUX/NT_ARM_TAGGED_ADDR_CTRL")
      ? undefined
      : "the kernel writes the tagged-address control regset; GDB writes it only when the target has MTE",
  "LINUX/NT_ARM_PAC_MASK": (g) =>
    g.has("LINUX/NT_ARM_PAC_MASK")
      ? undefined
      : "the kernel writes the PAC mask regset; GDB writes it only when its target description has pauth",
};

const KERNEL_ONLY: Readonly<Record<NoteAbi, Readonly<Record<string, Rule>>>> = {
  "x86-64": X86_64_KERNEL_ONLY,
  x32: X86_64_KERNEL_ONLY,
  i386: I386_KERNEL_ONLY,
  aarch64: AARCH64_KERNEL_ONLY,
  other: {},
};

const GDB_ONLY: Readonly<Record<string, string>> = {
  "GDB/NT_GDB_TDESC": "only GDB writes NT_GDB_TDESC, its target description",
};

/**
 * Why a note type is in one producer's core only, under the rules of the core's ABI.
 *
 * @param abi the ABI of the pair
 * @param key `OWNER/NT_NAME`
 * @param inKernel whether the note is in the kernel core (else in the gcore)
 * @param gdbTypes every `OWNER/NT_NAME` in the gcore
 * @returns the rule's text, or `undefined` when no rule of this ABI explains it
 */
export function noteOnlyRule(
  abi: NoteAbi,
  key: string,
  inKernel: boolean,
  gdbTypes: ReadonlySet<string>,
): string | undefined {
  if (!inKernel) return GDB_ONLY[key];
  const text = KERNEL_ONLY[abi][key]?.(gdbTypes);
  return text === undefined ? undefined : `${text} [${abi}]`;
}
