/**
 * Reports proportional to what differs: ranges equal in both cores (status `same`, no difference)
 * collapse into counted runs, so a 70,000-mapping pair that differs in ten places gives a report of
 * ten ranges and a few runs, not 70,000 rows. The full list stays available (CLI `--all-ranges`,
 * API `GET /v1/reports/{id}/ranges`).
 *
 * @module
 */

import type { CollapsedRun, DiffReport, RangeDiff } from "./model.ts";

/** True when a range is equal in both cores and says nothing: it can be counted, not listed. */
export function isQuiet(r: RangeDiff): boolean {
  return r.status === "same" && r.differences.length === 0;
}

/**
 * Collapses the quiet ranges of a report made with every range listed. Linear; returns the report
 * unchanged when no range is quiet.
 *
 * @example
 * ```ts ignore
 * const full = diffDigests(a, b);
 * const short = collapseRanges(full); // what every renderer shows by default
 * ```
 */
export function collapseRanges(report: DiffReport): DiffReport {
  if (report.collapsed) return report;
  const ranges: RangeDiff[] = [];
  const collapsed: CollapsedRun[] = [];
  let run: { start: bigint; end: bigint; ranges: number; pages: number } | undefined;
  const close = () => {
    if (run) collapsed.push({ ...run, before: ranges.length });
    run = undefined;
  };
  for (const r of report.ranges) {
    if (!isQuiet(r)) {
      close();
      ranges.push(r);
      continue;
    }
    if (run) {
      run.end = r.end;
      run.ranges++;
      run.pages += r.pages.same;
    } else run = { start: r.start, end: r.end, ranges: 1, pages: r.pages.same };
  }
  close();
  if (collapsed.length === 0) return report;
  // Same key order as `diffDigests` gives: `collapsed` right after `ranges`.
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(report)) {
    out[k] = k === "ranges" ? ranges : v;
    if (k === "ranges") out.collapsed = collapsed;
  }
  return out as unknown as DiffReport;
}

/** Ranges and pages the collapsed runs of a report stand for. */
export function collapsedTotals(
  report: DiffReport,
): { runs: number; ranges: number; pages: number } {
  let ranges = 0;
  let pages = 0;
  for (const c of report.collapsed ?? []) {
    ranges += c.ranges;
    pages += c.pages;
  }
  return { runs: report.collapsed?.length ?? 0, ranges, pages };
}
