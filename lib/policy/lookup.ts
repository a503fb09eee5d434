/**
 * Per-mapping predictions looked up by index ({@link predictionLookup}): a diff reads the
 * prediction of each mapping it meets without one object per mapping being kept.
 *
 * @module
 */

import type { MappingPrediction, PredictResult } from "./types.ts";

/** Per-mapping predictions by index, made one at a time (see {@link predictionLookup}). */
export interface PredictionLookup {
  /** Number of mappings. */
  readonly length: number;
  /** True when the starts are known to ascend. */
  readonly ascending?: boolean;
  /** Start address of mapping `i`. */
  start(i: number): bigint;
  /** End address of mapping `i`. */
  end(i: number): bigint;
  /** The prediction of mapping `i` (a new object unless the result's were made). */
  at(i: number): MappingPrediction;
}

const lookups = new WeakMap<PredictResult, PredictionLookup>();

/**
 * Makes `lookup` the one {@link predictionLookup} gives for `result`.
 *
 * @param result a prediction
 * @param lookup its per-mapping predictions
 */
export function registerLookup(result: PredictResult, lookup: PredictionLookup): void {
  lookups.set(result, lookup);
}

/**
 * The per-mapping predictions of a result by index, without making every one: a result of
 * `predict` makes each when asked; any other reads its `mappings`.
 *
 * @param result a prediction
 * @returns the lookup
 */
export function predictionLookup(result: PredictResult): PredictionLookup {
  const known = lookups.get(result);
  if (known) return known;
  const ms = result.mappings;
  return {
    length: ms.length,
    start: (i) => ms[i]!.start,
    end: (i) => ms[i]!.end,
    at: (i) => ms[i]!,
  };
}
