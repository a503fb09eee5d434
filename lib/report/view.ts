/**
 * The triage view model: what the web UI shows, built from a diff report as JSON carries it (the
 * browser receives `/v1/reports/{id}?format=json` and calls these functions; nothing is decoded
 * twice). Pure functions over plain data, so they run under `deno test` and in the browser bundle.
 * This module holds the report's JSON types, the status and page-class texts and
 * {@link reportTop} (verdict line, counts and the banners that explain a result at a glance:
 * identity, truncated cores, settings that contradict the cores, warnings); `view_ranges.ts`
 * holds the per-range views (index, filter, rows, detail, page strip, map bins).
 *
 * @module
 */

import type { DiffReport, RangeDiff, RangeStatus } from "../diff/model.ts";
import { formatBytes, plural } from "./units.ts";

/** A value as JSON carries it: bigints become `"0x…"` strings. */
export type Json<T> = T extends bigint ? string
  : T extends readonly (infer U)[] ? readonly Json<U>[]
  : T extends object ? { readonly [K in keyof T]: Json<T[K]> }
  : T;

/** Identity of the two processes (CONTRACTS.md 1). */
export interface IdentityJson {
  /** How the two cores relate. */
  readonly relation: "same-process" | "same-program" | "different-program" | "unknown";
  /** Reason code, e.g. `identity.different-run`. */
  readonly code?: string;
  /** One line for people. */
  readonly text: string;
  /** The fields compared. */
  readonly evidence: readonly { field: string; a: string; b: string; same: boolean }[];
}

/** A core cut short (CONTRACTS.md 2). */
export interface TruncationJson {
  /** Bytes in the file. */
  readonly fileSize: number;
  /** Bytes its headers describe. */
  readonly expectedSize: number;
  /** `expectedSize - fileSize`. */
  readonly missingBytes: number;
  /** Memory pages its PT_LOADs describe that are not in the file. */
  readonly missingPages: number;
  /** The cut falls inside the notes. */
  readonly cutInNotes: boolean;
  /** The core size limit (RLIMIT_CORE) cut it. */
  readonly byCoreLimit: boolean;
  /** One line for people. */
  readonly text: string;
}

/** A setting the cores contradict (CONTRACTS.md 3). */
export interface ContradictionJson {
  /** The setting (`filter`, `gdbUseFilter`, `gdbDumpExcluded`). */
  readonly what: string;
  /** What was given. */
  readonly given: string;
  /** What the cores fit. */
  readonly fits: string;
  /** One line for people. */
  readonly text: string;
}

/** A setting inferred from the cores (CONTRACTS.md 3). */
export interface InferredJson {
  /** The setting. */
  readonly setting: string;
  /** The value inferred. */
  readonly value: string;
  /** The evidence. */
  readonly text: string;
}

/** A module of a core with its build-id (CONTRACTS.md 4). */
export interface ModuleJson {
  /** Path of the ELF file. */
  readonly path: string;
  /** GNU build-id in hex, when the core has it. */
  readonly buildId?: string;
  /** Where the build-id came from (`core`, `missing-page`, `not-elf`). */
  readonly buildIdSource: string;
}

/** One side's summary with the optional truncation detail and modules. */
export type CoreSummaryJson = Json<DiffReport["a"]> & {
  readonly truncation?: TruncationJson;
  readonly modules?: readonly ModuleJson[];
};

/** One range as JSON. */
export type RangeJson = Json<RangeDiff>;

/**
 * Consecutive ranges equal in both cores, counted instead of listed (CONTRACTS.md 6); the full
 * list is paged by `GET /v1/reports/{id}/ranges?cursor=&limit=`.
 */
export interface CollapsedRunJson {
  /** Start of the first range. */
  readonly start: string;
  /** End of the last range (exclusive). */
  readonly end: string;
  /** Ranges in the run. */
  readonly ranges: number;
  /** Pages the same in both cores over the run. */
  readonly pages: number;
  /** Index in `ranges` of the first listed range after the run. */
  readonly before: number;
}

/** A diff report as the browser receives it, with the optional fields other helpers add. */
export type DiffReportJson =
  & Omit<Json<DiffReport>, "a" | "b" | "context">
  & {
    readonly a: CoreSummaryJson;
    readonly b: CoreSummaryJson;
    readonly context: Json<DiffReport["context"]> & {
      readonly inferred?: readonly InferredJson[];
      readonly contradictions?: readonly ContradictionJson[];
    };
    readonly identity?: IdentityJson;
    readonly collapsed?: readonly CollapsedRunJson[];
  };

/**
 * A range status as the view knows it: the model's, and `truncated` (pages missing from a
 * truncated core), which reports of newer versions carry.
 */
export type ViewStatus = RangeStatus | "truncated";

/** Range statuses, worst first (a map bin shows its worst range). */
export const STATUS_ORDER: readonly ViewStatus[] = [
  "differs",
  "truncated",
  "size-differs",
  "flags-differ",
  "only-a",
  "only-b",
  "not-dumped",
  "same",
];

/** Label and meaning of each range status (colours live in the style sheet, `--st-<status>`). */
export const STATUS_TEXT: Readonly<Record<ViewStatus, { label: string; text: string }>> = {
  "differs": { label: "differs", text: "saved in both cores, some pages differ" },
  "truncated": { label: "truncated", text: "pages missing from a truncated core" },
  "size-differs": { label: "size differs", text: "the cores saved different amounts" },
  "flags-differ": { label: "flags differ", text: "same contents, different p_flags" },
  "only-a": { label: "only in A", text: "covered by a PT_LOAD of A only" },
  "only-b": { label: "only in B", text: "covered by a PT_LOAD of B only" },
  "not-dumped": { label: "not dumped", text: "mapped, but saved in neither core" },
  "same": { label: "same", text: "saved in both cores with the same content" },
};

/** The {@link STATUS_ORDER} index of `same` (the best status). */
export const SAME: number = STATUS_ORDER.indexOf("same");

/** Meaning of each page-map letter (colours live in the style sheet, `--pg-<letter>`). */
export const PAGE_CLASS_TEXT: Readonly<Record<string, string>> = {
  d: "content differs",
  t: "missing from a truncated file",
  a: "saved only in A",
  b: "saved only in B",
  z: "all-zero page in one, unsaved in the other",
  s: "saved in both, same",
  n: "saved in neither",
};

/** How prominent a banner is. */
export type BannerLevel = "info" | "warn" | "error";

/** One line at the top of a report. */
export interface Banner {
  /** What it is about. */
  readonly kind: "identity" | "truncation" | "contradiction" | "inferred" | "warning";
  /** How prominent. */
  readonly level: BannerLevel;
  /** Short title. */
  readonly title: string;
  /** One line. */
  readonly text: string;
  /** Supporting lines (evidence, details). */
  readonly details: readonly string[];
}

/** The top of a report: verdict, headline and banners. */
export interface ReportTop {
  /** `pass` or `fail`. */
  readonly verdict: "pass" | "fail";
  /** `PASS` or `FAIL`. */
  readonly word: string;
  /** e.g. `kernel-vs-gdb · 12 ranges · 3 differences (0 unexpected, 0 unexplained)`. */
  readonly headline: string;
  /** Banners, most important first. */
  readonly banners: readonly Banner[];
  /** Count of ranges per status, in {@link STATUS_ORDER}. */
  readonly byStatus: readonly { status: ViewStatus; label: string; count: number }[];
}

const RELATION_TITLE: Readonly<Record<IdentityJson["relation"], string>> = {
  "same-process": "Same process",
  "same-program": "Same program, another run",
  "different-program": "Different programs",
  "unknown": "Identity unknown",
};

/**
 * The top of a report.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const top = reportTop({
 *   verdict: "fail", expectation: "identical",
 *   summary: { ranges: 2, differences: 1, expected: 0, unexpected: 1, unexplained: 1, byStatus: {} },
 *   context: { smaps: true, filter: "0x7f", warnings: [],
 *     contradictions: [{ what: "coredump_filter", given: "0x7f", fits: "0x33",
 *       text: "the cores fit 0x33; you gave 0x7f" }] },
 *   a: { label: "a" }, b: { label: "b" },
 * } as never);
 * assert.equal(top.word, "FAIL");
 * assert.equal(top.banners[0]!.kind, "contradiction");
 * ```
 */
export function reportTop(r: DiffReportJson): ReportTop {
  const s = r.summary;
  const headline = [
    r.expectation,
    plural(s.ranges, "range"),
    `${plural(s.differences, "difference")} (${s.unexpected.toLocaleString("en-US")} unexpected, ${
      s.unexplained.toLocaleString("en-US")
    } unexplained)`,
  ].join(" · ");
  const banners: Banner[] = [];
  const id = r.identity;
  if (id) {
    banners.push({
      kind: "identity",
      level: id.relation === "same-process"
        ? "info"
        : id.relation === "different-program"
        ? "error"
        : "warn",
      title: RELATION_TITLE[id.relation] ?? id.relation,
      text: id.text,
      details: id.evidence.map((e) =>
        `${e.field}: ${e.same ? `${e.a} in both` : `A ${e.a} · B ${e.b}`}`
      ),
    });
  }
  for (const c of r.context.contradictions ?? []) {
    banners.push({
      kind: "contradiction",
      level: "error",
      title: `${c.what} contradicts the cores`,
      text: c.text,
      details: [`you gave ${c.given}`, `the cores fit ${c.fits}`],
    });
  }
  for (const side of ["a", "b"] as const) {
    const core = r[side];
    if (!core.truncation && !core.truncated) continue;
    const t = core.truncation;
    banners.push({
      kind: "truncation",
      level: "warn",
      title: `Core ${side.toUpperCase()} is truncated`,
      text: t?.text ?? `${core.label} was cut short; its missing pages are marked truncated`,
      details: t
        ? [
          `${formatBytes(t.fileSize)} of ${formatBytes(t.expectedSize)}: ${
            formatBytes(t.missingBytes)
          } (${plural(t.missingPages, "page")}) missing`,
          ...(t.cutInNotes ? ["cut inside the notes"] : []),
          ...(t.byCoreLimit ? ["cut at the core size limit (ulimit -c)"] : []),
        ]
        : [],
    });
  }
  for (const i of r.context.inferred ?? []) {
    banners.push({
      kind: "inferred",
      level: "info",
      title: `${i.setting} inferred: ${i.value}`,
      text: i.text,
      details: [],
    });
  }
  for (const w of r.context.warnings) {
    banners.push({ kind: "warning", level: "warn", title: "Note", text: w, details: [] });
  }
  const byStatus = STATUS_ORDER.map((status) => ({
    status,
    label: STATUS_TEXT[status].label,
    count: s.byStatus[status] ?? 0,
  }));
  return { verdict: r.verdict, word: r.verdict.toUpperCase(), headline, banners, byStatus };
}
