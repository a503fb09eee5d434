/**
 * `/proc/PID/smaps` and `maps` parsed from byte chunks as they arrive ({@link SmapsParser}): the
 * text is never held whole (a 70,000-mapping smaps is 50 MB), and each line is read from the bytes
 * in place. Lines the fast path does not take as they are (a key out of the previous mapping's
 * order, a new `VmFlags` line, a text value, anything malformed) are decoded and handed to the
 * string parsers of `header.ts` and `attribute.ts`, so errors and unusual input are treated exactly
 * as `parseSmaps` treats them, with the same line and column.
 *
 * Two differences from a whole-text parse, both about malformed text: a text whose first line ends
 * in `\r` loses the `\r` of every line that has one (a whole-text parse keeps them all unless every
 * line has one); and an smaps whose first mapping has no attribute line is reported when the first
 * attribute line arrives, after errors of the lines in between.
 *
 * @module
 */

import { AttributeCache, attributeColon, type Attributes, parseAttribute } from "./attribute.ts";
import { SmapsSyntaxError } from "../errors.ts";
import { type Header, parseHeader } from "./header.ts";
import type { MapsFormat, SmapsDocument, SmapsMapping } from "./parse.ts";
import { SmapsTable, tableDocument } from "./table.ts";

const NL = 10, CR = 13, SPACE = 32, COLON = 58;
const ZERO = BigInt(0);

/** Shared (frozen) placeholders: most mappings have no text field and no unknown flag. */
const NO_TEXT: Readonly<Record<string, string>> = Object.freeze({});
const NO_FLAGS: readonly string[] = Object.freeze([]);

/** Space, tab, CR, LF, VT, FF (what `trim` removes from smaps text). */
function isSpace(c: number): boolean {
  return c === SPACE || (c >= 9 && c <= 13);
}

/** A hex digit's value, or -1. */
function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 0x20;
  return l >= 97 && l <= 102 ? l - 87 : -1;
}

/** The value of `b[from, to)` when it is 1-15 decimal digits, else -1. */
function decimal(b: Uint8Array, from: number, to: number): number {
  if (to <= from || to - from > 15) return -1;
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = b[i]! - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

/** FNV-1a of `b[from, to)`. */
function hashBytes(b: Uint8Array, from: number, to: number): number {
  let h = 0x811c9dc5;
  for (let i = from; i < to; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  return h >>> 0;
}

function sameBytes(a: Uint8Array, b: Uint8Array, from: number, to: number): boolean {
  if (a.length !== to - from) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[from + i]) return false;
  return true;
}

/** A parsed `VmFlags` value (shared by every mapping with the same line). */
type VmFlagsEntry = { set: ReadonlySet<string>; unknown: readonly string[] };

/**
 * Parses smaps or maps text pushed as byte chunks of any size (UTF-8; invalid sequences in names
 * become U+FFFD as a text decoder makes them). The result equals `parseSmaps` of the whole text.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const bytes = new TextEncoder().encode(
 *   "7ffd1000-7ffd3000 rw-p 00000000 00:00 0 [stack]\nSize: 8 kB\nVmFlags: rd wr gd \n",
 * );
 * const p = new SmapsParser();
 * for (let i = 0; i < bytes.length; i += 7) p.push(bytes.subarray(i, i + 7));
 * const doc = p.end();
 * assert.equal(doc.format, "smaps");
 * assert.equal(doc.mappings[0]!.fields.Size, 8192);
 * ```
 */
export class SmapsParser {
  #carry = new Uint8Array(256);
  #carryLength = 0;
  #lineNo = 0;
  /** Whether lines end in CRLF (decided by the first line). */
  #crlf: boolean | undefined;
  #sawAttribute = false;
  /** Line of a first mapping that had no attribute line, until an attribute line shows smaps. */
  #bareLine = 0;
  readonly #columns = new Columns();
  readonly #bodies: SmapsMapping[] = [];
  readonly #bodyIndex = new Map<string, number>();
  readonly #ids = new Map<object | bigint, number>();
  /** Bodies used last, most recent first. */
  readonly #recent: number[] = [];
  readonly #cache = new AttributeCache();
  /** `cache.keys` as bytes, by slot, and the key each was made from. */
  readonly #keyBytes: (Uint8Array | undefined)[] = [];
  readonly #keyNames: (string | undefined)[] = [];
  readonly #seen = new Map<string, string>();
  readonly #vmFlags = new Map<number, { bytes: Uint8Array; entry: VmFlagsEntry }>();
  readonly #devs = new Map<number, string>();
  readonly #inodes = new Map<number, bigint>();
  #lastName: { bytes: Uint8Array; name: string } = { bytes: new Uint8Array(0), name: "" };
  #header: Header | undefined;
  #attrs: Attributes | undefined;
  #prevEnd = -1n;
  #ended = false;
  readonly #decoder = new TextDecoder();
  readonly #encoder = new TextEncoder();

  /** Mappings parsed so far. */
  get length(): number {
    return this.#columns.length;
  }

  /**
   * Parses the complete lines of `chunk` (and of what earlier chunks left); keeps the rest.
   *
   * @param chunk the next bytes of the text (not kept: the caller may reuse it)
   * @throws {SmapsSyntaxError} at the first malformed line
   */
  push(chunk: Uint8Array): void {
    if (this.#ended) throw new Error("SmapsParser: push after end");
    let from = 0;
    if (this.#carryLength > 0) {
      const nl = chunk.indexOf(NL);
      if (nl < 0) {
        this.#keep(chunk, 0);
        return;
      }
      this.#keep(chunk.subarray(0, nl), 0);
      const line = this.#carry;
      const n = this.#carryLength;
      this.#carryLength = 0;
      this.#line(line, 0, n);
      from = nl + 1;
    }
    const n = chunk.length;
    while (from < n) {
      // Most lines are read in one pass by #fastLine; the rest are found first (a loop, not
      // `indexOf`: a call into the runtime per line costs more than the line).
      const next = this.#fastLine(chunk, from, n);
      if (next >= 0) {
        from = next;
        continue;
      }
      let i = from;
      while (i < n && chunk[i] !== NL) i++;
      if (i === n) break;
      this.#line(chunk, from, i);
      from = i + 1;
    }
    if (from < n) this.#keep(chunk, from);
  }

  /**
   * The common line in one pass: the previous mapping's key in this slot, spaces, then `N kB`, a
   * bare `N` or a known `VmFlags` value, and a newline. Returns where the next line starts, or -1
   * when the line is anything else (then nothing has changed and `#line` takes it).
   */
  #fastLine(b: Uint8Array, from: number, n: number): number {
    const attrs = this.#attrs, cache = this.#cache;
    if (attrs === undefined || !attrs.inOrder || this.#crlf !== false) return -1;
    const k = attrs.count;
    if (k >= cache.length) return -1;
    const key = this.#keyBytes[k];
    if (key === undefined) return -1;
    const kl = key.length;
    if (from + kl + 2 >= n) return -1;
    for (let j = 0; j < kl; j++) if (b[from + j] !== key[j]) return -1;
    let p = from + kl;
    if (b[p] !== COLON) return -1;
    p++;
    while (p < n && b[p] === SPACE) p++;
    const name = cache.keys[k]!;
    if (name === "VmFlags") {
      let end = p;
      while (end < n && b[end] !== NL) end++;
      if (end === n) return -1;
      let valueEnd = end;
      while (valueEnd > p && isSpace(b[valueEnd - 1]!)) valueEnd--;
      const found = this.#vmFlags.get(hashBytes(b, p, valueEnd));
      if (!found || !sameBytes(found.bytes, b, p, valueEnd)) return -1;
      this.#lineNo++;
      attrs.count++;
      attrs.vmFlags = found.entry.set;
      attrs.unknownVmFlags = found.entry.unknown;
      return end + 1;
    }
    const digits = p;
    let value = 0;
    for (; p < n; p++) {
      const c = b[p]! - 48;
      if (c < 0 || c > 9) break;
      value = value * 10 + c;
    }
    if (p === digits || p - digits > 15 || p >= n) return -1;
    const kind = cache.kinds[k];
    if (b[p] === NL) {
      if (kind === 1) return -1;
    } else if (
      p + 3 < n && b[p] === SPACE && b[p + 1] === 107 && b[p + 2] === 66 && b[p + 3] === NL &&
      kind !== 2
    ) {
      value *= 1024;
      p += 3;
    } else return -1;
    this.#lineNo++;
    attrs.count++;
    cache.numKeys[attrs.numbers] = name;
    cache.numValues[attrs.numbers] = value;
    attrs.numbers++;
    if (name === "Size") attrs.size = value;
    return p + 1;
  }

  /**
   * Parses what is left (a last line without a newline) and returns the document.
   *
   * @returns the format and the mappings
   * @throws {SmapsSyntaxError} on malformed text
   */
  end(): SmapsDocument {
    if (this.#ended) throw new Error("SmapsParser: end called twice");
    if (this.#carryLength > 0) {
      const n = this.#carryLength;
      this.#carryLength = 0;
      this.#line(this.#carry, 0, n);
    }
    this.#ended = true;
    this.#finish();
    const format: MapsFormat = this.#sawAttribute ? "smaps" : "maps";
    const c = this.#columns;
    return tableDocument(format, new SmapsTable(c.trimmed(), this.#bodies, c.length, true));
  }

  /** Appends `chunk[from..]` to the unfinished line. */
  #keep(chunk: Uint8Array, from: number): void {
    const add = chunk.length - from;
    const need = this.#carryLength + add;
    if (need > this.#carry.length) {
      const grown = new Uint8Array(Math.max(need, this.#carry.length * 2));
      grown.set(this.#carry.subarray(0, this.#carryLength));
      this.#carry = grown;
    }
    this.#carry.set(chunk.subarray(from), this.#carryLength);
    this.#carryLength = need;
  }

  /** One line, `b[from, to)` without its newline. */
  #line(b: Uint8Array, from: number, to: number): void {
    const lineNo = ++this.#lineNo;
    if (this.#crlf === undefined) this.#crlf = to > from && b[to - 1] === CR;
    if (this.#crlf && to > from && b[to - 1] === CR) to--;
    if (to === from) throw new SmapsSyntaxError(lineNo, 1, "start", "Unexpected empty line");
    // Most lines: the previous mapping's key in this slot, then "N kB".
    const attrs = this.#attrs;
    if (attrs !== undefined && attrs.inOrder && attrs.count < this.#cache.length) {
      const key = this.#keyBytes[attrs.count];
      if (
        key !== undefined && to - from > key.length && b[from + key.length] === COLON &&
        sameBytes(key, b, from, from + key.length) &&
        this.#fastAttribute(b, from + key.length, to)
      ) return;
    }
    const colon = attributeColonBytes(b, from, to);
    if (colon >= 0) {
      if (!this.#attrs) {
        const key = this.#decoder.decode(b.subarray(from, colon));
        throw new SmapsSyntaxError(lineNo, 1, key, "Attribute line before any mapping header");
      }
      if (!this.#sawAttribute) {
        this.#sawAttribute = true;
        if (this.#bareLine > 0) throw noAttributes(this.#bareLine);
      }
      this.#slowAttribute(b, from, to, lineNo);
      return;
    }
    if (hexDigit(b[from]!) < 0) {
      const line = this.#decoder.decode(b.subarray(from, to));
      throw new SmapsSyntaxError(
        lineNo,
        1,
        "start",
        `Expected a mapping header or "Key: value", found ${JSON.stringify(line.slice(0, 20))}`,
      );
    }
    this.#finish();
    const header = this.#fastHeader(b, from, to, lineNo) ??
      parseHeader(this.#decoder.decode(b.subarray(from, to)), lineNo, this.#seen);
    if (header.name === "[rollup]") {
      const line = this.#decoder.decode(b.subarray(from, to));
      throw new SmapsSyntaxError(
        lineNo,
        line.length - header.name.length + 1,
        "name",
        "This is smaps_rollup: it sums every mapping into one and has no per-mapping data; give /proc/PID/smaps",
      );
    }
    if (header.start < this.#prevEnd) {
      throw new SmapsSyntaxError(
        lineNo,
        1,
        "start",
        "Mapping overlaps or precedes the previous one",
      );
    }
    this.#prevEnd = header.end;
    this.#header = header;
    this.#attrs = {
      textFields: NO_TEXT,
      vmFlags: null,
      unknownVmFlags: NO_FLAGS,
      count: 0,
      numbers: 0,
      inOrder: true,
      size: -1,
    };
  }

  /** Ends the mapping being parsed. */
  #finish(): void {
    const header = this.#header, attrs = this.#attrs;
    if (!header || !attrs) return;
    this.#header = undefined;
    if (attrs.count === 0) {
      if (this.#sawAttribute) throw noAttributes(header.line);
      if (this.#bareLine === 0) this.#bareLine = header.line;
    }
    const size = attrs.size;
    if (size >= 0 && size !== header.size) {
      throw new SmapsSyntaxError(
        header.line,
        1,
        "Size",
        `Size ${size} bytes does not match end - start = ${header.size} bytes`,
      );
    }
    const cache = this.#cache;
    const fields = cache.fields(attrs.numbers);
    cache.length = attrs.count;
    // Alike mappings share a body: same header but addresses, same fields, flags and no text
    // field. The last few bodies are tried first (runs of alike mappings), then a key.
    const plain = attrs.textFields === NO_TEXT;
    let body: number | undefined;
    if (plain) {
      for (const r of this.#recent) {
        const m = this.#bodies[r]!;
        if (
          m.size === header.size && m.fields === fields && m.vmFlags === attrs.vmFlags &&
          m.name === header.name && m.perms === header.perms && m.offset === header.offset &&
          m.inode === header.inode && m.dev === header.dev && m.textFields === NO_TEXT &&
          m.unknownVmFlags === attrs.unknownVmFlags
        ) {
          body = r;
          break;
        }
      }
    }
    const key = !plain || body !== undefined
      ? undefined
      : `${header.perms}\0${header.size}\0${this.#idOf(header.offset)}\0${header.dev}\0${
        this.#idOf(header.inode)
      }\0${this.#idOf(fields)}\0${this.#idOf(attrs.vmFlags)}\0${
        this.#idOf(attrs.unknownVmFlags)
      }\0${header.name}`;
    if (key !== undefined) body = this.#bodyIndex.get(key);
    if (body === undefined) {
      body = this.#bodies.length;
      if (key !== undefined) this.#bodyIndex.set(key, body);
      this.#bodies.push({
        line: header.line,
        start: header.start,
        end: header.end,
        size: header.size,
        perms: header.perms,
        read: header.read,
        write: header.write,
        exec: header.exec,
        mayShare: header.mayShare,
        offset: header.offset,
        dev: header.dev,
        inode: header.inode,
        name: header.name,
        fields,
        textFields: attrs.textFields,
        vmFlags: attrs.vmFlags,
        unknownVmFlags: attrs.unknownVmFlags,
      });
    }
    this.#columns.add(header.line, header.start, header.end, body);
    if (plain && this.#recent[0] !== body) {
      const at = this.#recent.indexOf(body);
      if (at >= 0) this.#recent.splice(at, 1);
      else if (this.#recent.length === 4) this.#recent.pop();
      this.#recent.unshift(body);
    }
  }

  /** A small number per distinct shared object or value (`fields`, flag sets; `null` is 0). */
  #idOf(x: object | bigint | null): number {
    if (x === null) return 0;
    let id = this.#ids.get(x);
    if (id === undefined) {
      id = this.#ids.size + 1;
      this.#ids.set(x, id);
    }
    return id;
  }

  /**
   * The value of an attribute line whose key is the previous mapping's in this slot, when it is
   * well formed (else false, and nothing is changed).
   */
  #fastAttribute(b: Uint8Array, colon: number, to: number): boolean {
    const attrs = this.#attrs!, cache = this.#cache;
    const k = attrs.count;
    let valueAt = colon + 1;
    while (valueAt < to && isSpace(b[valueAt]!)) valueAt++;
    let valueEnd = to;
    while (valueEnd > valueAt && isSpace(b[valueEnd - 1]!)) valueEnd--;
    const name = cache.keys[k]!;
    if (name === "VmFlags") {
      const found = this.#vmFlags.get(hashBytes(b, valueAt, valueEnd));
      if (!found || !sameBytes(found.bytes, b, valueAt, valueEnd)) return false;
      attrs.count++;
      attrs.vmFlags = found.entry.set;
      attrs.unknownVmFlags = found.entry.unknown;
      return true;
    }
    const kind = cache.kinds[k];
    const kbEnd = valueEnd - valueAt > 3 && b[valueEnd - 3] === SPACE && b[valueEnd - 2] === 107 &&
        b[valueEnd - 1] === 66
      ? valueEnd - 3
      : -1;
    const kb = kbEnd > valueAt ? decimal(b, valueAt, kbEnd) : -1;
    let value: number;
    if (kb >= 0 && kind !== 2) value = kb * 1024;
    else if (kb < 0 && kind !== 1) {
      value = decimal(b, valueAt, valueEnd);
      if (value < 0) return false;
    } else return false;
    attrs.count++;
    cache.numKeys[attrs.numbers] = name;
    cache.numValues[attrs.numbers] = value;
    attrs.numbers++;
    if (name === "Size") attrs.size = value;
    return true;
  }

  /** Any attribute line, through the string parser (which throws the errors). */
  #slowAttribute(b: Uint8Array, from: number, to: number, lineNo: number): void {
    const line = this.#decoder.decode(b.subarray(from, to));
    const attrs = this.#attrs!, cache = this.#cache;
    const k = attrs.count;
    parseAttribute(
      line,
      0,
      attributeColon(line, 0, line.length),
      line.length,
      lineNo,
      attrs,
      cache,
    );
    const key = cache.keys[k]!;
    if (this.#keyNames[k] !== key) {
      this.#keyNames[k] = key;
      this.#keyBytes[k] = this.#encoder.encode(key);
    }
    if (key === "VmFlags") {
      let valueAt = from + key.length + 1;
      while (valueAt < to && isSpace(b[valueAt]!)) valueAt++;
      let valueEnd = to;
      while (valueEnd > valueAt && isSpace(b[valueEnd - 1]!)) valueEnd--;
      const entry = cache.vmFlags.get(this.#decoder.decode(b.subarray(valueAt, valueEnd)));
      if (entry) {
        this.#vmFlags.set(hashBytes(b, valueAt, valueEnd), {
          bytes: b.slice(valueAt, valueEnd),
          entry,
        });
      }
    }
  }

  /** A well-formed header line of common shape, or undefined (then `parseHeader` decides). */
  #fastHeader(b: Uint8Array, from: number, to: number, lineNo: number): Header | undefined {
    let p = from;
    const start = this.#hex(b, p, to, 45);
    if (start === undefined) return undefined;
    p = this.#at;
    const end = this.#hex(b, p, to, SPACE);
    if (end === undefined || end <= start) return undefined;
    p = this.#at;
    if (p + 5 > to || b[p + 4] !== SPACE) return undefined;
    const r = b[p], w = b[p + 1], x = b[p + 2], s = b[p + 3];
    if (
      (r !== 114 && r !== 45) || (w !== 119 && w !== 45) || (x !== 120 && x !== 45) ||
      (s !== 112 && s !== 115)
    ) return undefined;
    p += 5;
    const offset = this.#hex(b, p, to, SPACE);
    if (offset === undefined) return undefined;
    p = this.#at;
    // Device: exactly "hh:hh" (anything else through parseHeader).
    if (
      p + 6 > to || b[p + 2] !== COLON || b[p + 5] !== SPACE || hexDigit(b[p]!) < 0 ||
      hexDigit(b[p + 1]!) < 0 || hexDigit(b[p + 3]!) < 0 || hexDigit(b[p + 4]!) < 0
    ) return undefined;
    const devKey = b[p]! << 24 | b[p + 1]! << 16 | b[p + 3]! << 8 | b[p + 4]!;
    let dev = this.#devs.get(devKey);
    if (dev === undefined) {
      dev = this.#intern(String.fromCharCode(b[p]!, b[p + 1]!, COLON, b[p + 3]!, b[p + 4]!));
      this.#devs.set(devKey, dev);
    }
    p += 6;
    const inodeAt = p;
    while (p < to && b[p] !== SPACE) p++;
    const inodeNumber = decimal(b, inodeAt, p);
    if (inodeNumber < 0) return undefined;
    let inode = this.#inodes.get(inodeNumber);
    if (inode === undefined) {
      inode = BigInt(inodeNumber);
      this.#inodes.set(inodeNumber, inode);
    }
    while (p < to && b[p] === SPACE) p++;
    let name = "";
    if (p < to) {
      const last = this.#lastName;
      if (sameBytes(last.bytes, b, p, to)) name = last.name;
      else {
        name = this.#intern(this.#decoder.decode(b.subarray(p, to)));
        this.#lastName = { bytes: b.slice(p, to), name };
      }
    }
    const perms = this.#intern(String.fromCharCode(r!, w!, x!, s!));
    return {
      line: lineNo,
      start,
      end,
      size: Number(end - start),
      perms,
      read: r === 114,
      write: w === 119,
      exec: x === 120,
      mayShare: s === 115,
      offset,
      dev,
      inode,
      name,
    };
  }

  /** Where {@link SmapsParser.#hex} stopped. */
  #at = 0;

  /** 8-13 hex digits at `b[p]` followed by `stop` (then `#at` is past it), or undefined. */
  #hex(b: Uint8Array, p: number, to: number, stop: number): bigint | undefined {
    const at = p;
    let n = 0;
    for (; p < to; p++) {
      const d = hexDigit(b[p]!);
      if (d < 0) break;
      n = n * 16 + d;
    }
    const digits = p - at;
    if (digits < 8 || digits > 13 || p >= to || b[p] !== stop) return undefined;
    this.#at = p + 1;
    return n === 0 ? ZERO : BigInt(n);
  }

  /** One string per distinct value. */
  #intern(s: string): string {
    let own = this.#seen.get(s);
    if (own === undefined) {
      own = s;
      this.#seen.set(own, own);
    }
    return own;
  }
}

/** Growable columns of line, start, end and body index. */
class Columns {
  length = 0;
  lines = new Uint32Array(64);
  starts = new BigUint64Array(64);
  ends = new BigUint64Array(64);
  bodyOf = new Uint32Array(64);

  add(line: number, start: bigint, end: bigint, body: number): void {
    const i = this.length++;
    if (i === this.lines.length) {
      const grow = <T extends Uint32Array | BigUint64Array>(a: T): T => {
        const b = new (a.constructor as new (n: number) => T)(a.length * 2);
        b.set(a as never);
        return b;
      };
      this.lines = grow(this.lines);
      this.starts = grow(this.starts);
      this.ends = grow(this.ends);
      this.bodyOf = grow(this.bodyOf);
    }
    this.lines[i] = line;
    this.starts[i] = start;
    this.ends[i] = end;
    this.bodyOf[i] = body;
  }

  /** The columns cut to their length. */
  trimmed(): {
    lines: Uint32Array;
    starts: BigUint64Array;
    ends: BigUint64Array;
    bodyOf: Uint32Array;
  } {
    const n = this.length;
    return {
      lines: this.lines.slice(0, n),
      starts: this.starts.slice(0, n),
      ends: this.ends.slice(0, n),
      bodyOf: this.bodyOf.slice(0, n),
    };
  }
}

function noAttributes(line: number): SmapsSyntaxError {
  return new SmapsSyntaxError(
    line,
    1,
    "Size",
    "Mapping has no attribute lines although the text is smaps (maps and smaps mixed?)",
  );
}

/** {@link attributeColon} over bytes (a key is ASCII). */
function attributeColonBytes(b: Uint8Array, from: number, to: number): number {
  const c0 = b[from]! | 0x20;
  if (from >= to || c0 < 97 || c0 > 122) return -1;
  for (let i = from + 1; i < to; i++) {
    const c = b[i]!;
    if (c === COLON) return i;
    const l = c | 0x20;
    if (!((l >= 97 && l <= 122) || (c >= 48 && c <= 57) || c === 95)) return -1;
  }
  return -1;
}
