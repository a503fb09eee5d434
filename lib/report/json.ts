/**
 * JSON rendering shared by every report: bigints (addresses, offsets, 64-bit sizes) become
 * lower-case hex strings `"0x..."`, byte arrays are never serialized, and keys keep insertion order
 * so output is deterministic.
 *
 * @module
 */

/** `JSON.stringify` replacer: bigint → `"0x…"`; typed arrays → their length only. */
export function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === "bigint") return `0x${value.toString(16)}`;
  if (ArrayBuffer.isView(value)) return { bytes: value.byteLength };
  return value;
}

/**
 * Serializes a report model as stable, indented JSON with a trailing newline.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(toJson({ a: 0xffn }), '{\n  "a": "0xff"\n}\n');
 * ```
 */
export function toJson(value: unknown): string {
  return JSON.stringify(value, jsonReplacer, 2) + "\n";
}
