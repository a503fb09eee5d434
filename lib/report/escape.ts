/**
 * Escaping for HTML and XML output: every untrusted string (pathnames, psargs, labels) goes through
 * {@link escapeXml}; nothing is inserted raw.
 *
 * @module
 */

/**
 * Escapes `& < > " '` for HTML and XML text and attribute values.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(escapeXml(`<a href="x">&</a>`), "&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;");
 * ```
 */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

const ENTITIES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};
