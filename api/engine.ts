/**
 * The one place the API calls the analysis engine: diffing two digests, rendering reports in every
 * format, and predicting dumps from smaps. Inputs are checked here first so each error names the
 * part it came from (`smaps`, `filter`, `expect`).
 *
 * @module
 */

import { diffDigests } from "../lib/diff/diff.ts";
import type { DiffReport } from "../lib/diff/model.ts";
import type { CoreDigest } from "../lib/digest/model.ts";
import { OptionError } from "../lib/errors.ts";
import { parseFilter, procWriteWarning } from "../lib/policy/filter.ts";
import { KERNEL_PROFILES, type KernelProfile } from "../lib/policy/kernel.ts";
import { predict, type PredictResult, type Producer } from "../lib/policy/predict.ts";
import { renderPredictText } from "../lib/report/predict_text.ts";
import { renderReport, REPORT_FORMATS, type ReportFormat } from "../lib/report/render.ts";
import { parseSmaps, type SmapsDocument } from "../lib/smaps/parse.ts";
import { PartError, ProblemError } from "./problem.ts";

export type { DiffReport, PredictResult, ReportFormat };
export { REPORT_FORMATS };

/** Expectations a diff accepts. */
export const EXPECTATIONS = ["auto", "kernel-vs-gdb", "identical"] as const;

/** What a diff request asks for besides the two cores. */
export interface DiffRequest {
  /** smaps text. */
  readonly smaps?: string | undefined;
  /** coredump_filter text. */
  readonly filter?: string | undefined;
  /** Expectation (`auto` by default). */
  readonly expect?: string | undefined;
  /** GDB `use-coredump-filter` of the gcore (inferred from the pair when not given). */
  readonly gdbUseFilter?: boolean | undefined;
  /** GDB `dump-excluded-mappings` of the gcore (inferred from the pair when not given). */
  readonly gdbDumpExcluded?: boolean | undefined;
  /** Kernel rule set (default `kernel`). */
  readonly kernelProfile?: string | undefined;
  /** Labels of the two inputs. */
  readonly labels: { readonly a: string; readonly b: string };
}

/** Parses smaps, tagging errors with the part name. */
function smapsOf(text: string, part = "smaps"): SmapsDocument {
  try {
    return parseSmaps(text);
  } catch (e) {
    throw new PartError(part, e);
  }
}

/** Parses a filter, tagging errors with the part name. */
function filterOf(text: string): number {
  try {
    return parseFilter(text).value;
  } catch (e) {
    throw new PartError("filter", e);
  }
}

/**
 * Diffs two digests after checking the options, so a bad option is a 4xx naming its part.
 *
 * @param a first digest
 * @param b second digest
 * @param req options and labels
 * @returns the report
 */
export function diff(a: CoreDigest, b: CoreDigest, req: DiffRequest): DiffReport {
  const expect = req.expect ?? "auto";
  if (!(EXPECTATIONS as readonly string[]).includes(expect)) {
    throw new PartError(
      "expect",
      new OptionError("expect", `Unknown expectation ${JSON.stringify(expect)}`),
    );
  }
  if (req.smaps !== undefined) smapsOf(req.smaps);
  if (req.filter !== undefined) filterOf(req.filter);
  const kernelProfile = oneOfOption("kernelProfile", req.kernelProfile, KERNEL_PROFILES);
  return diffDigests(a, b, {
    ...(req.gdbUseFilter !== undefined ? { gdbUseFilter: req.gdbUseFilter } : {}),
    ...(req.gdbDumpExcluded !== undefined ? { gdbDumpExcluded: req.gdbDumpExcluded } : {}),
    ...(kernelProfile !== undefined ? { kernelProfile } : {}),
    expect: expect as (typeof EXPECTATIONS)[number],
    labels: req.labels,
    ...(req.smaps !== undefined ? { smaps: req.smaps } : {}),
    ...(req.filter !== undefined ? { filter: req.filter } : {}),
  });
}

/**
 * Renders a report in every format (stored together, so any format can be fetched later).
 *
 * @param report the report
 * @returns each format's text
 */
export function renderAll(report: DiffReport): Record<ReportFormat, string> {
  const out = {} as Record<ReportFormat, string>;
  for (const f of REPORT_FORMATS) out[f] = renderReport(report, f);
  return out;
}

/** What a prediction request holds. */
export interface PredictRequest {
  /** smaps (or maps) text. */
  readonly smaps: string;
  /** coredump_filter text. */
  readonly filter: string;
  /** `kernel`, `gdb` or `both` (default). */
  readonly producer?: string | undefined;
  /** Kernel rule set. */
  readonly kernelProfile?: string | undefined;
  /** GDB `use-coredump-filter` (default true). */
  readonly gdbUseFilter?: boolean | undefined;
  /** GDB `dump-excluded-mappings` (default false). */
  readonly gdbDumpExcluded?: boolean | undefined;
}

function oneOfOption<T extends string>(name: string, v: string | undefined, allowed: readonly T[]) {
  if (v === undefined || (allowed as readonly string[]).includes(v)) return v as T | undefined;
  throw new PartError(
    name,
    new OptionError(name, `Must be one of ${allowed.join(", ")} (got ${JSON.stringify(v)})`),
  );
}

/**
 * Predicts what the kernel and GDB would dump, as `coredelta predict --format json` does.
 *
 * @param req smaps, filter and settings
 * @returns the prediction (`schemaVersion` 1)
 */
export function predictDump(req: PredictRequest): PredictResult {
  const filter = filterOf(req.filter);
  const producer = oneOfOption("producer", req.producer, ["kernel", "gdb", "both"] as const) ??
    "both";
  const kernelProfile = oneOfOption("kernelProfile", req.kernelProfile, KERNEL_PROFILES) ??
    "kernel" as KernelProfile;
  const doc = smapsOf(req.smaps);
  if (doc.mappings.length === 0) {
    throw new ProblemError("bad-request", "The smaps text holds no mappings", { part: "smaps" });
  }
  const producers: Producer[] = producer === "both" ? ["kernel", "gdb"] : [producer];
  const result = predict(doc.mappings, filter, {
    producers,
    kernelProfile,
    gdb: {
      useCoredumpFilter: req.gdbUseFilter ?? true,
      dumpExcludedMappings: req.gdbDumpExcluded ?? false,
    },
  });
  const warning = procWriteWarning(req.filter);
  return warning ? { ...result, warnings: [...result.warnings, warning] } : result;
}

/**
 * Renders a prediction.
 *
 * @param r the prediction
 * @param format `json` or `text`
 * @returns the text
 */
export function renderPrediction(r: PredictResult, format: "json" | "text"): string {
  return format === "json" ? `${JSON.stringify(r, null, 2)}\n` : renderPredictText(r);
}
