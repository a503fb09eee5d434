/**
 * A plain aligned text table for terminal output.
 *
 * @module
 */

/**
 * Renders rows as columns padded to their widest cell (the last column is not padded).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(textTable([["a", "bb"], ["ccc", "d"]]), "a    bb\nccc  d\n");
 * ```
 */
export function textTable(rows: readonly (readonly string[])[], indent = ""): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((r) =>
    indent +
    r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join("  ").trimEnd() + "\n"
  ).join("");
}
