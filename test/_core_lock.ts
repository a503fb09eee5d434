/**
 * The machine-wide core_pattern lock: a test that changes `/proc/sys/kernel/core_pattern` holds it
 * exclusively; every test that makes kernel cores holds it shared, so no core lands elsewhere while
 * the pattern is changed. Tests that only read `core_pattern` (capture's preflight) hold it shared
 * too. It is an `flock`, so it holds across processes and the workers of `deno test --parallel`.
 *
 * @module
 */

/** The lock file every engineer's tests agree on. */
export const CORE_PATTERN_LOCK = "/tmp/coredelta-core-pattern.lock";

const PATTERN = "/proc/sys/kernel/core_pattern";

/**
 * Runs `fn` holding the core_pattern lock.
 *
 * @param exclusive true to change core_pattern, false (default) to make kernel cores
 * @param fn the work
 * @returns what `fn` returns
 */
export async function withCoreLock<T>(fn: () => Promise<T>, exclusive = false): Promise<T> {
  const file = await Deno.open(CORE_PATTERN_LOCK, { create: true, read: true, write: true });
  try {
    await file.lock(exclusive);
    return await fn();
  } finally {
    file.close();
  }
}

/**
 * Runs `fn` while no other test may change `core_pattern` (the lock, shared).
 *
 * @param fn the part of the test that makes kernel cores
 * @returns what `fn` returns
 */
export function withKernelCores<T>(fn: () => Promise<T>): Promise<T> {
  return withCoreLock(fn, false);
}

/**
 * Sets `core_pattern` to `pattern` for the duration of `fn` (the lock, exclusive: no other test
 * makes kernel cores meanwhile) and restores the previous pattern afterwards, whatever happens.
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
    Deno.openSync(PATTERN, { write: true }).close();
    return undefined;
  } catch (e) {
    return `cannot write ${PATTERN}: ${e instanceof Error ? e.message : e}`;
  }
}
