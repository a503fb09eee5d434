/**
 * Reason codes of run-vs-attach notes and kernel dump holes (see `reasons.ts`, which includes them).
 *
 * @module
 */

import type { ReasonDefinition } from "./reasons.ts";

const def = (meaning: string, rule: string, source: string): ReasonDefinition => ({
  meaning,
  rule,
  source,
});

/** The definitions, keyed by code. */
export const MORE_REASONS = {
  "gdb.psargs-inferior-args": def(
    "for a process started under GDB, gcore's pr_psargs holds argv[0] and GDB's inferior arguments as typed",
    "GDB appends its inferior arguments (shell quoting kept) to argv[0]; the kernel turns each NUL of the argument area into a space (a trailing space) and stops at 79 bytes. Checked: equal after unquoting, up to the shorter",
    "gdb/linux-tdep.c: linux_fill_prpsinfo; fs/binfmt_elf.c: fill_psinfo; §4.3 row 27",
  ),
  "gdb.stop-signal": def(
    "gcore records the signal that last stopped the process under GDB",
    "GDB's NT_SIGINFO comes from the stop GDB reported (under run: SIGTRAP, SIGINT, a crash signal; after attach and an interrupt: that signal); the kernel records the fatal signal",
    "gdb/linux-tdep.c: linux_corefile_thread, linux_get_siginfo_data; §4.3 row 25",
  ),
  "kernel.hole-not-present": def(
    "an anonymous page is a hole (zeros) in the kernel core but has data in the gcore",
    "get_dump_page() uses FOLL_DUMP: in an anonymous VMA an empty PTE at the dump moment gives no page, and the kernel skips it as a hole (reads as zeros); memory that cannot be written was not rewritten, its page was dropped (e.g. MADV_FREE pages reclaimed)",
    "fs/coredump.c: dump_user_range; mm/gup.c: get_dump_page, no_page_table; §1.6",
  ),
} as const;
