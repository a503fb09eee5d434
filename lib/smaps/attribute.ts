/**
 * One smaps attribute line (`Key: value`) into the attributes of its mapping. A 70,000-mapping smaps
 * has about 1.7 million of these lines, so numbers and spaces are read without a closure, a regex
 * or a substring per line.
 *
 * @module
 */

import { SmapsSyntaxError } from "../errors.ts";
import { BARE_FIELDS, KB_FIELDS, VM_FLAG_NAMES } from "./fields.ts";

const KB = new Set(KB_FIELDS);
const BARE = new Set(BARE_FIELDS);

/** Space, tab, CR, LF, VT, FF (what `trim` removes from smaps text). */
function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/** The value of `text[from, to)` when it is 1-15 decimal digits, else -1. */
function decimal(text: string, from: number, to: number): number {
  if (to <= from || to - from > 15) return -1;
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

/** Mutable attributes collected for one mapping while parsing. */
export interface Attributes {
  fields: Record<string, number>;
  textFields: Readonly<Record<string, string>>;
  vmFlags: ReadonlySet<string> | null;
  unknownVmFlags: readonly string[];
  count: number;
}

/**
 * What one parse shares between mappings: the keys in the order the previous mapping had them (so
 * a key is matched in place, not cut out of the text), and each distinct `VmFlags` line's set.
 */
export class AttributeCache {
  /** Keys by position within a mapping, as last seen. */
  readonly keys: string[] = [];
  /** What each of those keys holds: 1 a `kB` field, 2 a bare number, 0 either or text. */
  readonly kinds: number[] = [];
  /** Parsed `VmFlags` by line value (the sets are read-only and shared). */
  readonly vmFlags = new Map<string, { set: ReadonlySet<string>; unknown: readonly string[] }>();
}

/** Throws the syntax error of one attribute line. */
function attributeError(lineNo: number, at: number, key: string, problem: string): never {
  throw new SmapsSyntaxError(lineNo, at + 1, key, problem);
}

/** The key of the line at `from` whose colon is at `colon`, matched against the expected one. */
function keyOf(
  text: string,
  from: number,
  colon: number,
  cache: AttributeCache,
  k: number,
): string {
  const expected = cache.keys[k];
  if (
    expected !== undefined && expected.length === colon - from && text.startsWith(expected, from)
  ) {
    return expected;
  }
  const key = text.slice(from, colon);
  cache.keys[k] = key;
  cache.kinds[k] = KB.has(key) ? 1 : BARE.has(key) ? 2 : 0;
  return key;
}

/** Parses a `VmFlags` value (`text[from, to)`, trimmed): a shared set per distinct line. */
function vmFlagsOf(
  text: string,
  from: number,
  to: number,
  lineStart: number,
  lineNo: number,
  cache: AttributeCache,
): { set: ReadonlySet<string>; unknown: readonly string[] } {
  const value = text.slice(from, to);
  const known = cache.vmFlags.get(value);
  if (known) return known;
  const set = new Set<string>();
  const unknown: string[] = [];
  let at = from - lineStart;
  for (const code of value.split(/ +/)) {
    if (code === "") continue;
    if (!/^[a-z?]{2}$/.test(code)) {
      attributeError(
        lineNo,
        at,
        "VmFlags",
        `Expected two-letter VmFlags codes, found ${JSON.stringify(code)}`,
      );
    }
    set.add(code);
    if (!(code in VM_FLAG_NAMES)) unknown.push(code);
    at += code.length + 1;
  }
  const parsed = { set, unknown };
  cache.vmFlags.set(value, parsed);
  return parsed;
}

/**
 * Parses one `Key: value` line, `text[from, to)` with its colon at `colon`, into `attrs` (no
 * closure, regex or substring per number).
 */
export function parseAttribute(
  text: string,
  from: number,
  colon: number,
  to: number,
  lineNo: number,
  attrs: Attributes,
  cache: AttributeCache,
): void {
  const slot = attrs.count;
  const key = keyOf(text, from, colon, cache, slot);
  const kind = cache.kinds[slot];
  let valueAt = colon + 1;
  while (valueAt < to && isSpace(text.charCodeAt(valueAt))) valueAt++;
  let valueEnd = to;
  while (valueEnd > valueAt && isSpace(text.charCodeAt(valueEnd - 1))) valueEnd--;
  if (key in attrs.fields || key in attrs.textFields || (key === "VmFlags" && attrs.vmFlags)) {
    attributeError(lineNo, 0, key, `Duplicate field ${key} in one mapping`);
  }
  attrs.count++;
  if (key === "VmFlags") {
    const { set, unknown } = vmFlagsOf(text, valueAt, valueEnd, from, lineNo, cache);
    attrs.vmFlags = set;
    attrs.unknownVmFlags = unknown;
    return;
  }
  // "N kB" or a bare "N".
  const kbEnd = valueEnd - valueAt > 3 && text.startsWith(" kB", valueEnd - 3) ? valueEnd - 3 : -1;
  const kb = kbEnd > valueAt ? decimal(text, valueAt, kbEnd) : -1;
  const bare = kb >= 0 ? -1 : decimal(text, valueAt, valueEnd);
  if (kind === 1) {
    const found = () => JSON.stringify(text.slice(valueAt, valueEnd));
    if (kb < 0) attributeError(lineNo, valueAt - from, key, `Expected "N kB", found ${found()}`);
    attrs.fields[key] = kb * 1024;
  } else if (kind === 2) {
    const found = () => JSON.stringify(text.slice(valueAt, valueEnd));
    if (bare < 0) {
      attributeError(lineNo, valueAt - from, key, `Expected a bare number, found ${found()}`);
    }
    attrs.fields[key] = bare;
  } else if (kb >= 0) {
    attrs.fields[key] = kb * 1024;
  } else if (bare >= 0) {
    attrs.fields[key] = bare;
  } else {
    // A new object: the one every mapping starts with is shared.
    attrs.textFields = { ...attrs.textFields, [key]: text.slice(valueAt, valueEnd) };
  }
}
