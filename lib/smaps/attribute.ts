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

/**
 * Where the colon of an attribute line `text[from, to)` is (`Key:` with a letter first, then
 * letters, digits or `_`, as GDB's `A`–`Z` test), or -1 when it is not one.
 *
 * @param text the text
 * @param from where the line starts
 * @param to where it ends
 * @returns the colon's index, or -1
 */
export function attributeColon(text: string, from: number, to: number): number {
  const c0 = text.charCodeAt(from) | 0x20;
  if (from >= to || c0 < 97 || c0 > 122) return -1;
  for (let i = from + 1; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 58) return i;
    const l = c | 0x20;
    if (!((l >= 97 && l <= 122) || (c >= 48 && c <= 57) || c === 95)) return -1;
  }
  return -1;
}

/** Mutable attributes collected for one mapping while parsing (numbers go to the cache). */
export interface Attributes {
  textFields: Readonly<Record<string, string>>;
  vmFlags: ReadonlySet<string> | null;
  unknownVmFlags: readonly string[];
  /** Attribute lines so far. */
  count: number;
  /** Numeric fields so far (in {@link AttributeCache.numKeys} / `numValues`). */
  numbers: number;
  /** True while every key so far matched the previous mapping's key in its slot. */
  inOrder: boolean;
  /** The `Size` value, bytes, or -1. */
  size: number;
}

/**
 * What one parse shares between mappings: the keys in the order the previous mapping had them (a
 * key is matched in place, not cut out of the text, and needs no duplicate check while the order
 * holds), each distinct `VmFlags` line's set, and each distinct `fields` object: mappings with the
 * same keys and values share one frozen object (70,000 small mmaps have a handful), made as a
 * fast-mode copy of a template with the same keys.
 */
export class AttributeCache {
  /** Keys by slot within the previous mapping, then this one as far as parsed. */
  readonly keys: string[] = [];
  /** What each of those keys holds: 1 a `kB` field, 2 a bare number, 0 either or text. */
  readonly kinds: number[] = [];
  /** Number of slots of the previous mapping. */
  length = 0;
  /** Numeric fields of the mapping being parsed: keys and values. */
  readonly numKeys: string[] = [];
  /** Numeric fields of the mapping being parsed: values. */
  readonly numValues: number[] = [];
  /** The last `fields` object built and its keys. */
  #template: Record<string, number> | undefined;
  #templateKeys: string[] = [];
  /** `fields` objects made from the template, by a hash of their values. */
  #rows = new Map<number, Readonly<Record<string, number>>[]>();
  /** Rows used last, most recent first, with their values. */
  readonly #recent: { values: number[]; fields: Readonly<Record<string, number>> }[] = [];
  /** Whether the last `fields` object was made new (no mapping before had these values). */
  fresh = false;
  /** Parsed `VmFlags` by line value (the sets are read-only and shared). */
  readonly vmFlags = new Map<string, { set: ReadonlySet<string>; unknown: readonly string[] }>();

  /** The `fields` object of the mapping just parsed (`n` numeric fields; shared, frozen). */
  fields(n: number): Readonly<Record<string, number>> {
    const keys = this.numKeys, values = this.numValues, t = this.#template;
    let same = t !== undefined && this.#templateKeys.length === n;
    for (let i = 0; same && i < n; i++) same = keys[i] === this.#templateKeys[i];
    if (!same) {
      const dict: Record<string, number> = {};
      for (let i = 0; i < n; i++) dict[keys[i]!] = values[i]!;
      // Filled by key, an object of 22 keys is a dictionary (about 1.5 KB); its copy is a
      // fast-mode object (about 0.1 KB) whose shape every mapping with the same keys shares.
      this.#template = { ...dict };
      this.#templateKeys = keys.slice(0, n);
      this.#rows = new Map();
      this.#recent.length = 0;
    }
    // The last few rows first (runs of alike mappings), then by a hash of the values.
    for (const r of this.#recent) {
      let equal = r.values.length === n;
      for (let i = 0; equal && i < n; i++) equal = r.values[i] === values[i];
      if (equal) {
        this.fresh = false;
        return r.fields;
      }
    }
    const found = this.#find(n);
    if (this.#recent.length === 4) this.#recent.pop();
    this.#recent.unshift({ values: values.slice(0, n), fields: found });
    return found;
  }

  /** The row of the values just parsed, from the hash table or new. */
  #find(n: number): Readonly<Record<string, number>> {
    const keys = this.numKeys, values = this.numValues;
    let h = n;
    for (let i = 0; i < n; i++) {
      const v = values[i]!;
      h = Math.imul(h ^ (v | 0) ^ ((v / 4294967296) | 0), 0x9e3779b1);
    }
    let bucket = this.#rows.get(h);
    if (bucket) {
      for (const row of bucket) {
        let equal = true;
        for (let i = 0; equal && i < n; i++) equal = row[keys[i]!] === values[i];
        if (equal) {
          this.fresh = false;
          return row;
        }
      }
    } else {
      // A bounded table: a process whose mappings all differ does not fill it without end.
      if (this.#rows.size >= ROWS) this.#rows = new Map();
      bucket = [];
      this.#rows.set(h, bucket);
    }
    this.fresh = true;
    const f = { ...this.#template };
    for (let i = 0; i < n; i++) f[keys[i]!] = values[i]!;
    Object.freeze(f);
    bucket.push(f);
    return f;
  }
}

/** Most `fields` rows looked up by value at once. */
const ROWS = 16384;

/** Throws the syntax error of one attribute line. */
function attributeError(lineNo: number, at: number, key: string, problem: string): never {
  throw new SmapsSyntaxError(lineNo, at + 1, key, problem);
}

/**
 * The key of the line at `from` whose colon is at `colon`: the previous mapping's key in this slot
 * when it matches (then it cannot repeat an earlier key of this mapping), else cut out, checked
 * against this mapping's earlier keys, and remembered for the slot.
 */
function keyOf(
  text: string,
  from: number,
  colon: number,
  cache: AttributeCache,
  attrs: Attributes,
  lineNo: number,
): string {
  const k = attrs.count;
  const expected = cache.keys[k];
  if (
    attrs.inOrder && k < cache.length && expected !== undefined &&
    expected.length === colon - from && text.startsWith(expected, from)
  ) {
    return expected;
  }
  attrs.inOrder = false;
  const key = text.slice(from, colon);
  for (let i = 0; i < k; i++) {
    if (cache.keys[i] === key) {
      attributeError(lineNo, 0, key, `Duplicate field ${key} in one mapping`);
    }
  }
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
  const key = keyOf(text, from, colon, cache, attrs, lineNo);
  const kind = cache.kinds[attrs.count];
  let valueAt = colon + 1;
  while (valueAt < to && isSpace(text.charCodeAt(valueAt))) valueAt++;
  let valueEnd = to;
  while (valueEnd > valueAt && isSpace(text.charCodeAt(valueEnd - 1))) valueEnd--;
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
    addNumber(cache, attrs, key, kb * 1024);
  } else if (kind === 2) {
    const found = () => JSON.stringify(text.slice(valueAt, valueEnd));
    if (bare < 0) {
      attributeError(lineNo, valueAt - from, key, `Expected a bare number, found ${found()}`);
    }
    addNumber(cache, attrs, key, bare);
  } else if (kb >= 0) {
    addNumber(cache, attrs, key, kb * 1024);
  } else if (bare >= 0) {
    addNumber(cache, attrs, key, bare);
  } else {
    // A new object: the one every mapping starts with is shared.
    attrs.textFields = { ...attrs.textFields, [key]: text.slice(valueAt, valueEnd) };
  }
}

function addNumber(cache: AttributeCache, attrs: Attributes, key: string, value: number): void {
  cache.numKeys[attrs.numbers] = key;
  cache.numValues[attrs.numbers] = value;
  attrs.numbers++;
  if (key === "Size") attrs.size = value;
}
