/**
 * The reason codes of issue 14, kept beside the main vocabulary (`reasons.ts` spreads them in):
 * `identity.*`, why two cores are not one process, and `cross-run.*`, what the cross-run diff
 * (expectation `same-program`) finds between two runs.
 *
 * @module
 */

import type { ReasonDefinition } from "./reasons.ts";

const def = (meaning: string, rule: string, source: string): ReasonDefinition => ({
  meaning,
  rule,
  source,
});

/** One identity or cross-run code. */
export type RunReasonCode =
  | "identity.different-process"
  | "identity.different-run"
  | "identity.different-program"
  | "cross-run.file-changed"
  | "cross-run.relocated"
  | "cross-run.one-run-only";

/** Identity and cross-run codes with their definitions, in documentation order. */
export const RUN_REASONS: Readonly<Record<RunReasonCode, ReasonDefinition>> = {
  "identity.different-process": def(
    "A and B are two processes of one program with the same address layout",
    "the pids differ while the load addresses in the auxiliary vector (AT_ENTRY, AT_PHDR, AT_BASE, AT_SYSINFO_EHDR) are equal: ASLR off, or a fork",
    "NT_PRPSINFO pr_pid, NT_PRSTATUS pr_pid, NT_AUXV (fs/binfmt_elf.c: create_elf_tables); §1.8",
  ),
  "identity.different-run": def(
    "A and B are two runs (two execs) of one program",
    "the load or initial-stack addresses in the auxiliary vector differ: ASLR placed another exec elsewhere (AT_RANDOM, AT_EXECFN move with the stack)",
    "NT_AUXV (fs/binfmt_elf.c: create_elf_tables, arch_randomize_brk, mmap_base); §1.8",
  ),
  "identity.different-program": def(
    "A and B are cores of different programs",
    "the executable (the NT_FILE mapping that holds AT_PHDR) has another name, or the command names differ",
    "NT_FILE, NT_AUXV AT_PHDR, NT_PRPSINFO pr_fname; §1.8, §2.8",
  ),
  "cross-run.file-changed": def(
    "read-only pages of a file mapping differ between two runs: the file changed",
    "a file mapped read-only and not relocated is the same bytes in every run unless the file itself (a rebuilt library) differs",
    "mm/filemap.c (page cache); fs/binfmt_elf.c: fill_files_note pairs the mappings; §2.8",
  ),
  "cross-run.relocated": def(
    "relocated read-only data (RELRO) differs between runs",
    "the dynamic linker writes absolute addresses into RELRO before mprotect(PROT_READ); under ASLR they differ per run",
    "elf/dl-reloc.c: _dl_protect_relro",
  ),
  "cross-run.one-run-only": def(
    "a mapping exists in one run only",
    "each run maps what it needs (libraries loaded later, thread stacks, arenas); no counterpart by path, name or neighbours",
    "fs/binfmt_elf.c: fill_files_note (NT_FILE), one PT_LOAD per VMA; §2.8",
  ),
};
