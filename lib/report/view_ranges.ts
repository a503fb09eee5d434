/**
 * The triage view of a report's ranges: one table row and the detail pane on demand
 * ({@link rowView}, {@link runView}, {@link detailView}), the page strip of a range
 * ({@link pageStrip}) and the aggregated address-space overview ({@link mapBins}). Pure functions
 * over the JSON report; the rows themselves are in `view_rows.ts`.
 *
 * @module
 */

import { flagString } from "../elf/constants.ts";
import type { Difference, PageMap, PageTally } from "../diff/model.ts";
import { failing, reasonCodes, shortName } from "./diff_common.ts";
import { formatBytes, plural } from "./units.ts";
import {
  type CollapsedRunJson,
  type Json,
  type RangeJson,
  STATUS_ORDER,
  STATUS_TEXT,
  type ViewStatus,
} from "./view.ts";
import type { RowRef } from "./view_rows.ts";

/** A 12-digit hex address from its JSON form. */
export function address(v: string): string {
  return `0x${BigInt(v).toString(16).padStart(12, "0")}`;
}

/** Size of a range in bytes (as a number: exact below 2^53). */
function bytesOf(r: { start: string; end: string }): number {
  return Number(BigInt(r.end) - BigInt(r.start));
}

/** A side of a range in one line: `R.E 0x2000` (flags, saved bytes) or `-`. */
function sideText(s: RangeJson["a"]): string {
  return s.present ? `${flagString(s.flags ?? 0).replaceAll(" ", ".")} ${s.saved}` : "-";
}

/** One row of the table. */
export interface RowView {
  /** Index in the report. */
  readonly i: number;
  /** Start, 12 hex digits. */
  readonly start: string;
  /** End (exclusive), 12 hex digits. */
  readonly end: string;
  /** Size, human-readable. */
  readonly size: string;
  /** Full mapping name. */
  readonly name: string;
  /** Its short form (last path component or bracketed name). */
  readonly short: string;
  /** Status. */
  readonly status: ViewStatus;
  /** Its label. */
  readonly statusLabel: string;
  /** Side A in one line: flags and saved bytes, or `-`. */
  readonly a: string;
  /** Side B in one line. */
  readonly b: string;
  /** Reason codes (and `unexplained`). */
  readonly codes: readonly string[];
  /** Whether it breaks the verdict. */
  readonly failing: boolean;
  /** Whether the row is a collapsed run of equal ranges (not listed in the report). */
  readonly run: boolean;
}

/**
 * The table row of a collapsed run of ranges equal in both cores.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const v = runView({ start: "0x1000", end: "0x5000", ranges: 3, pages: 4, before: 0 }, 0);
 * assert.equal(v.short, "3 equal ranges");
 * assert.equal(v.size, "16 KiB");
 * ```
 */
export function runView(run: CollapsedRunJson, i: number): RowView {
  return {
    run: true,
    i,
    start: address(run.start),
    end: address(run.end),
    size: formatBytes(bytesOf(run)),
    name: `${plural(run.ranges, "range")} equal in both cores (${
      plural(run.pages, "page")
    }), not listed`,
    short: plural(run.ranges, "equal range"),
    status: "same",
    statusLabel: STATUS_TEXT.same.label,
    a: "",
    b: "",
    codes: [],
    failing: false,
  };
}

/** The table row of any row. */
export function viewOf(row: RowRef, i: number): RowView {
  return row.kind === "run" ? runView(row.run, i) : rowView(row.range, i);
}

/**
 * One table row.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const row = rowView({ start: "0x1000", end: "0x3000", name: "/usr/lib/libc.so.6",
 *   status: "differs", a: { present: true, flags: 5, saved: "0x2000" },
 *   b: { present: false, saved: "0x0" }, differences: [] } as never, 0);
 * assert.equal(row.short, "libc.so.6");
 * assert.equal(row.a, "R.E 0x2000");
 * assert.equal(row.size, "8 KiB");
 * ```
 */
export function rowView(r: RangeJson, i: number): RowView {
  return {
    run: false,
    i,
    start: address(r.start),
    end: address(r.end),
    size: formatBytes(bytesOf(r)),
    name: r.name,
    short: shortName(r.name),
    status: r.status,
    statusLabel: STATUS_TEXT[r.status as ViewStatus]?.label ?? r.status,
    a: sideText(r.a),
    b: sideText(r.b),
    codes: reasonCodes(r.differences),
    failing: failing(r),
  };
}

/** One difference in the detail pane. */
export interface DifferenceView {
  /** What differs. */
  readonly kind: string;
  /** What was seen. */
  readonly text: string;
  /** `expected`, `unexpected` or `unexplained`. */
  readonly state: "expected" | "unexpected" | "unexplained";
  /** Reasons: code, text and how sure. */
  readonly reasons: readonly { code: string; text: string; certainty: string }[];
  /** What the rules predicted, for an unexplained difference that contradicts a prediction. */
  readonly predicted?: string;
}

/** The detail pane of one range. */
export interface DetailView extends RowView {
  /** Pages covered. */
  readonly pages: number;
  /** Side details. */
  readonly sides: readonly { side: "A" | "B"; text: string }[];
  /** Page counts. */
  readonly tally: readonly { label: string; count: number }[];
  /** Differences. */
  readonly differences: readonly DifferenceView[];
  /** Differing-page runs listed. */
  readonly runs: readonly string[];
  /** How many runs there are in all. */
  readonly runsTotal: number;
}

/** The state of a difference. */
export function differenceState(d: Json<Difference>): DifferenceView["state"] {
  return d.unexplained ? "unexplained" : d.expected ? "expected" : "unexpected";
}

const TALLY_LABELS: Readonly<Record<keyof PageTally, string>> = {
  same: "same",
  different: "different",
  zeroVsMissing: "zero vs missing",
  onlyA: "only in A",
  onlyB: "only in B",
  neither: "in neither",
  truncated: "truncated",
};

/** The detail pane of a range. */
export function detailView(r: RangeJson, i: number): DetailView {
  const side = (label: "A" | "B", s: RangeJson["a"]) => ({
    side: label,
    text: s.present
      ? `PT_LOAD #${s.index ?? "?"} · ${flagString(s.flags ?? 0).replaceAll(" ", ".")} · saved ${
        formatBytes(Number(BigInt(s.saved)))
      }${
        s.segment
          ? ` · segment ${
            address(s.segment.vaddr)
          } filesz ${s.segment.filesz} memsz ${s.segment.memsz}`
          : ""
      }`
      : "no PT_LOAD covers this range",
  });
  return {
    ...rowView(r, i),
    pages: Math.ceil(bytesOf(r) / 4096),
    sides: [side("A", r.a), side("B", r.b)],
    tally: (Object.keys(TALLY_LABELS) as (keyof PageTally)[])
      .filter((k) => (r.pages?.[k] ?? 0) > 0)
      .map((k) => ({ label: TALLY_LABELS[k], count: r.pages[k] })),
    differences: r.differences.map((d) => ({
      kind: d.kind,
      text: d.text,
      state: differenceState(d),
      reasons: d.reasons.map((x) => ({ code: x.code, text: x.text, certainty: x.certainty })),
      ...(d.predicted ? { predicted: d.predicted } : {}),
    })),
    runs: (r.runs ?? []).map((x) =>
      `${address(x.start)}-${address(x.end)} (${plural(x.pages, "page")})`
    ),
    runsTotal: r.runsTotal ?? 0,
  };
}

/** One cell of a page strip. */
export interface StripCell {
  /** Page class letter (see {@link PAGE_CLASS_TEXT}). */
  readonly cls: string;
  /** First page (counted from the range's first page). */
  readonly first: number;
  /** Pages in the cell. */
  readonly count: number;
}

/**
 * The page strip of a range: its page map's cells, each with the pages it covers. Reports without
 * a page map give one cell per page class of the tally (proportions only, not positions).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const cells = pageStrip({ start: "0x0", end: "0x3000",
 *   pageMap: { bucket: 1, cells: "sds" } } as never);
 * assert.deepEqual(cells.map((c) => c.cls).join(""), "sds");
 * assert.equal(cells[1]!.first, 1);
 * ```
 */
export function pageStrip(r: RangeJson): StripCell[] {
  const total = Math.ceil(bytesOf(r) / 4096);
  const map: Json<PageMap> | undefined = r.pageMap;
  if (map) {
    return [...map.cells].map((cls, c) => ({
      cls,
      first: c * map.bucket,
      count: Math.min(map.bucket, total - c * map.bucket),
    }));
  }
  const t = r.pages;
  const parts: [string, number][] = [
    ["d", t?.different ?? 0],
    ["t", t?.truncated ?? 0],
    ["a", t?.onlyA ?? 0],
    ["b", t?.onlyB ?? 0],
    ["z", t?.zeroVsMissing ?? 0],
    ["s", t?.same ?? 0],
    ["n", t?.neither ?? 0],
  ];
  let first = 0;
  return parts.filter(([, n]) => n > 0).map(([cls, count]) => {
    const cell = { cls, first, count };
    first += count;
    return cell;
  });
}

/** The address-space overview at one zoom: bins of ranges with their status counts. */
export interface MapBins {
  /** Number of bins. */
  readonly bins: number;
  /** Worst status ({@link STATUS_ORDER} index) of each bin. */
  readonly worst: Uint8Array;
  /** Ranges of each status per bin: `counts[bin * STATUS_ORDER.length + status]`. */
  readonly counts: Uint32Array;
}

/**
 * The address-space overview: ranges `[from, to)` in at most `n` bins (one per range when they
 * fit), each with its worst status and how many ranges of each status it holds, so a drawing can
 * show proportions and never hide a rare difference.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SAME, STATUS_ORDER } from "./view.ts";
 * const k = STATUS_ORDER.length;
 * const m = mapBins(Uint8Array.from([SAME, SAME, 0, SAME]), 0, 4, 2);
 * assert.deepEqual([...m.worst], [SAME, 0]);
 * assert.equal(m.counts[1 * k + 0], 1);
 * assert.equal(m.counts[1 * k + SAME], 1);
 * ```
 */
export function mapBins(status: Uint8Array, from: number, to: number, n: number): MapBins {
  const count = Math.max(0, to - from);
  const bins = Math.min(n, count);
  const k = STATUS_ORDER.length;
  const worst = new Uint8Array(bins).fill(255);
  const counts = new Uint32Array(bins * k);
  for (let i = from; i < to; i++) {
    const b = Math.floor(((i - from) * bins) / count);
    const st = status[i]!;
    if (st < worst[b]!) worst[b] = st;
    counts[b * k + st]!++;
  }
  return { bins, worst, counts };
}

/**
 * The page strip of any row: a range's page map, or for a collapsed run its same pages (and the
 * rest, saved in neither).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const cells = rowStrip({ kind: "run", first: 0,
 *   run: { start: "0x0", end: "0x4000", ranges: 2, pages: 3, before: 0 } });
 * assert.deepEqual(cells.map((c) => [c.cls, c.count]), [["s", 3], ["n", 1]]);
 * ```
 */
export function rowStrip(row: RowRef): StripCell[] {
  if (row.kind === "range") return pageStrip(row.range);
  const total = Math.ceil(bytesOf(row.run) / 4096), same = Math.min(row.run.pages, total);
  const cells: StripCell[] = [{ cls: "s", first: 0, count: same }];
  if (total > same) cells.push({ cls: "n", first: same, count: total - same });
  return cells;
}
