/**
 * The files and reports of `coredelta capture`: the prediction and manifest of each captured pair,
 * its diff (`--diff`), and the report outputs (`--format F -o FILE`, repeatable), one document per
 * output even when several filters were captured (JUnit: one test suite per filter).
 *
 * @module
 */

import { predictionOf, prepareContext } from "../lib/diff/context.ts";
import { diffDigests } from "../lib/diff/diff.ts";
import type { DiffReport } from "../lib/diff/model.ts";
import type { GdbSettings } from "../lib/policy/gdb.ts";
import { toJson } from "../lib/report/json.ts";
import { renderReport, type ReportFormat } from "../lib/report/render.ts";
import type { CoreDigest } from "../lib/digest/model.ts";
import { digestFiles } from "../runtime/digest.ts";
import type { LiveProcess } from "../runtime/proc.ts";
import type { CommandIO } from "./args.ts";

/** One requested report output: a format and a file (stdout when absent). */
export interface Output {
  /** The report format. */
  readonly format: ReportFormat;
  /** The file; stdout when absent. */
  readonly path?: string;
}

/** One captured pair. */
export interface Captured {
  /** Folder name, `f033`. */
  readonly name: string;
  /** Its final folder. */
  readonly dir: string;
  /** The diff report (with `--diff`). */
  readonly report?: DiffReport;
}

/**
 * The report format a file name implies (`.xml` JUnit, `.md` Markdown, `.json`, `.html`, else text).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(formatOf("report.xml"), "junit");
 * assert.equal(formatOf("summary.md"), "md");
 * assert.equal(formatOf("out.txt"), "text");
 * ```
 */
export function formatOf(path: string): ReportFormat {
  const ext = path.toLowerCase().split(".").pop();
  return ext === "xml"
    ? "junit"
    : ext === "md"
    ? "md"
    : ext === "json"
    ? "json"
    : ext === "html" || ext === "htm"
    ? "html"
    : "text";
}

/**
 * Writes `prediction.json` and `manifest.json` into the staging folder and, with `diff`, diffs the
 * pair (kernel core A, gcore B) with the live smaps, filter, facts and GDB settings, saving
 * `report.json`.
 */
export async function diffCapture(
  c: {
    name: string;
    dir: string;
    stage: string;
    live: LiveProcess;
    manifest: Record<string, unknown>;
    settings: GdbSettings;
  },
  diff: boolean,
): Promise<Captured> {
  const context = prepareContext({
    smaps: c.live.document ?? c.live.smaps,
    filter: `0x${parseInt(c.live.filter, 16).toString(16)}`,
    hints: c.live.hints,
    expect: "kernel-vs-gdb",
    ...(c.settings.useCoredumpFilter !== undefined
      ? { gdbUseFilter: c.settings.useCoredumpFilter }
      : {}),
    ...(c.settings.dumpExcludedMappings !== undefined
      ? { gdbDumpExcluded: c.settings.dumpExcludedMappings }
      : {}),
  });
  await Deno.writeTextFile(`${c.stage}/prediction.json`, toJson(predictionOf(context)));
  let report: DiffReport | undefined;
  if (diff) {
    const [a, b] = await digestFiles([`${c.stage}/kernel.core`, `${c.stage}/gdb.core`]) as [
      CoreDigest,
      CoreDigest,
    ];
    report = diffDigests(a, b, {
      context,
      labels: { a: `${c.name}/kernel.core`, b: `${c.name}/gdb.core` },
    });
    await Deno.writeTextFile(`${c.stage}/report.json`, renderReport(report, "json"));
  }
  const manifest = {
    ...c.manifest,
    ...(report
      ? {
        verdict: report.verdict,
        differences: report.summary.differences,
        unexpected: report.summary.unexpected,
        unexplained: report.summary.unexplained,
      }
      : {}),
  };
  await Deno.writeTextFile(`${c.stage}/manifest.json`, `${JSON.stringify(manifest, null, 2)}\n`);
  return { name: c.name, dir: c.dir, ...(report ? { report } : {}) };
}

/** Renders the reports of every captured pair as one document in `format`. */
export function combine(items: readonly Captured[], format: ReportFormat): string {
  const done = items.filter((i) => i.report);
  if (done.length === 1) return renderReport(done[0]!.report!, format);
  const each = done.map((i) => ({ name: i.name, text: renderReport(i.report!, format) }));
  switch (format) {
    case "json":
      return toJson({
        verdict: done.every((i) => i.report!.verdict === "pass") ? "pass" : "fail",
        captures: done.map((i) => ({ filter: i.name, report: i.report })),
      });
    case "junit": {
      const suites = each.map((e) => e.text.match(/<testsuite [\s\S]*<\/testsuite>/)?.[0] ?? "");
      const count = (k: string) =>
        each.reduce(
          (n, e) =>
            n + Number(e.text.match(new RegExp(`<testsuites[^>]* ${k}="(\\d+)"`))?.[1] ?? 0),
          0,
        );
      return `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="coredelta" tests="${count("tests")}" failures="${count("failures")}">
  ${suites.join("\n  ")}
</testsuites>
`;
    }
    case "html": {
      const bodies = each.map((e) =>
        `<section><h2>${e.name}</h2>${e.text.match(/<body>([\s\S]*)<\/body>/)?.[1] ?? ""}</section>`
      );
      const head = each[0]!.text.match(/^[\s\S]*?<body>/)?.[0] ?? "<!doctype html><body>";
      return `${head}\n${bodies.join("\n")}\n</body></html>\n`;
    }
    case "md":
      return each.map((e) => `## ${e.name}\n\n${e.text.trim()}\n`).join("\n");
    default:
      return each.map((e) => `== ${e.name}\n${e.text.trim()}\n`).join("\n");
  }
}

/** Writes every requested output (stdout when it has no path). */
export async function writeOutputs(
  items: readonly Captured[],
  outputs: readonly Output[],
  io: CommandIO,
): Promise<void> {
  for (const o of outputs) {
    const text = combine(items, o.format);
    if (o.path) await Deno.writeTextFile(o.path, text);
    else io.stdout(text);
  }
}
