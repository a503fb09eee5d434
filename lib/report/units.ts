/**
 * Human-readable quantities shared by the renderers and the web UI.
 *
 * @module
 */

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];

/**
 * A byte count in binary units, at most three significant digits: `8 KiB`, `1.5 MiB`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(formatBytes(0), "0 B");
 * assert.equal(formatBytes(8192), "8 KiB");
 * assert.equal(formatBytes(1536 * 1024), "1.5 MiB");
 * ```
 */
export function formatBytes(n: number): string {
  let v = n, u = 0;
  while (Math.abs(v) >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  const digits = u === 0 || v >= 100 ? 0 : v >= 10 ? 1 : 2;
  return `${Number(v.toFixed(digits))} ${UNITS[u]}`;
}

/**
 * A count with its noun, singular for one: `1 page`, `70,000 ranges`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(plural(1, "page"), "1 page");
 * assert.equal(plural(70000, "range"), "70,000 ranges");
 * ```
 */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString("en-US")} ${n === 1 ? one : many}`;
}
