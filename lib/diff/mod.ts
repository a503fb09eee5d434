/**
 * Comparing two cores: prepare the analysis context once ({@link prepareContext}: smaps, filter,
 * producers' settings, expectation), then compare two digests ({@link diffDigests}) into a report
 * whose every difference carries reason codes from a closed vocabulary ({@link REASONS}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const smaps = "7f0000000000-7f0000001000 ---p 00000000 00:00 0 \nAnonymous: 0 kB\nVmFlags: mr mw me ac \n";
 * const context = prepareContext({ smaps, filter: "0x33", expect: "kernel-vs-gdb" });
 * const guard = context.prediction!.mappings[0]!;
 * assert.equal(guard.kernel!.reason, "kernel.no-file");
 * assert.match(REASONS[guard.kernel!.reason].source, /vma_dump_size/);
 * ```
 *
 * @module
 */

export {
  type AnalysisContext,
  type ContextInput,
  EXPECTATIONS,
  type ExpectOption,
  predictionOf,
  prepareContext,
  PRODUCER_CHOICES,
  type ProducerSettings,
} from "./context.ts";
export { diffDigests, type DiffOptions } from "./diff.ts";
export { collapsedTotals, collapseRanges, isQuiet } from "./collapse.ts";
export {
  executableOf,
  identify,
  type SmapsFit,
  smapsFitsCore,
  type SmapsMapping,
} from "./identity.ts";
export type { RunReasonCode } from "./reasons_runs.ts";
export type * from "./model.ts";
export { REPORT_SCHEMA_VERSION } from "./model.ts";
export {
  isReasonCode,
  REASON_CODES,
  type ReasonCode,
  type ReasonDefinition,
  REASONS,
  renderReasonCodes,
} from "./reasons.ts";
