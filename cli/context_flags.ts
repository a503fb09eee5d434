/**
 * The analysis flags `diff` and `predict` share (smaps, filter, producers' settings), with one
 * help text and one translation into `prepareContext`'s input, so the two commands spell every
 * setting the same way and read the smaps file before any core is hashed.
 *
 * @module
 */

import type { ContextInput } from "../lib/diff/context.ts";
import { KERNEL_PROFILES } from "../lib/policy/kernel.ts";
import type { SmapsDocument } from "../lib/smaps/parse.ts";
import { readLiveProcess } from "../runtime/proc.ts";
import { readSmapsFile } from "../runtime/smaps_file.ts";
import { oneOf, UsageError } from "./args.ts";

/** `parseArgs` options of the shared flags. */
export const CONTEXT_FLAGS = {
  smaps: { type: "string" },
  filter: { type: "string" },
  "kernel-profile": { type: "string" },
  "gdb-use-filter": { type: "string" },
  "gdb-dump-excluded": { type: "string" },
  pid: { type: "string" },
} as const;

/** Help lines of `--pid`. */
export const PID_HELP =
  `  --pid PID                      a live process instead of --smaps: reads its smaps and
                                 coredump_filter (--filter then asks "what if") and resolves exec
                                 bits and link counts (/proc/PID/map_files) and ELF magic
                                 (/proc/PID/mem), so nothing is left to assume
`;

/** Help lines of the shared flags. */
export const CONTEXT_HELP =
  `  --smaps FILE                   /proc/PID/smaps (or maps) text of the process
  --filter F                     coredump_filter: 00000033 (/proc form, hex), 0x33, or bit names
                                 (anon-private,anon-shared,mapped-private,mapped-shared,elf-headers,
                                 hugetlb-private,hugetlb-shared,dax-private,dax-shared or MMF_DUMP_*)
  --kernel-profile P             kernel (>=5.18, default), kernel-5.10 (5.10-5.17), kernel-5.9 (<=5.9)
  --gdb-use-filter on|off        GDB 'use-coredump-filter' (default on; off = GDB uses 0x33)
  --gdb-dump-excluded on|off     GDB 'dump-excluded-mappings' (default off; gcore -a = both changed)
`;

const onOff = (name: string, value: string | undefined): boolean | undefined =>
  value === undefined ? undefined : oneOf(name, value, ["on", "off"] as const, "on") === "on";

/** The parsed values of the shared flags. */
export type ContextFlagValues = { [K in keyof typeof CONTEXT_FLAGS]?: string | undefined };

/**
 * Turns the shared flags into `prepareContext` input, reading the smaps file.
 *
 * @param values parsed flag values
 * @param readSmaps reads the smaps file: its text, or the document parsed as it is read (the
 *   default: the 50 MB text of 70,000 mappings is never held whole)
 */
export async function contextInput(
  values: ContextFlagValues,
  readSmaps: (path: string) => Promise<string | SmapsDocument> = readSmapsFile,
): Promise<ContextInput> {
  const settings = {
    filter: values.filter,
    kernelProfile: values["kernel-profile"] === undefined
      ? undefined
      : oneOf("kernel-profile", values["kernel-profile"], KERNEL_PROFILES, "kernel"),
    gdbUseFilter: onOff("gdb-use-filter", values["gdb-use-filter"]),
    gdbDumpExcluded: onOff("gdb-dump-excluded", values["gdb-dump-excluded"]),
  };
  return {
    ...settings,
    smaps: values.smaps === undefined ? undefined : await readSmaps(values.smaps),
  };
}

/**
 * Parses a `--pid` value.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(parsePid("42"), 42);
 * assert.throws(() => parsePid("4x"), /process ID/);
 * ```
 */
export function parsePid(text: string): number {
  if (!/^[1-9][0-9]{0,9}$/.test(text)) {
    throw new UsageError(`--pid must be a process ID (got ${JSON.stringify(text)})`);
  }
  return Number(text);
}

/**
 * With `--pid`, the context input from the live process (its smaps, its filter unless `--filter`
 * is given, the facts read from /proc as hints); `undefined` without `--pid`.
 *
 * @param values parsed flag values
 */
export async function liveInput(values: ContextFlagValues): Promise<ContextInput | undefined> {
  if (values.pid === undefined) return undefined;
  if (values.smaps !== undefined) {
    throw new UsageError("--pid reads smaps from the process: drop --smaps");
  }
  const live = await readLiveProcess(parsePid(values.pid));
  const settings = await contextInput({ ...values, smaps: undefined }, () => Promise.resolve(""));
  return {
    ...settings,
    smaps: live.document ?? live.smaps,
    // The /proc form (00000033) would read as octal if written back: pass it as hex.
    filter: values.filter ?? `0x${parseInt(live.filter, 16).toString(16)}`,
    hints: live.hints,
  };
}
