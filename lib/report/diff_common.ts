/**
 * Small pieces shared by the diff renderers.
 *
 * @module
 */

import { flagString } from "../elf/constants.ts";
import type { CollapsedRun, Difference, DiffReport, RangeDiff, RangeSide } from "../diff/model.ts";
import { collapsedTotals } from "../diff/collapse.ts";
import type { Module } from "../digest/modules.ts";
import { buildIdText } from "./inspect.ts";
import { hex } from "../bytes/hex.ts";

/**
 * The lines every format shows at the top, below the inputs: each truncated core (where it ends,
 * what is missing, whether the core size limit cut it), the settings the explanations used, the
 * settings inferred from the pair and the given settings the cores contradict.
 */
export function headlineNotices(r: DiffReport): string[] {
  const out: string[] = [];
  for (const [k, c] of [["A", r.a], ["B", r.b]] as const) {
    if (c.truncation) out.push(`${k} is ${c.truncation.text}`);
  }
  const ctx = r.context;
  const s = ctx.settings;
  const settings = ctx.smaps
    ? [
      `gdb use-coredump-filter ${s.gdbUseFilter ? "on" : "off"}`,
      `dump-excluded-mappings ${s.gdbDumpExcluded ? "on" : "off"}`,
      `kernel profile ${s.kernelProfile}`,
    ]
    : [];
  if (settings.length) out.push(`settings: ${settings.join(", ")}`);
  for (const i of ctx.inferred ?? []) out.push(`inferred ${i.setting} = ${i.value}: ${i.text}`);
  for (const c of ctx.contradictions ?? []) {
    out.push(`contradiction (${c.what}: given ${c.given}, fits ${c.fits}): ${c.text}`);
  }
  return out;
}

/** `start-end` of a range in hex. */
export function rangeLabel(r: { start: bigint; end: bigint }): string {
  return `${hex(r.start, 12)}-${hex(r.end, 12)}`;
}

/** A side as `R E 0x2000` (flags and saved bytes) or `-` when absent. */
export function sideLabel(s: RangeSide): string {
  return s.present ? `${flagString(s.flags ?? 0).replaceAll(" ", ".")} ${hex(s.saved)}` : "-";
}

/** The reason codes of a range's differences, deduplicated. */
export function reasonCodes(
  ds: readonly Pick<Difference, "unexplained" | "reasons">[],
): string[] {
  const codes = new Set<string>();
  for (const d of ds) {
    if (d.unexplained) codes.add("unexplained");
    for (const r of d.reasons) codes.add(r.code);
  }
  return [...codes];
}

/** Whether a range has a difference that breaks the verdict. */
export function failing(r: Pick<RangeDiff, "differences">): boolean {
  return r.differences.some((d) => !d.expected);
}

/** A short mapping name: the last path component, or the bracketed name. */
export function shortName(name: string): string {
  if (!name) return "";
  if (name.startsWith("[")) return name;
  const i = name.lastIndexOf("/");
  return i >= 0 ? name.slice(i + 1) : name;
}

/** One row per module path of either core: path, build-id in A, build-id in B (or why not). */
export function moduleRows(r: DiffReport): [string, string, string][] {
  const ids = (ms: readonly Module[] | undefined) =>
    new Map((ms ?? []).map((m) => [m.path, buildIdText(m)] as const));
  const a = ids(r.a.modules), b = ids(r.b.modules);
  const paths = [...new Set([...a.keys(), ...b.keys()])];
  return paths.map((p) => [p, a.get(p) ?? "-", b.get(p) ?? "-"]);
}

/** A listed range or a run of collapsed equal ranges, in address order. */
export type ReportRow =
  | { readonly kind: "range"; readonly range: RangeDiff }
  | { readonly kind: "run"; readonly run: CollapsedRun };

/** The listed ranges with the collapsed runs interleaved where they lie. */
export function reportRows(r: DiffReport): ReportRow[] {
  const rows: ReportRow[] = [];
  const runs = r.collapsed ?? [];
  let k = 0;
  r.ranges.forEach((range, i) => {
    while (k < runs.length && runs[k]!.before <= i) rows.push({ kind: "run", run: runs[k++]! });
    rows.push({ kind: "range", range });
  });
  while (k < runs.length) rows.push({ kind: "run", run: runs[k++]! });
  return rows;
}

/** "N equal ranges (M pages)" for a collapsed run. */
export function runLabel(run: CollapsedRun): string {
  return `${run.ranges} equal range(s), ${run.pages} page(s)`;
}

/** One sentence on what was collapsed, or "" when nothing was. */
export function collapsedSentence(r: DiffReport): string {
  const t = collapsedTotals(r);
  return t.ranges === 0
    ? ""
    : `${t.ranges} range(s) equal in both cores (${t.pages} pages) are counted in ${t.runs} run(s), not listed; all ranges: --all-ranges or GET /v1/reports/{id}/ranges.`;
}
