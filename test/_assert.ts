/**
 * Small test helpers on top of `node:assert/strict` (JSR's @std/assert is unreachable here).
 *
 * @module
 */
import assert from "node:assert/strict";
import type { CoreDigest, SegmentDigest } from "../lib/digest/model.ts";
import type { CoreFile } from "../lib/elf/core.ts";
import { plainSegment } from "../lib/elf/program_header.ts";

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

/**
 * A digest as plain values, for `deepEqual`: its page rows and the core's segment, load and section
 * rows become arrays of their fields (rows made when read compare by field, not by identity).
 */
export function plainDigest(d: CoreDigest): unknown {
  return { ...d, core: plainCore(d.core), segments: plainPages(d.segments) };
}

/** A parsed core with its rows as arrays of their fields (see {@link plainDigest}). */
export function plainCore(core: CoreFile): unknown {
  return {
    ...core,
    segments: Array.from(core.segments, plainSegment),
    loads: Array.from(core.loads, plainSegment),
    sections: Array.from(core.sections, ({ name, type, addr, offset, size }) => ({
      name,
      type,
      addr,
      offset,
      size,
    })),
  };
}

/** Page rows as arrays of their fields (see {@link plainDigest}). */
export function plainPages(
  segments: Iterable<SegmentDigest>,
): { index: number; hashes: bigint[]; zero: number[]; holes: number[] | undefined }[] {
  return Array.from(segments, (s) => ({
    index: s.index,
    hashes: [...s.hashes],
    zero: [...s.zero],
    holes: s.holes && [...s.holes],
  }));
}
