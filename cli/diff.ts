/**
 * `coredelta diff A B [--smaps FILE] [--filter F] [--expect auto|kernel-vs-gdb|identical]
 * [--format text|json|md|junit|html]`: every difference between two cores (or digests) of the same
 * process, explained, with a verdict. Exit 0 pass, 1 fail, 2 usage or input error.
 *
 * @module
 */

import { diffDigests } from "../lib/diff/diff.ts";
import { KERNEL_PROFILES } from "../lib/policy/kernel.ts";
import { renderReport, REPORT_FORMATS } from "../lib/report/render.ts";
import { digestFiles } from "../runtime/digest.ts";
import type { CoreDigest } from "../lib/digest/model.ts";
import { type CommandIO, oneOf, parse, UsageError } from "./args.ts";

/** Help text of `diff`. */
export const DIFF_HELP = `Usage: coredelta diff A B [options]

Compares two cores (plain, gzip, zstd, xz, or digests made by 'coredelta digest') of the same
process — usually a kernel core and a gcore — and explains every difference with a reason code.

Options:
  --smaps FILE         /proc/PID/smaps (or maps) of the process: explanations from the dump rules
  --filter F           its coredump_filter (0x33, 00000033, or bit names); default 0x33 with --smaps
  --expect E           auto (default: kernel-vs-gdb when producers differ, else identical),
                       kernel-vs-gdb, or identical
  --gdb-use-filter on|off     GDB 'use-coredump-filter' of the gcore (as predict; default on;
                              inferred from the pair with --smaps when not given)
  --gdb-dump-excluded on|off  GDB 'dump-excluded-mappings' (default off; inferred when not given);
                              'gcore -a' = --gdb-use-filter off --gdb-dump-excluded on
  --kernel-profile P          kernel (>=5.18, default), kernel-5.10 (5.10-5.17), kernel-5.9 (<=5.9)
  --format F           text (default), json, md, junit, html
  -o, --output FILE    write the report to FILE instead of stdout
  -h, --help           this help

Exit codes: 0 every difference expected (pass), 1 unexpected differences (fail), 2 usage or input error.
`;

/** Runs `diff`; returns the exit code. */
export async function diffCommand(args: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parse(args, {
    smaps: { type: "string" },
    filter: { type: "string" },
    expect: { type: "string" },
    "gdb-use-filter": { type: "string" },
    "gdb-dump-excluded": { type: "string" },
    "kernel-profile": { type: "string" },
    format: { type: "string" },
    output: { type: "string", short: "o" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    io.stdout(DIFF_HELP);
    return 0;
  }
  const format = oneOf("format", values.format, REPORT_FORMATS, "text");
  const expect = oneOf(
    "expect",
    values.expect,
    ["auto", "kernel-vs-gdb", "identical"] as const,
    "auto",
  );
  const onOff = (name: string, v: string | undefined) =>
    v === undefined ? undefined : oneOf(name, v, ["on", "off"] as const, "on") === "on";
  const gdbUseFilter = onOff("gdb-use-filter", values["gdb-use-filter"]);
  const gdbDumpExcluded = onOff("gdb-dump-excluded", values["gdb-dump-excluded"]);
  const kernelProfile = oneOf(
    "kernel-profile",
    values["kernel-profile"],
    KERNEL_PROFILES,
    "kernel",
  );
  if (positionals.length !== 2) throw new UsageError("diff takes exactly two paths, A and B");
  const [pa, pb] = positionals as [string, string];
  const [a, b] = await digestFiles([pa, pb]) as [CoreDigest, CoreDigest];
  const smaps = values.smaps === undefined ? undefined : await Deno.readTextFile(values.smaps);
  const report = diffDigests(a, b, {
    expect,
    labels: { a: pa, b: pb },
    ...(smaps !== undefined ? { smaps } : {}),
    ...(values.filter !== undefined ? { filter: values.filter } : {}),
    ...(gdbUseFilter !== undefined ? { gdbUseFilter } : {}),
    ...(gdbDumpExcluded !== undefined ? { gdbDumpExcluded } : {}),
    kernelProfile,
  });
  const text = renderReport(report, format);
  if (values.output) await Deno.writeTextFile(values.output, text);
  else io.stdout(text);
  return report.verdict === "pass" ? 0 : 1;
}
