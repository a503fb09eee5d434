/**
 * `/proc/PID/smaps` and `maps` parsed from byte chunks as they arrive ({@link SmapsParser}): the
 * text is never held whole (a 70,000-mapping smaps is 50 MB), and each line is read from the bytes
 * in place. Lines the fast path does not take as they are (a key out of the previous mapping's
 * order, a new `VmFlags` line, a text value, anything malformed) are decoded and handed to the
 * string parsers of `header.ts` and `attribute.ts`, so errors and unusual input are treated exactly
 * as `parseSmaps` treats them, with the same line and column.
 *
 * @module
 */

import { AttributeCache, attributeColon, type Attributes, parseAttribute } from "./attribute.ts";
import { Bodies, NO_TEXT } from "./bodies.ts";
import { BlockMemo } from "./blocks.ts";
import { SmapsSyntaxError } from "../errors.ts";
import { parseHeader } from "./header.ts";
import {
  attributeColonBytes,
  copyHeader,
  hashBytes,
  type HeaderFields,
  HeaderReader,
  hexDigit,
  isSpace,
  newHeaderFields,
  sameBytes,
} from "./header_bytes.ts";
import type { MapsFormat, SmapsDocument } from "./parse.ts";
import { tableDocument } from "./table.ts";

const NL = 10, CR = 13, SPACE = 32, COLON = 58;
const OVERLAP = "Mapping overlaps or precedes the previous one";

/** Shared (frozen) placeholder: most mappings have no unknown flag. */
const NO_FLAGS: readonly string[] = Object.freeze([]);

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
  readonly #bodies = new Bodies();
  readonly #headers = new HeaderReader();
  readonly #cache = new AttributeCache();
  /** `cache.keys` as bytes, by slot, and the key each was made from. */
  readonly #keyBytes: (Uint8Array | undefined)[] = [];
  readonly #keyNames: (string | undefined)[] = [];
  readonly #vmFlags = new Map<number, { bytes: Uint8Array; entry: VmFlagsEntry }>();
  /** The mapping being parsed (one object, filled per header line). */
  readonly #header: HeaderFields = newHeaderFields();
  readonly #attrs: Attributes = {
    textFields: NO_TEXT,
    vmFlags: null,
    unknownVmFlags: NO_FLAGS,
    count: 0,
    numbers: 0,
    inOrder: true,
    size: -1,
  };
  /** Attribute blocks seen before; the version of the key order (changes with any key). */
  readonly #memo = new BlockMemo();
  #keysVersion = 0;
  /** Where the block being parsed started, when in the chunk being parsed. */
  #blockChunk: Uint8Array | undefined;
  #blockFrom = 0;
  #view: DataView | undefined;
  /** Whether a mapping is being parsed; whether any header was seen. */
  #open = false;
  #sawHeader = false;
  #prevEnd: number | bigint = -1;
  #ended = false;
  readonly #decoder = new TextDecoder();
  readonly #encoder = new TextEncoder();

  /** Mappings parsed so far. */
  get length(): number {
    return this.#bodies.length;
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
    this.#view = undefined;
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
      const header = this.#line(line, 0, n);
      from = nl + 1;
      if (header) from = this.#afterHeader(chunk, from);
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
      const header = this.#line(chunk, from, i);
      from = i + 1;
      if (header) from = this.#afterHeader(chunk, from);
    }
    this.#blockChunk = this.#view = undefined;
    if (from < n) this.#keep(chunk, from);
  }

  /**
   * The common line in one pass: the previous mapping's key in this slot, spaces, then `N kB`, a
   * bare `N` or a known `VmFlags` value, and a newline. Returns where the next line starts, or -1
   * when the line is anything else (then nothing has changed and `#line` takes it).
   */
  #fastLine(b: Uint8Array, from: number, n: number): number {
    const attrs = this.#attrs, cache = this.#cache;
    if (!this.#open || !attrs.inOrder) return -1;
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
    // A CR before the newline is trailing white space to a value (and a CRLF text's line end).
    const kind = cache.kinds[k];
    if (b[p] === NL || (b[p] === CR && p + 1 < n && b[p + 1] === NL)) {
      if (kind === 1) return -1;
    } else if (
      p + 3 < n && b[p] === SPACE && b[p + 1] === 107 && b[p + 2] === 66 && kind !== 2
    ) {
      value *= 1024;
      p += 3;
    } else return -1;
    if (b[p] === CR) p++;
    if (p >= n || b[p] !== NL) return -1;
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
    return tableDocument(format, this.#bodies.table());
  }

  /**
   * After a header line: the attribute block that follows, taken whole when it repeats one parsed
   * before (`blocks.ts`), else remembered as it is parsed. Returns where parsing goes on.
   */
  #afterHeader(chunk: Uint8Array, from: number): number {
    this.#view ??= new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const hit = this.#memo.recall(this.#view, from, this.#keysVersion, this.#attrs, this.#cache);
    if (hit) {
      this.#lineNo += hit.lines;
      this.#blockChunk = undefined;
      return from + hit.length;
    }
    this.#blockChunk = chunk;
    this.#blockFrom = from;
    return from;
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

  /** One line, `b[from, to)` without its newline; true when it was a header line. */
  #line(b: Uint8Array, from: number, to: number): boolean {
    const lineNo = ++this.#lineNo;
    // A byte order mark is dropped, as a text decoder drops it.
    if (lineNo === 1 && to - from >= 3 && b[from] === 0xef && b[from + 1] === 0xbb) {
      if (b[from + 2] === 0xbf) from += 3;
    }
    if (this.#crlf === undefined) this.#crlf = to > from && b[to - 1] === CR;
    if (this.#crlf && to > from && b[to - 1] === CR) to--;
    if (to === from) throw new SmapsSyntaxError(lineNo, 1, "start", "Unexpected empty line");
    const colon = attributeColonBytes(b, from, to);
    if (colon >= 0) {
      if (!this.#sawHeader) {
        const key = this.#decoder.decode(b.subarray(from, colon));
        throw new SmapsSyntaxError(lineNo, 1, key, "Attribute line before any mapping header");
      }
      if (!this.#sawAttribute) {
        this.#sawAttribute = true;
        if (this.#bareLine > 0) throw noAttributes(this.#bareLine);
      }
      this.#slowAttribute(b, from, to, lineNo);
      return false;
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
    // The block just ended, wholly in this chunk, may repeat: remember it.
    const attrs = this.#attrs, cache = this.#cache, blockLines = lineNo - 1 - this.#header.line;
    if (this.#blockChunk === b && this.#open) {
      this.#memo.remember(b, this.#blockFrom, from, blockLines, this.#keysVersion, attrs, cache);
    }
    this.#blockChunk = undefined;
    this.#finish();
    const header = this.#header;
    if (!this.#headers.read(b, from, to, lineNo, header)) {
      copyHeader(
        header,
        parseHeader(this.#decoder.decode(b.subarray(from, to)), lineNo, this.#headers.seen),
      );
    }
    if (header.name === "[rollup]") {
      const line = this.#decoder.decode(b.subarray(from, to));
      throw new SmapsSyntaxError(
        lineNo,
        line.length - header.name.length + 1,
        "name",
        "This is smaps_rollup: it sums every mapping into one and has no per-mapping data; give /proc/PID/smaps",
      );
    }
    // Addresses are numbers below 2^53, else bigints: `<` compares either with either.
    if (header.start < this.#prevEnd) {
      throw new SmapsSyntaxError(lineNo, 1, "start", OVERLAP);
    }
    this.#prevEnd = header.end;
    this.#open = true;
    this.#sawHeader = true;
    attrs.textFields = NO_TEXT;
    attrs.vmFlags = null;
    attrs.unknownVmFlags = NO_FLAGS;
    attrs.count = 0;
    attrs.numbers = 0;
    attrs.inOrder = true;
    attrs.size = -1;
    return true;
  }

  /** Ends the mapping being parsed. */
  #finish(): void {
    const header = this.#header, attrs = this.#attrs;
    if (!this.#open) return;
    this.#open = false;
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
    this.#bodies.add(header, fields, attrs, cache.fresh);
  }

  /** Any attribute line, through the string parser (which throws the errors). */
  #slowAttribute(b: Uint8Array, from: number, to: number, lineNo: number): void {
    const line = this.#decoder.decode(b.subarray(from, to));
    const attrs = this.#attrs, cache = this.#cache;
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
      this.#keysVersion++;
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
}

function noAttributes(line: number): SmapsSyntaxError {
  return new SmapsSyntaxError(
    line,
    1,
    "Size",
    "Mapping has no attribute lines although the text is smaps (maps and smaps mixed?)",
  );
}
