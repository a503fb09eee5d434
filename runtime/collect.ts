/**
 * Garbage-collection hints for the server, at the point where a request's work has just left much
 * garbage at once: after each upload's digest.
 *
 * V8 collects its old generation when the heap has grown by a factor since the last major
 * collection (2 with `--heap-growing-percent=100`). A streamed digest of a 70,000-segment core
 * leaves its parse and bookkeeping (about 25 MB) behind when it is made; the second core's digest,
 * the minimal forms stored and the diff then add theirs on top, so the heap climbed to about twice
 * what was live. One major collection after each digest keeps the peak near what is live (README,
 * "Memory of the API"). It is a pause of a few ms per 10 MB live and makes V8 collect more often
 * afterwards, so it runs only when the heap holds more than {@link COLLECT_ABOVE_BYTES}; one more
 * after each request measured 0.2 s more per request (the next one grows its heap again) for about
 * 10 MiB less, and is not made.
 *
 * The collector is reachable only when V8 runs with `--expose-gc` (`deno task start`, the Docker
 * image, the README's alias); without it every hint does nothing and the server works the same.
 *
 * @module
 */

/** V8's collector as `--expose-gc` exposes it. */
export type GcFunction = (
  options?: { type?: "minor" | "major"; execution?: "sync" | "async" },
) => void;

/**
 * Heap size (used bytes) under which {@link collect} does nothing: small requests pay nothing, and
 * after the first of two 70,000-segment uploads (about 40 MB used) a collection measured no gain.
 */
export const COLLECT_ABOVE_BYTES = 48 * 1024 * 1024;

/** Options of {@link collect}. */
export interface CollectOptions {
  /** Collect only when the heap holds more than this (default {@link COLLECT_ABOVE_BYTES}). */
  readonly above?: number;
  /** The collector (default: `globalThis.gc`, present with `--expose-gc`). */
  readonly gc?: GcFunction | undefined;
  /** The heap's used bytes now (default: `Deno.memoryUsage().heapUsed`). */
  readonly heapUsed?: () => number;
}

/**
 * Runs a major collection now, when V8 exposes its collector and the heap is large enough for it
 * to matter.
 *
 * @param options threshold (and, for tests, the collector and the heap size)
 * @returns whether a collection ran
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * let runs = 0;
 * const gc = () => void runs++;
 * assert.equal(collect({ gc, heapUsed: () => 10 << 20 }), false);
 * assert.equal(collect({ gc, heapUsed: () => 64 << 20 }), true);
 * assert.equal(runs, 1);
 * ```
 */
export function collect(options: CollectOptions = {}): boolean {
  const gc = "gc" in options ? options.gc : (globalThis as { gc?: GcFunction }).gc;
  if (typeof gc !== "function") return false;
  const used = options.heapUsed?.() ?? Deno.memoryUsage().heapUsed;
  if (used < (options.above ?? COLLECT_ABOVE_BYTES)) return false;
  gc({ type: "major", execution: "sync" });
  return true;
}
