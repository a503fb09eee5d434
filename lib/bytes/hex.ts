/**
 * Hex rendering of addresses, offsets and hashes: the one place numbers become `"0x…"` text.
 *
 * @module
 */

/**
 * Hex rendering of a number, zero-padded to `width` digits.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(hex(0xffn, 4), "0x00ff");
 * ```
 */
export function hex(v: bigint | number, width = 0): string {
  return `0x${v.toString(16).padStart(width, "0")}`;
}
