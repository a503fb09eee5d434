/**
 * Small test helpers on top of `node:assert/strict` (JSR's @std/assert is unreachable here).
 *
 * @module
 */
import assert from "node:assert/strict";

/** Runs `fn`, asserts it throws an instance of `cls`, and returns the error for further checks. */
export function throwsWith<E extends Error>(
  fn: () => unknown,
  // deno-lint-ignore no-explicit-any
  cls: new (...args: any[]) => E,
): E {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof cls, `expected ${cls.name}, got ${e}`);
    return e;
  }
  assert.fail(`expected ${cls.name} to be thrown`);
}

/** Awaits `p`, asserts it rejects with an instance of `cls`, and returns the error. */
export async function rejectsWith<E extends Error>(
  p: Promise<unknown> | (() => Promise<unknown>),
  // deno-lint-ignore no-explicit-any
  cls: new (...args: any[]) => E,
): Promise<E> {
  try {
    await (typeof p === "function" ? p() : p);
  } catch (e) {
    assert.ok(e instanceof cls, `expected ${cls.name}, got ${e}`);
    return e;
  }
  assert.fail(`expected ${cls.name} to be thrown`);
}
