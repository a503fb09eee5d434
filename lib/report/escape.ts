/**
 * Escaping per output format. Every string that comes from a core or a client (labels, NT_FILE
 * paths, `pr_fname`, `pr_psargs`, note texts, warnings) goes through the function for its format:
 * {@link escapeXml} for HTML and JUnit, {@link escapeTerminal} for text, {@link escapeMarkdown} for
 * Markdown. Nothing is inserted raw.
 *
 * @module
 */

/** Characters XML 1.0 cannot hold at all (not even as references), and lone surrogates. */
const XML_INVALID = new RegExp(
  "[\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\ufffe\\uffff]|" +
    "[\\ud800-\\udbff](?![\\udc00-\\udfff])|(?<![\\ud800-\\udbff])[\\udc00-\\udfff]",
  "gu",
);

/**
 * Control characters, DEL, C1 controls, and the bidirectional overrides that reorder what a reader
 * sees (Trojan Source), which a terminal or a rendered page must not receive raw.
 */
// deno-lint-ignore no-control-regex
const CONTROLS = new RegExp(
  "[\\u0000-\\u001f\\u007f-\\u009f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069]",
  "g",
);

/** `\xHH` or `\u{HHHH}`: a visible stand-in for an invisible or forbidden character. */
function visible(c: string): string {
  const n = c.codePointAt(0)!;
  return n < 0x100 ? `\\x${n.toString(16).padStart(2, "0")}` : `\\u{${n.toString(16)}}`;
}

/**
 * Escapes `& < > " '` for HTML and XML text and attribute values, and writes characters XML cannot
 * hold (C0 controls but tab and newlines, U+FFFE, U+FFFF, lone surrogates) and bidi overrides as
 * visible `\xHH` / `\u{HHHH}`, so the result is always well-formed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(escapeXml(`<a href="x">&</a>`), "&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;");
 * assert.equal(escapeXml("a\u0001b\ufffe"), "a\\x01b\\u{fffe}");
 * ```
 */
export function escapeXml(s: string): string {
  return s.replace(XML_INVALID, visible).replace(/[\u202a-\u202e\u2066-\u2069]/g, visible)
    .replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

/**
 * Makes a string safe for a terminal: control characters (ESC, BEL, CR, newlines), DEL, C1 controls
 * and bidi overrides become visible `\xHH` / `\u{HHHH}`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(escapeTerminal("red\u001b[31m"), "red\\x1b[31m");
 * ```
 */
export function escapeTerminal(s: string): string {
  return s.replace(CONTROLS, visible);
}

/**
 * Makes a string inert in Markdown (GitHub job summaries render inline HTML): `& < >` become
 * entities, Markdown punctuation (`\ ` * _ [ ] | ~ #`) is backslash-escaped, controls as in
 * {@link escapeTerminal}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(escapeMarkdown("<img src=x>|*a*"), "&lt;img src=x&gt;\\|\\*a\\*");
 * ```
 */
export function escapeMarkdown(s: string): string {
  return escapeTerminal(s).replace(/[&<>]/g, (c) => ENTITIES[c]!)
    .replace(/[\\`*_[\]|~#!]/g, (c) => `\\${c}`);
}

const ENTITIES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};
