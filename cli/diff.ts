/**
 * `coredelta diff A B [--smaps FILE] [--filter F] [--expect auto|kernel-vs-gdb|identical]
 * [--format text|json|md|junit|html]`: every difference between two cores (or digests) of the same
 * process, explained, with a verdict. Exit 0 pass, 1 fail, 2 usage or input error.
 *
 * @module
 */

import { diffDigests } from "../lib/diff/diff.ts";
import { renderReport, REPORT_FORMATS } from "../lib/report/render.ts";
import { digestFiles } from "../runtime/digest.ts";
import type { CoreDigest } from "../lib/digest/model.ts";
import { readLiveProcess } from "../runtime/proc.ts";
import { type CommandIO, oneOf, parse, UsageError } from "./args.ts";
import { parsePid } from "./predict.ts";

/** Help text of `diff`. */
export const DIFF_HELP = `Usage: coredelta diff A B [options]

Compares two cores (plain, gzip, zstd, xz, or digests made by 'coredelta digest') of the same
process — usually a kernel core and a gcore — and explains every difference with a reason code.

Options:
  --smaps FILE         /proc/PID/smaps (or maps) of the process: explanations from the dump rules
  --pid PID            the process is still running: read its smaps, coredump_filter and the
                       facts smaps cannot show (exec bits, link counts, ELF magic) from /proc
  --filter F           its coredump_filter (0x33, 00000033, or bit names); default 0x33 with --smaps
  --expect E           auto (default: kernel-vs-gdb when producers differ, else identical),
                       kernel-vs-gdb, or identical
  --format F           text (default), json, md, junit, html
  -o, --output FILE    write the report to FILE instead of stdout
  -h, --help           this help

Exit codes: 0 every difference expected (pass), 1 unexpected differences (fail), 2 usage or input error.
`;

/** Runs `diff`; returns the exit code. */
export async function diffCommand(args: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parse(args, {
    smaps: { type: "string" },
    pid: { type: "string" },
    filter: { type: "string" },
    expect: { type: "string" },
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
  if (positionals.length !== 2) throw new UsageError("diff takes exactly two paths, A and B");
  const [pa, pb] = positionals as [string, string];
  const [a, b] = await digestFiles([pa, pb]) as [CoreDigest, CoreDigest];
  if (values.pid !== undefined && values.smaps !== undefined) {
    throw new UsageError("--pid reads smaps from the process: drop --smaps");
  }
  const live = values.pid === undefined ? undefined : await readLiveProcess(parsePid(values.pid));
  const smaps = live?.smaps ??
    (values.smaps === undefined ? undefined : await Deno.readTextFile(values.smaps));
  const filter = values.filter ?? live?.filter;
  const report = diffDigests(a, b, {
    expect,
    labels: { a: pa, b: pb },
    ...(smaps !== undefined ? { smaps } : {}),
    ...(filter !== undefined ? { filter } : {}),
    ...(live ? { hints: live.hints } : {}),
  });
  const text = renderReport(report, format);
  if (values.output) await Deno.writeTextFile(values.output, text);
  else io.stdout(text);
  return report.verdict === "pass" ? 0 : 1;
}
