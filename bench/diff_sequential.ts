/**
 * `coredelta diff A B` with the two cores digested one after the other on the main thread alone
 * (`digestFile` twice, no page Worker) instead of both cores shared with a page Worker
 * (`digestFiles`), so `bench/native.ts` can tell whether the Worker pays. Everything after the
 * digests is what `cli/diff.ts` does, and the text
 * report must come out byte for byte the same (the bench checks it).
 *
 * ```sh
 * deno run -A bench/diff_sequential.ts A B [--smaps FILE] [--filter F] [--format text|json|...]
 * ```
 *
 * Exit codes as `coredelta diff`: 0 pass, 1 fail, 2 usage.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { prepareContext } from "../lib/diff/context.ts";
import { diffDigests } from "../lib/diff/diff.ts";
import { renderReport, REPORT_FORMATS, type ReportFormat } from "../lib/report/render.ts";
import { digestFile } from "../runtime/digest.ts";

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    args: Deno.args,
    allowPositionals: true,
    options: {
      smaps: { type: "string" },
      filter: { type: "string" },
      format: { type: "string", default: "text" },
    },
  });
  const format = values.format as ReportFormat;
  if (positionals.length !== 2 || !REPORT_FORMATS.includes(format)) {
    console.error("usage: diff_sequential.ts A B [--smaps FILE] [--filter F] [--format F]");
    return 2;
  }
  const [pa, pb] = positionals as [string, string];
  const a = await digestFile(pa, { split: "never" });
  const b = await digestFile(pb, { split: "never" });
  const smaps = values.smaps === undefined ? undefined : await Deno.readTextFile(values.smaps);
  const context = prepareContext({ smaps, filter: values.filter });
  const report = diffDigests(a, b, { context, labels: { a: pa, b: pb } });
  await Deno.stdout.write(new TextEncoder().encode(renderReport(report, format)));
  return report.verdict === "pass" ? 0 : 1;
}

if (import.meta.main) Deno.exit(await main());
