/**
 * Synthetic diff reports for UI tests: any number of ranges, with the optional top-of-page fields
 * other parts fill (identity, truncation, contradictions), stored the way `POST /v1/diff` stores a
 * report so the page can load them at `/reports/{id}`.
 *
 * @module
 */

import type { DiffReport, RangeDiff, RangeStatus } from "../lib/diff/model.ts";
import { PAGE_MAP_CELLS, REPORT_SCHEMA_VERSION } from "../lib/diff/model.ts";
import { toJson } from "../lib/report/json.ts";
import { REPORT_FORMATS, type ReportFormat } from "../api/engine.ts";
import type { Storage } from "../api/storage.ts";

/** Options of {@link syntheticReport}. */
export interface SyntheticOptions {
  /** Number of ranges. */
  readonly ranges: number;
  /** Every `differEvery`-th range differs (content, expected unless `unexplained`). */
  readonly differEvery?: number;
  /** Every `notDumpedEvery`-th range (offset 5) is saved in neither core (default 97; 0: none). */
  readonly notDumpedEvery?: number;
  /** The range at this index has pages missing from a truncated core (status `truncated`). */
  readonly truncatedAt?: number;
  /** Make differing ranges unexplained (verdict fail). */
  readonly unexplained?: boolean;
  /** Labels of A and B. */
  readonly labels?: { a: string; b: string };
  /** Process of A and B. */
  readonly processes?: { a: { pid: number; name: string }; b: { pid: number; name: string } };
  /** Extra top-level and context fields (identity, contradictions, ...). */
  readonly extra?: Record<string, unknown>;
  /** Extra context fields. */
  readonly context?: Record<string, unknown>;
  /** Files a debugger needs (NT_FILE paths) to list. */
  readonly files?: number;
  /** Note differences to list. */
  readonly notes?: number;
  /** Truncation of core B. */
  readonly truncationB?: Record<string, unknown>;
}

const ZERO_TALLY = {
  same: 0,
  different: 0,
  zeroVsMissing: 0,
  onlyA: 0,
  onlyB: 0,
  neither: 0,
  truncated: 0,
};

const NAMES = [
  "/usr/lib/x86_64-linux-gnu/libc.so.6",
  "[heap]",
  "",
  "[vvar]",
  "[vvar_vclock]",
  "[vdso]",
  "[stack]",
];

/** A report model with `n` ranges (mostly same, some differing). */
export function syntheticReport(o: SyntheticOptions): DiffReport {
  const ranges: RangeDiff[] = [];
  let differences = 0, unexplained = 0;
  for (let i = 0; i < o.ranges; i++) {
    const start = 0x10000000n + BigInt(i) * 0x3000n;
    const pages = 3;
    const differs = o.differEvery ? i % o.differEvery === 1 : false;
    const nd = o.notDumpedEvery ?? 97;
    const status: RangeStatus = differs ? "differs" : nd && i % nd === 5 ? "not-dumped" : "same";
    const side = (index: number) => ({
      present: true,
      index,
      flags: 6,
      saved: status === "not-dumped" ? 0n : 0x3000n,
      segment: { vaddr: start, filesz: 0x3000n, memsz: 0x3000n },
    });
    const diffs = differs
      ? [{
        kind: "content" as const,
        text: "1 of 3 pages differ",
        reasons: o.unexplained ? [] : [{
          code: "timing.volatile-content",
          text: "written between the two dumps",
          certainty: "inferred" as const,
        }],
        expected: !o.unexplained,
        unexplained: !!o.unexplained,
      }]
      : [];
    differences += diffs.length;
    if (differs && o.unexplained) unexplained++;
    if (i === o.truncatedAt) {
      const d = {
        kind: "truncated",
        text: "3 saved page(s) are missing from a truncated file",
        reasons: [{ code: "layout.truncated", text: "the file ends early", certainty: "known" }],
        expected: false,
        unexplained: false,
      };
      differences++;
      ranges.push({
        start,
        end: start + 0x3000n,
        name: NAMES[i % NAMES.length]!,
        a: side(i),
        b: side(i),
        status: "truncated",
        pages: { ...ZERO_TALLY, truncated: 3 },
        runs: [],
        runsTotal: 0,
        pageMap: { bucket: 1, cells: "ttt" },
        differences: [d],
      } as unknown as RangeDiff);
      continue;
    }
    ranges.push({
      start,
      end: start + BigInt(pages) * 0x1000n,
      name: NAMES[i % NAMES.length]!,
      a: side(i),
      b: side(i),
      status,
      pages: {
        same: differs ? 2 : status === "same" ? 3 : 0,
        different: differs ? 1 : 0,
        zeroVsMissing: 0,
        onlyA: 0,
        onlyB: 0,
        neither: status === "not-dumped" ? 3 : 0,
        truncated: 0,
      },
      runs: differs ? [{ start: start + 0x1000n, end: start + 0x2000n, pages: 1 }] : [],
      runsTotal: differs ? 1 : 0,
      pageMap: {
        bucket: 1,
        cells: (differs ? "sds" : status === "same" ? "sss" : "nnn").slice(0, PAGE_MAP_CELLS),
      },
      differences: diffs as RangeDiff["differences"],
    });
  }
  const byStatus: Record<string, number> = {};
  for (const r of ranges) byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
  const unexpected = (o.unexplained ? unexplained : 0) + (o.truncatedAt !== undefined ? 1 : 0);
  const core = (label: string, p?: { pid: number; name: string }) => ({
    label,
    producer: "kernel",
    size: o.ranges * 0x3000,
    fileHash: 0x1234n,
    loads: o.ranges,
    threads: 1,
    truncated: false,
    memory: { nonZeroPages: 1, zeroPages: 0, unsavedPages: 0, residentBytes: { min: 0n, max: 0n } },
    ...(p ? { process: p } : {}),
  });
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    verdict: unexpected ? "fail" : "pass",
    expectation: "identical",
    a: core(o.labels?.a ?? "a.core", o.processes?.a),
    b: {
      ...core(o.labels?.b ?? "b.core", o.processes?.b),
      ...(o.truncationB ? { truncated: true, truncation: o.truncationB } : {}),
    },
    context: {
      smaps: true,
      filter: "0x33",
      settings: { kernelProfile: "linux-6", gdbUseFilter: true, gdbDumpExcluded: false },
      warnings: [],
      ...o.context,
    },
    summary: {
      ranges: ranges.length,
      differences,
      expected: differences - unexpected,
      unexpected,
      unexplained,
      byStatus,
    },
    ranges,
    notes: Array.from({ length: o.notes ?? 0 }, (_, k) => ({
      kind: "note",
      text: `thread ${k}: registers differ`,
      reasons: [{
        code: "timing.registers",
        text: "threads ran between the dumps",
        certainty: "inferred",
      }],
      expected: true,
      unexplained: false,
    })),
    files: Array.from({ length: o.files ?? 0 }, (_, k) => ({
      path: `/usr/lib/plugins/libplugin-${k}.so`,
      start: 0x7f0000000000n + BigInt(k) * 0x10000n,
      headerInA: true,
      headerInB: k % 3 !== 0,
    })),
    ...o.extra,
  } as DiffReport;
}

/**
 * Stores a report as `POST /v1/diff` does (every format is the JSON here: the UI reads only JSON).
 *
 * @returns the report id
 */
export async function storeReport(storage: Storage, report: DiffReport): Promise<string> {
  const json = toJson(report);
  const formats = Object.fromEntries(REPORT_FORMATS.map((f) => [f, json])) as Record<
    ReportFormat,
    string
  >;
  const stored = { schemaVersion: report.schemaVersion, verdict: report.verdict, formats };
  const entry = await storage.put("report", new TextEncoder().encode(JSON.stringify(stored)));
  return entry.id;
}

/**
 * The report with its quiet ranges (same in both cores, no difference) counted in runs instead of
 * listed: the shape of CONTRACTS.md 6 (`collapsed: { start, end, ranges, pages, before }[]`).
 */
export function collapsedReport(full: DiffReport): DiffReport {
  const ranges: RangeDiff[] = [];
  const collapsed: { start: bigint; end: bigint; ranges: number; pages: number; before: number }[] =
    [];
  let run: { start: bigint; end: bigint; ranges: number; pages: number } | undefined;
  const close = () => {
    if (run) collapsed.push({ ...run, before: ranges.length });
    run = undefined;
  };
  for (const r of full.ranges) {
    if (r.status !== "same" || r.differences.length) {
      close();
      ranges.push(r);
    } else if (run) {
      run.end = r.end;
      run.ranges++;
      run.pages += r.pages.same;
    } else run = { start: r.start, end: r.end, ranges: 1, pages: r.pages.same };
  }
  close();
  return { ...full, ranges, collapsed } as DiffReport;
}
