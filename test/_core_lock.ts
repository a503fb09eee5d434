/**
 * One machine-wide lock around `/proc/sys/kernel/core_pattern`, for every test that makes kernel
 * cores. Tests that only make cores take it shared ({@link withKernelCores}); a test that changes
 * `core_pattern` takes it exclusive and restores the old pattern before letting go
 * ({@link withCorePattern}), so no test ever finds its core sent somewhere else. The lock is the
 * `flock` of `_live_cores.ts` (`withCoreLock`), so it holds across processes and across the test
 * workers of one `deno test --parallel`. Tests that only read `core_pattern` (capture's preflight)
 * take it shared too.
 *
 * @module
 */

import { withCoreLock } from "./_live_cores.ts";

const PATTERN = "/proc/sys/kernel/core_pattern";

/**
 * Runs `fn` while no other test may change `core_pattern` (a shared lock).
 *
 * @param fn the part of the test that makes kernel cores
 * @returns what `fn` returns
 */
export function withKernelCores<T>(fn: () => Promise<T>): Promise<T> {
  return withCoreLock(fn, false);
}

/**
 * Sets `core_pattern` to `pattern` for the duration of `fn` (an exclusive lock: no other test makes
 * kernel cores meanwhile) and restores the previous pattern afterwards, whatever happens.
 *
 * @param pattern the temporary pattern (e.g. `|/tmp/x/collect %p`)
 * @param fn the test body; gets the previous pattern
 * @returns what `fn` returns
 */
export function withCorePattern<T>(
  pattern: string,
  fn: (previous: string) => Promise<T>,
): Promise<T> {
  return withCoreLock(async () => {
    const previous = (await Deno.readTextFile(PATTERN)).replace(/\n$/, "");
    await Deno.writeTextFile(PATTERN, pattern);
    try {
      return await fn(previous);
    } finally {
      await Deno.writeTextFile(PATTERN, previous);
    }
  }, true);
}

/**
 * Whether this process may change `core_pattern` (root with a writable `/proc/sys`).
 *
 * @returns `undefined` when it may, else why not
 */
export function corePatternUnchangeable(): string | undefined {
  try {
    const f = Deno.openSync(PATTERN, { write: true });
    f.close();
    return undefined;
  } catch (e) {
    return `cannot write ${PATTERN}: ${e instanceof Error ? e.message : e}`;
  }
}
