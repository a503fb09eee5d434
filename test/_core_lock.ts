/**
 * The machine-wide core_pattern lock: a test that changes `/proc/sys/kernel/core_pattern` holds it
 * exclusively; every test that makes kernel cores holds it shared, so no core lands elsewhere while
 * the pattern is changed.
 *
 * @module
 */

/** The lock file every engineer's tests agree on. */
export const CORE_PATTERN_LOCK = "/tmp/coredelta-core-pattern.lock";

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
