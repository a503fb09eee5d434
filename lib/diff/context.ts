/**
 * The analysis context, prepared once and before any core is hashed: the process's smaps, its
 * `coredump_filter`, the producers' settings, the expectation, and the predictions that follow from
 * them. The CLI, the API and the library all call {@link prepareContext} first, so a bad smaps
 * file or option fails in milliseconds, not after gigabytes of hashing, and `diffDigests` and
 * `predict` never parse text themselves.
 *
 * @module
 */

import type { Producer } from "../elf/producer.ts";
import { OptionError } from "../errors.ts";
import type { MappingHints } from "../policy/facts.ts";
import { DEFAULT_FILTER, parseFilter, procWriteWarning } from "../policy/filter.ts";
import type { GdbSettings } from "../policy/gdb.ts";
import { KERNEL_PROFILES, type KernelProfile } from "../policy/kernel.ts";
import { predict } from "../policy/predict.ts";
import type { PredictResult } from "../policy/types.ts";
import { parseSmaps, type SmapsDocument } from "../smaps/parse.ts";
import { tableOf } from "../smaps/table.ts";
import type { Expectation } from "./model.ts";

/**
 * Expectations a diff accepts: `auto` picks `kernel-vs-gdb` when the producers differ;
 * `same-program` compares two runs (mappings aligned by what they are, with address shifts).
 */
export const EXPECTATIONS = ["auto", "kernel-vs-gdb", "identical", "same-program"] as const;

/** One of {@link EXPECTATIONS}. */
export type ExpectOption = "auto" | Expectation;

/** Which producers a prediction covers. */
export const PRODUCER_CHOICES = ["kernel", "gdb", "both"] as const;

/** What the caller supplies, as text or plain values (CLI flags, API fields, library options). */
export interface ContextInput {
  /**
   * `/proc/PID/smaps` (or `maps`) of the process: its text, or the document `SmapsParser` made of
   * it as it arrived (a large text then never needs to be held whole).
   */
  readonly smaps?: string | SmapsDocument | undefined;
  /** `coredump_filter` in any form `parseFilter` accepts; default 0x33 with smaps. */
  readonly filter?: string | undefined;
  /** Expectation (default `auto`). */
  readonly expect?: string | undefined;
  /** `kernel`, `gdb` or `both` (default) for predictions. */
  readonly producer?: string | undefined;
  /** Kernel rule set (default `kernel`, K≥5.18). */
  readonly kernelProfile?: string | undefined;
  /** GDB `use-coredump-filter` (default true). */
  readonly gdbUseFilter?: boolean | undefined;
  /** GDB `dump-excluded-mappings` (default false). */
  readonly gdbDumpExcluded?: boolean | undefined;
  /** Facts smaps cannot show, by mapping start address. */
  readonly hints?: ReadonlyMap<bigint, MappingHints> | undefined;
}

/** The producers' settings in force (echoed in reports). */
export interface ProducerSettings {
  /** Kernel rule set. */
  readonly kernelProfile: KernelProfile;
  /** GDB settings with their defaults filled in. */
  readonly gdb: Required<GdbSettings>;
}

/** The parsed, validated context of an analysis. */
export interface AnalysisContext {
  /** Expectation asked for. */
  readonly expect: ExpectOption;
  /** Producers settings. */
  readonly settings: ProducerSettings;
  /** The parsed smaps, when given. */
  readonly smaps?: SmapsDocument;
  /** The filter value, when given. */
  readonly filter?: number;
  /** Predictions for every mapping (only with smaps). */
  readonly prediction?: PredictResult;
  /** Which settings the caller gave (the rest are defaults, which the pair may override). */
  readonly given: {
    readonly filter: boolean;
    readonly gdbUseFilter: boolean;
    readonly gdbDumpExcluded: boolean;
    readonly kernelProfile: boolean;
  };
  /** What the caller should know (defaults assumed, unused options). */
  readonly warnings: readonly string[];
  /** How writing the filter's text to /proc would go wrong (a leading 0 is octal there). */
  readonly procWriteWarning?: string;
}

function oneOf<T extends string>(option: string, v: string | undefined, allowed: readonly T[]) {
  if (v === undefined || (allowed as readonly string[]).includes(v)) return v as T | undefined;
  // Quote at most 64 characters of what was given (escaped), never a whole hostile value.
  const got = v.length > 64
    ? `${JSON.stringify(v.slice(0, 64))}… (${v.length} characters)`
    : JSON.stringify(v);
  throw new OptionError(option, `Must be one of ${allowed.join(", ")} (got ${got})`);
}

/**
 * Parses and checks everything an analysis needs besides the cores. Throws `OptionError` (naming
 * the option) or `SmapsSyntaxError` (naming the line) on bad input.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const smaps = "55d0c0a00000-55d0c0a21000 rw-p 00000000 00:00 0                          [heap]\n";
 * const ctx = prepareContext({ smaps, filter: "0x33" });
 * assert.equal(ctx.prediction!.mappings[0]!.kernel!.reason, "kernel.anon-private");
 * assert.throws(() => prepareContext({ expect: "same" }), /expect/);
 * ```
 */
export function prepareContext(input: ContextInput): AnalysisContext {
  const expect = oneOf("expect", input.expect, EXPECTATIONS) ?? "auto";
  const producer = oneOf("producer", input.producer, PRODUCER_CHOICES) ?? "both";
  const kernelProfile = oneOf("kernelProfile", input.kernelProfile, KERNEL_PROFILES) ?? "kernel";
  const settings: ProducerSettings = {
    kernelProfile,
    gdb: {
      useCoredumpFilter: input.gdbUseFilter ?? true,
      dumpExcludedMappings: input.gdbDumpExcluded ?? false,
    },
  };
  const warnings: string[] = [];
  const given = {
    filter: input.filter !== undefined,
    gdbUseFilter: input.gdbUseFilter !== undefined,
    gdbDumpExcluded: input.gdbDumpExcluded !== undefined,
    kernelProfile: input.kernelProfile !== undefined,
  };
  const filter = input.filter === undefined ? undefined : parseFilter(input.filter).value;
  const octal = input.filter === undefined ? undefined : procWriteWarning(input.filter);
  if (input.smaps === undefined) {
    if (filter !== undefined) {
      warnings.push(
        "a filter without smaps is recorded but not used: explanations are inferred from the cores",
      );
    }
    return { expect, settings, given, ...(filter !== undefined ? { filter } : {}), warnings };
  }
  const smaps = typeof input.smaps === "string" ? parseSmaps(input.smaps) : input.smaps;
  const table = tableOf(smaps);
  if (table.length === 0) {
    throw new OptionError("smaps", "no mappings (empty smaps: a kernel thread?)");
  }
  if (filter === undefined) {
    warnings.push("no coredump_filter given: predictions assume the default 0x33");
  }
  const producers: Producer[] = producer === "both" ? ["kernel", "gdb"] : [producer];
  const prediction = predict(table, filter ?? DEFAULT_FILTER, {
    producers,
    kernelProfile,
    gdb: settings.gdb,
    ...(input.hints ? { hints: input.hints } : {}),
  });
  warnings.push(...prediction.warnings);
  return {
    expect,
    settings,
    given,
    smaps,
    filter: filter ?? DEFAULT_FILTER,
    prediction,
    warnings,
    ...(octal ? { procWriteWarning: octal } : {}),
  };
}

/**
 * The prediction of a context, with every warning of the context (what `predict` prints).
 *
 * @param context a context prepared with smaps
 * @returns the prediction
 */
export function predictionOf(context: AnalysisContext): PredictResult {
  if (!context.prediction) throw new OptionError("smaps", "A prediction needs smaps");
  const warnings = [...context.warnings];
  if (context.procWriteWarning) warnings.push(context.procWriteWarning);
  return { ...context.prediction, warnings };
}
