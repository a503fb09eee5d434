/**
 * JSON rendering shared by every report: bigints (addresses, offsets, 64-bit sizes) become
 * lower-case hex strings `"0x..."`, byte arrays are never serialized, and keys keep insertion order
 * so output is deterministic.
 *
 * @module
 */

/** `JSON.stringify` replacer: bigint → `"0x…"`; typed arrays → their length only. */
export function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === "bigint") {
    return value < 0n ? `-0x${(-value).toString(16)}` : `0x${value.toString(16)}`;
  }
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

/**
 * The text of {@link toJson} for a value with a long array under `key`, in pieces: everything
 * before the array, then each element, then the rest. A caller writes them as they come, so a
 * report with every range listed (70,000 of them) is never one string in memory.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const v = { a: 1, ranges: [{ x: 1n }, { x: 2n }], b: [] };
 * assert.equal([...jsonChunks(v, "ranges")].join(""), toJson(v));
 * ```
 */
export function* jsonChunks(value: Record<string, unknown>, key: string): Generator<string> {
  const items = value[key];
  if (!Array.isArray(items) || items.length === 0) {
    yield toJson(value);
    return;
  }
  const marker = "\u0001coredelta-array\u0001";
  const outline = toJson({ ...value, [key]: marker });
  const quoted = JSON.stringify(marker);
  const at = outline.indexOf(quoted);
  const lineStart = outline.lastIndexOf("\n", at) + 1;
  const indent = outline.slice(lineStart, at).match(/^ */)![0];
  const inner = indent + "  ";
  yield outline.slice(0, at) + "[\n";
  for (let i = 0; i < items.length; i++) {
    const text = JSON.stringify(items[i], jsonReplacer, 2).replaceAll("\n", `\n${inner}`);
    yield `${inner}${text}${i + 1 < items.length ? "," : ""}\n`;
  }
  yield `${indent}]` + outline.slice(at + quoted.length);
}
