/**
 * `coredelta diff A B [--smaps FILE] [--filter F] [--expect auto|kernel-vs-gdb|identical]
 * [--format text|json|md|junit|html]`: every difference between two cores (or digests) of the same
 * process, explained, with a verdict. Exit 0 pass, 1 fail, 2 usage or input error.
 *
 * @module
 */

import { EXPECTATIONS, prepareContext } from "../lib/diff/context.ts";
import { diffDigests } from "../lib/diff/diff.ts";
import { jsonChunks } from "../lib/report/json.ts";
import { renderReport, REPORT_FORMATS } from "../lib/report/render.ts";
import { digestFiles } from "../runtime/digest.ts";
import { writeOutput } from "../runtime/output.ts";
import type { CoreDigest } from "../lib/digest/model.ts";
import { type CommandIO, oneOf, parse, UsageError } from "./args.ts";
import { CONTEXT_FLAGS, CONTEXT_HELP, contextInput, liveInput, PID_HELP } from "./context_flags.ts";

/** Help text of `diff`. */
export const DIFF_HELP = `Usage: coredelta diff A B [options]

Compares two cores (plain, gzip, zstd, xz, or digests made by 'coredelta digest') of the same
process — usually a kernel core and a gcore — and explains every difference with a reason code.

With --smaps (and --filter), explanations come from the dump rules' predictions for each mapping;
the filter defaults to 0x33 with --smaps. A filter or GDB setting not given is inferred from the
pair when it shows one (the report says so); a given one the cores contradict is reported.

Options:
${CONTEXT_HELP}${PID_HELP}  --expect E                     auto (default: kernel-vs-gdb when producers differ,
                                 else identical), kernel-vs-gdb, identical, or same-program
                                 (two runs of one program: mappings aligned by path, offset
                                 and name, with each pair's address shift)
  --format F                     text (default), json, md, junit, html
  --all-ranges                   list every aligned range (default: ranges equal in both cores
                                 are counted in runs, not listed)
  -o, --output FILE              write the report to FILE instead of stdout (- for stdout;
                                 an existing file keeps its mode, a new one is 0600)
  -h, --help                     this help

Exit codes: 0 every difference expected (pass), 1 unexpected differences (fail), 2 usage or input error.
`;

/** Runs `diff`; returns the exit code. */
export async function diffCommand(args: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parse(args, {
    ...CONTEXT_FLAGS,
    expect: { type: "string" },
    format: { type: "string" },
    "all-ranges": { type: "boolean" },
    output: { type: "string", short: "o" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    io.stdout(DIFF_HELP);
    return 0;
  }
  const format = oneOf("format", values.format, REPORT_FORMATS, "text");
  const expect = oneOf("expect", values.expect, EXPECTATIONS, "auto");
  if (positionals.length !== 2) throw new UsageError("diff takes exactly two paths, A and B");
  const [pa, pb] = positionals as [string, string];
  // The context first: a bad smaps file or option fails before gigabytes are hashed.
  // The smaps file is parsed as it is read: its text (50 MB at 70,000 mappings) is never whole.
  const context = prepareContext({
    ...(await liveInput(values) ?? await contextInput(values)),
    expect,
  });
  const [a, b] = await digestFiles([pa, pb]) as [CoreDigest, CoreDigest];
  const report = diffDigests(a, b, {
    context,
    labels: { a: pa, b: pb },
    allRanges: values["all-ranges"] === true,
  });
  // JSON goes out range by range (a report with --all-ranges can list 70,000 of them), to stdout
  // or to a file that writeOutput renames into place once every piece is written.
  const chunks = format === "json"
    ? jsonChunks(report as unknown as Record<string, unknown>, "ranges")
    : [renderReport(report, format)];
  if (values.output && values.output !== "-") {
    await writeOutput(values.output, chunks);
  } else for (const chunk of chunks) io.stdout(chunk);
  return report.verdict === "pass" ? 0 : 1;
}
