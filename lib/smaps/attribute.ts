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
  textFields: Record<string, string>;
  vmFlags: Set<string> | null;
  unknownVmFlags: string[];
  count: number;
}

/** Throws the syntax error of one attribute line. */
function attributeError(lineNo: number, at: number, key: string, problem: string): never {
  throw new SmapsSyntaxError(lineNo, at + 1, key, problem);
}

/** Parses one `Key: value` line into `attrs` (no closure, regex or substring per number). */
export function parseAttribute(text: string, lineNo: number, attrs: Attributes): void {
  const colon = text.indexOf(":");
  const key = text.slice(0, colon);
  let valueAt = colon + 1;
  while (valueAt < text.length && isSpace(text.charCodeAt(valueAt))) valueAt++;
  let valueEnd = text.length;
  while (valueEnd > valueAt && isSpace(text.charCodeAt(valueEnd - 1))) valueEnd--;
  if (key in attrs.fields || key in attrs.textFields || (key === "VmFlags" && attrs.vmFlags)) {
    attributeError(lineNo, 0, key, `Duplicate field ${key} in one mapping`);
  }
  attrs.count++;
  if (key === "VmFlags") {
    const value = text.slice(valueAt, valueEnd);
    attrs.vmFlags = new Set();
    let at = valueAt;
    for (const code of value.split(/ +/)) {
      if (code === "") continue;
      if (!/^[a-z?]{2}$/.test(code)) {
        attributeError(
          lineNo,
          at,
          key,
          `Expected two-letter VmFlags codes, found ${JSON.stringify(code)}`,
        );
      }
      attrs.vmFlags.add(code);
      if (!(code in VM_FLAG_NAMES)) attrs.unknownVmFlags.push(code);
      at += code.length + 1;
    }
    return;
  }
  // "N kB" or a bare "N".
  const kbEnd = text.endsWith(" kB", valueEnd) ? valueEnd - 3 : -1;
  const kb = kbEnd > valueAt ? decimal(text, valueAt, kbEnd) : -1;
  const bare = decimal(text, valueAt, valueEnd);
  if (KB.has(key)) {
    const found = () => JSON.stringify(text.slice(valueAt, valueEnd));
    if (kb < 0) attributeError(lineNo, valueAt, key, `Expected "N kB", found ${found()}`);
    attrs.fields[key] = kb * 1024;
  } else if (BARE.has(key)) {
    const found = () => JSON.stringify(text.slice(valueAt, valueEnd));
    if (bare < 0) attributeError(lineNo, valueAt, key, `Expected a bare number, found ${found()}`);
    attrs.fields[key] = bare;
  } else if (kb >= 0) {
    attrs.fields[key] = kb * 1024;
  } else if (bare >= 0) {
    attrs.fields[key] = bare;
  } else {
    attrs.textFields[key] = text.slice(valueAt, valueEnd);
  }
}
