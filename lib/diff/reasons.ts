/**
 * The closed vocabulary of reason codes: every code a report or a prediction can carry, with what it
 * means, the producer rule it stands for and where that rule is written (kernel or GDB function, and
 * the section of `docs/dump-policies.md`). `docs/reason-codes.md` is generated from this table
 * ({@link renderReasonCodes}) and a test keeps the two equal.
 *
 * Codes are grouped by prefix: `kernel.*` and `gdb.*` name one producer's rule, `layout.*` a
 * difference of file layout, `timing.*` what changes between two dump moments, `side-effect.*` what a
 * debugger changed in the process, `identity.*` why two cores are not one process, `cross-run.*` what
 * the cross-run diff (expectation `same-program`) finds between two runs.
 *
 * @module
 */

import { RUN_REASONS, type RunReasonCode } from "./reasons_runs.ts";
import { MORE_REASONS } from "./reasons_more.ts";
import type { GdbReason } from "../policy/gdb.ts";
import type { KernelReason } from "../policy/kernel.ts";

/** What one code stands for. */
export interface ReasonDefinition {
  /** What the code means, in one line. */
  readonly meaning: string;
  /** The producer rule behind it. */
  readonly rule: string;
  /** Where the rule is written: a kernel or GDB function and a section of `docs/dump-policies.md`. */
  readonly source: string;
}

const def = (meaning: string, rule: string, source: string): ReasonDefinition => ({
  meaning,
  rule,
  source,
});

/** Every reason code (a closed set; {@link REASONS} defines each). */
export type ReasonCode =
  | "kernel.special-mapping"
  | "kernel.dontdump"
  | "kernel.dax"
  | "kernel.hugetlb"
  | "kernel.io"
  | "kernel.anon-shared"
  | "kernel.file-shared"
  | "kernel.anon-private"
  | "kernel.no-file"
  | "kernel.file-private"
  | "kernel.elf-header-page"
  | "kernel.not-selected"
  | "kernel.elf-header-needs-read"
  | "kernel.no-anon-vma"
  | "gdb.no-anonymous-field"
  | "gdb.vdso-vsyscall"
  | "gdb.io"
  | "gdb.dontdump"
  | "gdb.hugetlb"
  | "gdb.anon-private"
  | "gdb.anon-shared"
  | "gdb.file-private"
  | "gdb.file-shared"
  | "gdb.deleted-name-is-anonymous"
  | "gdb.whole-mapping-elf"
  | "gdb.not-selected"
  | "gdb.omits-empty-segment"
  | "gdb.dumps-inaccessible"
  | "gdb.prstatus-minimal"
  | "gdb.attach-sigstop"
  | "gdb.fname-basename"
  | "gdb.psargs-after-attach"
  | "gdb.psargs-inferior-args"
  | "gdb.stop-signal"
  | "gdb.xsave-size"
  | "gdb.siginfo-per-thread"
  | "gdb.nt-file-escaped-name"
  | "kernel.nt-file-size-cap"
  | "layout.flags-read-forced"
  | "layout.thread-order"
  | "layout.kernel-only-note"
  | "layout.gdb-only-note"
  | "layout.truncated"
  | "kernel.hole-not-present"
  | "timing.volatile-content"
  | "timing.registers"
  | "timing.process-state"
  | "side-effect.debugger-breakpoint"
  | "gdb.ppid-tgid"
  | "timing.program-write"
  | "module.build-id-differs"
  | "module.only-in-one-core"
  | RunReasonCode;

/** Every reason code with its definition, in documentation order. */
export const REASONS: Readonly<Record<ReasonCode, ReasonDefinition>> = {
  ...MORE_REASONS,
  // Kernel rules (vma_dump_size), one per decision-table row.
  "kernel.special-mapping": def(
    "special mappings and the gate VMA are always dumped whole",
    "always_dump_vma(): [vdso], [vvar], [vsyscall] and other special mappings are dumped whatever the filter",
    "fs/coredump.c: vma_dump_size, always_dump_vma; §1.4, §1.10",
  ),
  "kernel.dontdump": def(
    "VM_DONTDUMP mappings are never dumped by the kernel",
    "vma_dump_size() returns 0 for VM_DONTDUMP (madvise MADV_DONTDUMP)",
    "fs/coredump.c: vma_dump_size; §1.4",
  ),
  "kernel.dax": def(
    "DAX mappings follow the dax-private/dax-shared filter bits",
    "vma_is_dax(): MMF_DUMP_DAX_PRIVATE / MMF_DUMP_DAX_SHARED decide",
    "fs/coredump.c: vma_dump_size; §1.2, §1.4",
  ),
  "kernel.hugetlb": def(
    "hugetlb mappings follow the hugetlb-private/hugetlb-shared filter bits",
    "is_vm_hugetlb_page(): MMF_DUMP_HUGETLB_PRIVATE / MMF_DUMP_HUGETLB_SHARED decide",
    "fs/coredump.c: vma_dump_size; §1.2, §1.4",
  ),
  "kernel.io": def(
    "VM_IO mappings are never dumped by the kernel",
    "vma_dump_size() returns 0 for VM_IO",
    "fs/coredump.c: vma_dump_size; §1.4",
  ),
  "kernel.anon-shared": def(
    "shared memory whose inode has no links follows anon-shared",
    "VM_SHARED with i_nlink == 0 (or no file): MMF_DUMP_ANON_SHARED decides",
    "fs/coredump.c: vma_dump_size; §1.4, §1.5",
  ),
  "kernel.file-shared": def(
    "shared file mappings follow mapped-shared",
    "VM_SHARED with a linked inode: MMF_DUMP_MAPPED_SHARED decides",
    "fs/coredump.c: vma_dump_size; §1.4, §1.5",
  ),
  "kernel.anon-private": def(
    "private memory with an anon_vma follows anon-private",
    "vma->anon_vma set and MMF_DUMP_ANON_PRIVATE: the whole VMA is dumped",
    "fs/coredump.c: vma_dump_size; §1.4, §1.5",
  ),
  "kernel.no-file": def(
    "private memory with no file and nothing written is not dumped",
    "no vm_file and (no anon_vma or anon-private clear): vma_dump_size() returns 0",
    "fs/coredump.c: vma_dump_size; §1.4, §1.5",
  ),
  "kernel.file-private": def(
    "private file mappings follow mapped-private",
    "vm_file set and MMF_DUMP_MAPPED_PRIVATE: the whole VMA is dumped",
    "fs/coredump.c: vma_dump_size; §1.4",
  ),
  "kernel.elf-header-page": def(
    "the first page of an ELF file mapped at offset 0 is dumped",
    "MMF_DUMP_ELF_HEADERS, vm_pgoff == 0, VM_READ, and (5.10+) the file has an exec bit or (≤5.9, 5.18+) memory starts with \\x7fELF: one page",
    "fs/coredump.c: vma_dump_size (FILTER(ELF_HEADERS)); §1.4, §1.9",
  ),
  "kernel.not-selected": def(
    "no filter bit selects this private file mapping",
    "private file mapping, mapped-private clear and the ELF-header rule does not apply: 0",
    "fs/coredump.c: vma_dump_size; §1.4",
  ),
  "kernel.elf-header-needs-read": def(
    "an exec-only ELF mapping gets nothing from the kernel",
    "the ELF-header rule requires VM_READ; --xp mappings are not dumped",
    "fs/coredump.c: vma_dump_size; §4.3 row 7",
  ),
  "kernel.no-anon-vma": def(
    "never-written private memory has no anon_vma, so the kernel saves nothing",
    "anon-private applies only with vma->anon_vma; untouched and read-only-touched memory has none",
    "fs/coredump.c: vma_dump_size; §1.5, §4.3 row 11",
  ),
  // GDB rules (dump_mapping_p and its callers).
  "gdb.no-anonymous-field": def(
    "a smaps block without an Anonymous: field is dumped as GDB's fallback",
    "linux_find_memory_regions_full: no smaps counters, the mapping is dumped",
    "gdb/linux-tdep.c: linux_find_memory_regions_full; §2.2",
  ),
  "gdb.vdso-vsyscall": def(
    "[vdso] and [vsyscall] are always dumped by gcore",
    "dump_mapping_p() returns true for [vdso]/[vsyscall] before the filter",
    "gdb/linux-tdep.c: dump_mapping_p; §2.4",
  ),
  "gdb.io": def(
    "gcore never dumps VM_IO mappings such as [vvar]",
    "dump_mapping_p(): the io VmFlag excludes the mapping",
    "gdb/linux-tdep.c: dump_mapping_p; §2.4, §4.3 row 10",
  ),
  "gdb.dontdump": def(
    "gcore skips MADV_DONTDUMP mappings unless dump-excluded-mappings is on",
    "dump_mapping_p(): the dd VmFlag excludes the mapping unless `set dump-excluded-mappings on`",
    "gdb/linux-tdep.c: dump_mapping_p; §2.4, §2.9",
  ),
  "gdb.hugetlb": def(
    "hugetlb mappings follow the hugetlb filter bits in gcore",
    "dump_mapping_p(): the ht VmFlag selects the hugetlb-private/hugetlb-shared bits",
    "gdb/linux-tdep.c: dump_mapping_p; §2.4",
  ),
  "gdb.anon-private": def(
    "private anonymous memory (to GDB) follows anon-private",
    "dump_mapping_p(): private mapping that GDB calls anonymous, COREFILTER_ANON_PRIVATE",
    "gdb/linux-tdep.c: dump_mapping_p, mapping_is_anonymous_p; §2.3, §2.4",
  ),
  "gdb.anon-shared": def(
    "shared anonymous memory (to GDB) follows anon-shared",
    "dump_mapping_p(): shared mapping that GDB calls anonymous, COREFILTER_ANON_SHARED",
    "gdb/linux-tdep.c: dump_mapping_p, mapping_is_anonymous_p; §2.3, §2.4",
  ),
  "gdb.file-private": def(
    "private file mappings (to GDB) follow mapped-private",
    "dump_mapping_p(): private file mapping, COREFILTER_MAPPED_PRIVATE",
    "gdb/linux-tdep.c: dump_mapping_p; §2.4",
  ),
  "gdb.file-shared": def(
    "shared file mappings (to GDB) follow mapped-shared",
    "dump_mapping_p(): shared file mapping, COREFILTER_MAPPED_SHARED",
    "gdb/linux-tdep.c: dump_mapping_p; §2.4",
  ),
  "gdb.deleted-name-is-anonymous": def(
    'gcore treats any name ending in " (deleted)" as anonymous memory',
    'mapping_is_anonymous_p(): a filename ending in " (deleted)" counts as anonymous',
    "gdb/linux-tdep.c: mapping_is_anonymous_p; §2.3, §4.3 rows 12-14",
  ),
  "gdb.whole-mapping-elf": def(
    "gcore dumps the whole mapping when it starts with ELF magic",
    "dump_mapping_p(): COREFILTER_ELF_HEADERS, offset 0 and \\x7fELF read through target memory: the whole mapping",
    "gdb/linux-tdep.c: dump_mapping_p; §2.4, §4.3 row 7",
  ),
  "gdb.not-selected": def(
    "gcore dumps no part of a mapping that its filter does not select",
    "dump_mapping_p() returns false",
    "gdb/linux-tdep.c: dump_mapping_p; §2.4",
  ),
  "gdb.omits-empty-segment": def(
    "gcore writes no program header for a mapping it does not dump",
    "the kernel writes a zero-size PT_LOAD for every VMA; gcore creates sections only for dumped mappings",
    "fs/binfmt_elf.c: elf_core_dump; gdb/gcore.c: gcore_create_callback; §4.3 row 5",
  ),
  "gdb.dumps-inaccessible": def(
    "gcore dumps PROT_NONE mappings whole; the kernel writes nothing for them",
    "PROT_NONE reservations have no anon_vma (kernel: 0); GDB reads them through /proc/PID/mem",
    "gdb/gcore.c: gcore_copy_callback; §4.3 row 11",
  ),
  "gdb.prstatus-minimal": def(
    "gcore fills NT_PRSTATUS with pid, cursig and registers only",
    "GDB's pr_cursig is the stop signal of the signalled thread (0 after attach); the kernel writes the fatal signal",
    "gdb/linux-tdep.c: linux_collect_thread_registers; §4.3 row 26",
  ),
  "gdb.attach-sigstop": def(
    "after attach, gcore records each thread's last stop (SIGSTOP)",
    "GDB's NT_SIGINFO holds the last stop signal; the kernel's the fatal signal",
    "gdb/linux-tdep.c: linux_get_siginfo_data; §4.3 row 25",
  ),
  "gdb.fname-basename": def(
    "gcore writes the basename of argv[0] in pr_fname",
    "GDB fills pr_fname from the executable's basename; the kernel from the leader's comm",
    "gdb/linux-tdep.c: linux_fill_prpsinfo; §4.3 row 27",
  ),
  "gdb.psargs-after-attach": def(
    "after attach, gcore's pr_psargs holds argv[0] only",
    "GDB builds pr_psargs from the first string of /proc/PID/cmdline plus its inferior arguments, and has none after attach; the kernel copies the real argv. Checked: the gcore's psargs is the kernel's first word",
    "gdb/linux-tdep.c: linux_fill_prpsinfo; fs/binfmt_elf.c: fill_psinfo; §4.3 row 27",
  ),
  "gdb.xsave-size": def(
    "NT_X86_XSTATE sizes differ between the producers",
    "GDB before 14 sizes XSAVE from XCR0 with the Intel layout; the kernel from CPUID",
    "gdb/i387-tdep.c; arch/x86/kernel/fpu/xstate.c; §4.3 row 28",
  ),
  "gdb.siginfo-per-thread": def(
    "gcore writes one NT_SIGINFO per thread; the kernel one",
    "linux_corefile_thread() adds NT_SIGINFO for every thread; fill_note_info() once",
    "gdb/linux-tdep.c: linux_corefile_thread; fs/binfmt_elf.c: fill_note_info; §4.3 row 25",
  ),
  "gdb.ppid-tgid": def(
    "pr_ppid is the parent thread's id in the kernel core, the parent process id in the gcore",
    "the kernel writes task_pid_vnr(real_parent) (the forking thread of a multi-threaded parent); GDB reads the parent's tgid from /proc/PID/stat",
    "fs/binfmt_elf.c: fill_psinfo; gdb/linux-tdep.c: linux_fill_prpsinfo; §2.7",
  ),
  "gdb.nt-file-escaped-name": def(
    "gcore copies NT_FILE names from smaps (\\012 escapes); the kernel writes raw bytes",
    "GDB reads names from /proc/PID/maps text; the kernel from d_path",
    "gdb/linux-tdep.c: linux_make_mappings_corefile_notes; fs/binfmt_elf.c: fill_files_note; §4.3 row 30",
  ),
  "kernel.nt-file-size-cap": def(
    "the kernel wrote no NT_FILE: 64 bytes per mapping reached its size cap (4 MiB by default, 65,536 mappings)",
    "fill_files_note sizes the note as 64 x vma_count and drops it when that reaches core_file_note_size_limit (MAX_FILE_NOTE_SIZE, 4 MiB, before 6.10); GDB writes NT_FILE whatever the count",
    "fs/binfmt_elf.c: fill_files_note; gdb/linux-tdep.c: linux_make_mappings_corefile_notes; §1.8.4",
  ),
  // Layout.
  "layout.flags-read-forced": def(
    "gcore always sets PF_R; the kernel writes the VMA's real permissions",
    "GDB's sections are always SEC_READONLY|SEC_ALLOC with PF_R; the kernel maps VM_READ/WRITE/EXEC",
    "gdb/gcore.c: gcore_create_callback; fs/binfmt_elf.c: vma_get_flags; §4.3 row 8",
  ),
  "layout.thread-order": def(
    "the producers list threads in different orders",
    "the kernel lists the dumping thread first; gcore the signalled or current thread",
    "fs/binfmt_elf.c: fill_note_info; gdb/linux-tdep.c: linux_make_corefile_notes; §4.3 row 31",
  ),
  "layout.kernel-only-note": def(
    "only the kernel writes this note, under the regsets of the core's ABI",
    "the kernel writes every active regset of the task's user_regset_view (x86-64, i386 compat, x32, aarch64 tables); GDB only the register sections its iterate_over_regset_sections lists (i386: one FP set; aarch64: no HW_BREAK/HW_WATCH/SYSTEM_CALL); NT_X86_XSAVE_LAYOUT (Linux ≥ 6.12) has no GDB counterpart",
    "fs/binfmt_elf.c: fill_thread_core_info; arch/x86/kernel/ptrace.c, arch/arm64/kernel/ptrace.c; gdb/i386-linux-tdep.c, amd64-linux-tdep.c, aarch64-linux-tdep.c; §4.3 row 29",
  ),
  "layout.gdb-only-note": def(
    "only GDB writes this note",
    "NT_GDB_TDESC holds GDB's target description",
    "gdb/gcore-elf.c: gcore_elf_make_tdesc_note; §4.3 row 29",
  ),
  "layout.truncated": def(
    "the file ends before the data its headers describe",
    "RLIMIT_CORE stops the kernel's writes mid-file, or the copy was cut",
    "fs/coredump.c: dump_emit; §1.7.6, §4.4",
  ),
  // Timing.
  "timing.volatile-content": def(
    "writable memory changed between the two dump moments",
    "a running process writes its memory between gcore and the kernel's dump",
    "§4.1",
  ),
  "timing.program-write": def(
    "writable memory changed between the two dump moments outside every volatile place",
    "a running process writes its data between gcore and the kernel's dump; only stacks below the saved stack pointer, TLS/thread control/rseq and libc's locks move by rule, anything else is the program's own write",
    "§4.1",
  ),
  "timing.registers": def(
    "registers changed between the two dump moments",
    "gcore is taken before the crash; the kernel dumps at the fatal signal",
    "§4.1, §4.3 row 26",
  ),
  "timing.process-state": def(
    "the process state differs between the dump moments",
    "gcore reads the state of a stopped process; the kernel of a dying one",
    "§4.3 row 27",
  ),
  // Debugger side effects.
  "side-effect.debugger-breakpoint": def(
    "text pages differ where a debugger's breakpoints were written",
    "breakpoints written by ptrace make private copies of text pages (copy-on-write)",
    "§4.3 row 23",
  ),
  // Modules (build-ids read from the saved ELF header pages).
  "module.build-id-differs": def(
    "the same path was a different build of the file in each process",
    "the NT_GNU_BUILD_ID read from the module's saved first page differs between the cores",
    "fs/binfmt_elf.c: fill_files_note; MMF_DUMP_ELF_HEADERS (elf-headers) in vma_dump_size; §1.4",
  ),
  "module.only-in-one-core": def(
    "an ELF module is mapped in one process and its path is not mapped in the other",
    "the module's ELF header page is in one core and NT_FILE of the other core does not name its path",
    "fs/binfmt_elf.c: fill_files_note; §2.8",
  ),
  ...RUN_REASONS,
};

/** Every reason code, in documentation order. */
export const REASON_CODES: readonly ReasonCode[] = Object.keys(REASONS) as ReasonCode[];

// The policy engine's codes are part of the vocabulary: this fails to compile when one is missing.
const _policyCodes: readonly ReasonCode[] = [] as (KernelReason | GdbReason)[];

/**
 * Whether `code` is in the vocabulary.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.ok(isReasonCode("kernel.elf-header-page"));
 * assert.ok(!isReasonCode("kernel.made-up"));
 * ```
 */
export function isReasonCode(code: string): code is ReasonCode {
  return Object.hasOwn(REASONS, code);
}

/**
 * The vocabulary as Markdown: `docs/reason-codes.md` is exactly this text.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.match(renderReasonCodes(), /\| `gdb.io` \|/);
 * ```
 */
export function renderReasonCodes(): string {
  const cell = (s: string) => s.replaceAll("|", "\\|");
  const rows = REASON_CODES.map((c) => {
    const d: ReasonDefinition = REASONS[c];
    return `| \`${c}\` | ${cell(d.meaning)} | ${cell(d.rule)} | ${cell(d.source)} |`;
  });
  return [
    "# Reason codes",
    "",
    "Every reason a coredelta report or prediction can give, generated from `lib/diff/reasons.ts`",
    "(do not edit by hand: `deno task docs` writes it, and a test keeps it equal to the code).",
    "Sections (§) refer to [dump-policies.md](dump-policies.md), our copy of the producers' spec.",
    "",
    "| code | meaning | rule | source |",
    "| --- | --- | --- | --- |",
    ...rows,
    "",
  ].join("\n");
}
