/**
 * The one place the API calls the analysis engine: preparing the analysis context (smaps, filter,
 * settings, expectation) with errors naming the request part they came from, diffing two digests,
 * rendering reports in every format, and predicting dumps.
 *
 * @module
 */

import {
  type AnalysisContext,
  type ContextInput,
  predictionOf,
  prepareContext,
} from "../lib/diff/context.ts";
import { diffDigests } from "../lib/diff/diff.ts";
import type { DiffReport, RangeDiff } from "../lib/diff/model.ts";
import type { CoreDigest } from "../lib/digest/model.ts";
import { OptionError, SmapsSyntaxError } from "../lib/errors.ts";
import type { PredictResult } from "../lib/policy/types.ts";
import { REPORT_FORMATS, type ReportFormat } from "../lib/report/render.ts";
import { booleanParam } from "./ingest.ts";
import { PartError } from "./problem.ts";
import { booleanMember, stringMember } from "./routes/json_body.ts";
import type { SmapsCollector } from "./smaps_part.ts";
import type { SmapsMember } from "./smaps_member.ts";
import type { SmapsDocument } from "../lib/smaps/parse.ts";
import { deferredDocument } from "../lib/smaps/table.ts";

export type { AnalysisContext, ContextInput, DiffReport, PredictResult, ReportFormat };
export { REPORT_FORMATS };

/** Request members (JSON) and multipart text parts that make the analysis context. */
export const CONTEXT_MEMBERS = [
  "smaps",
  "filter",
  "expect",
  "producer",
  "kernelProfile",
  "gdbUseFilter",
  "gdbDumpExcluded",
] as const;

/**
 * Context input from multipart text parts (the web form, `curl -F`). An empty part counts as
 * absent: the form sends one for an empty file input.
 *
 * @param t the text parts by name
 * @param smaps the smaps part parsed as it arrived, if it was (else `t.smaps` is its text); its
 *   syntax error is thrown where `prepareContext` would have parsed the text
 */
export function contextFromTexts(
  t: Readonly<Record<string, string | undefined>>,
  smaps?: SmapsCollector,
): ContextInput {
  const text = (name: string) => t[name]?.trim() || undefined;
  return {
    smaps: smaps
      ? (smaps.blank ? undefined : deferredDocument(() => smaps.document()!))
      : t.smaps?.trim()
      ? t.smaps
      : undefined,
    filter: text("filter"),
    expect: text("expect"),
    producer: text("producer"),
    kernelProfile: text("kernelProfile"),
    gdbUseFilter: t.gdbUseFilter?.trim()
      ? booleanParam("gdbUseFilter", t.gdbUseFilter, true)
      : undefined,
    gdbDumpExcluded: t.gdbDumpExcluded?.trim()
      ? booleanParam("gdbDumpExcluded", t.gdbDumpExcluded, false)
      : undefined,
  };
}

/**
 * The `smaps` member of a JSON body: the document it was parsed into as it streamed in (checked
 * for length as `stringMember` checks a string, and made when first read), else the string
 * `JSON.parse` made.
 *
 * @param obj the parsed body
 * @param max longest value, in characters
 * @param required whether it must be present
 * @param member the member, when captured
 * @returns the document or text, or undefined
 */
export function smapsMember(
  obj: Record<string, unknown>,
  max: number,
  required: boolean,
  member?: SmapsMember,
): SmapsDocument | string | undefined {
  if (!member?.captured || member.duplicate) return stringMember(obj, "smaps", required, max);
  member.checkLength();
  // Its syntax error is thrown where `prepareContext` would have parsed the text.
  return deferredDocument(() => member.document());
}

/**
 * Context input from a JSON request body.
 *
 * @param obj the parsed body
 * @param limits longest smaps text and option value
 * @param member the `smaps` member, when it was parsed as the body streamed in
 */
export function contextFromJson(
  obj: Record<string, unknown>,
  limits: { readonly maxSmapsBytes: number; readonly maxFieldBytes: number } = {
    maxSmapsBytes: 64 * 1024 ** 2,
    maxFieldBytes: 4096,
  },
  member?: SmapsMember,
): ContextInput {
  // Every member is bounded as the multipart text parts are (a 413 naming it).
  const field = (name: string) => stringMember(obj, name, false, limits.maxFieldBytes);
  return {
    smaps: smapsMember(obj, limits.maxSmapsBytes, false, member),
    filter: field("filter"),
    expect: field("expect"),
    producer: field("producer"),
    kernelProfile: field("kernelProfile"),
    gdbUseFilter: booleanMember(obj, "gdbUseFilter"),
    gdbDumpExcluded: booleanMember(obj, "gdbDumpExcluded"),
  };
}

/**
 * Prepares the analysis context; a bad part is a 4xx naming it (`smaps` with its line, or the
 * option).
 *
 * @param input the context input
 * @returns the context
 */
export function prepare(input: ContextInput): AnalysisContext {
  try {
    return prepareContext(input);
  } catch (e) {
    if (e instanceof SmapsSyntaxError) throw new PartError("smaps", e);
    if (e instanceof OptionError) throw new PartError(e.option, e);
    throw e;
  }
}

/**
 * Diffs two digests in a prepared context.
 *
 * @param a first digest
 * @param b second digest
 * @param context from {@link prepare}
 * @param labels labels of the two inputs
 * @param onRange gets every aligned range in address order (the full list, for paging)
 * @returns the report, ranges equal in both cores counted into runs
 */
export function diff(
  a: CoreDigest,
  b: CoreDigest,
  context: AnalysisContext,
  labels: { readonly a: string; readonly b: string },
  onRange: (range: RangeDiff) => void,
): DiffReport {
  return diffDigests(a, b, { context, labels, onRange });
}

/**
 * Predicts what the kernel and GDB would dump, as `coredelta predict --format json` does.
 *
 * @param input smaps, filter and settings (both required)
 * @returns the prediction (`schemaVersion` 1)
 */
export function predictDump(input: ContextInput): PredictResult {
  return predictionOf(prepare(input));
}
