/**
 * The analysis flags `diff` and `predict` share (smaps, filter, producers' settings), with one
 * help text and one translation into `prepareContext`'s input, so the two commands spell every
 * setting the same way and read the smaps file before any core is hashed.
 *
 * @module
 */

import type { ContextInput } from "../lib/diff/context.ts";
import { KERNEL_PROFILES } from "../lib/policy/kernel.ts";
import { oneOf } from "./args.ts";

/** `parseArgs` options of the shared flags. */
export const CONTEXT_FLAGS = {
  smaps: { type: "string" },
  filter: { type: "string" },
  "kernel-profile": { type: "string" },
  "gdb-use-filter": { type: "string" },
  "gdb-dump-excluded": { type: "string" },
} as const;

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
 * @param readText reads a text file
 */
export async function contextInput(
  values: ContextFlagValues,
  readText: (path: string) => Promise<string>,
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
    smaps: values.smaps === undefined ? undefined : await readText(values.smaps),
  };
}
