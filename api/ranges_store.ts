/**
 * Every aligned range of a report, stored with it for
 * `GET /v1/reports/{id}/ranges` (issue: Scale). One JSON value per line; a range equal in both
 * cores (the bulk of a 70,000-mapping pair) is stored as a short array and expanded back to the
 * exact `RangeDiff` JSON when paged (its page map rebuilt from the count), so the stored list is a
 * fraction of the full JSON.
 *
 * @module
 */

import { emptyTally, isSamePageMap, samePageMap } from "../lib/diff/page_map.ts";
import { isQuiet } from "../lib/diff/collapse.ts";
import type { RangeDiff, RangeSide } from "../lib/diff/model.ts";
import { jsonReplacer } from "../lib/report/json.ts";

/** Own enumerable keys of `o`, counted without an array. */
function keyCount(o: object): number {
  let n = 0;
  for (const _ in o) n++;
  return n;
}

/** A side that is stored short: present, with its segment and nothing else. */
type ShortSide = Required<Pick<RangeSide, "index" | "flags" | "segment">> & { saved: bigint };

/** Whether a side is stored as `[index,flags,"saved","vaddr","filesz","memsz"]`. */
function isShort(s: RangeSide): s is RangeSide & ShortSide {
  return s.present && s.index !== undefined && s.flags !== undefined && !!s.segment &&
    typeof s.saved === "bigint" && keyCount(s) === 5;
}

/**
 * Whether a range is stored as a short array: equal in both cores, both sides short, and its page
 * map the one {@link samePageMap} rebuilds from the count.
 */
function isShortRange(r: RangeDiff): boolean {
  if (!isQuiet(r) || r.runs.length !== 0 || r.runsTotal !== 0) return false;
  if (!isShort(r.a) || !isShort(r.b)) return false;
  const p = r.pages;
  const others = p.different + p.zeroVsMissing + p.onlyA + p.onlyB + p.neither + p.truncated;
  return others === 0 && keyCount(p) === 7 && !!r.pageMap && isSamePageMap(r.pageMap, p.same);
}

/** Where {@link writeRange} puts a stored line's bytes (`SyncWriter` in `range_sink.ts`). */
export interface LineBytes {
  /** Text of characters below 0x80 only. */
  ascii(s: string): void;
  /** `0x` and the lower-case hex digits of a non-negative value. */
  hex(v: bigint): void;
  /** A non-negative integer in decimal. */
  uint(n: number): void;
  /** Any text, as UTF-8. */
  write(text: string): void;
}

/** A name that JSON writes as it is, between quotes: printable ASCII but `"` and `\`. */
function plainName(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) return false;
  }
  return true;
}

/** `,"0x…"`: one hex field of a short side. */
function quotedHex(v: bigint, out: LineBytes): void {
  out.ascii(',"');
  out.hex(v);
  out.ascii('"');
}

function writeSide(s: ShortSide, out: LineBytes): void {
  out.ascii("[");
  out.uint(s.index);
  out.ascii(",");
  out.uint(s.flags);
  quotedHex(s.saved, out);
  quotedHex(s.segment.vaddr, out);
  quotedHex(s.segment.filesz, out);
  quotedHex(s.segment.memsz, out);
  out.ascii("]");
}

/**
 * Writes the stored line of one range (no newline), as bytes without making its text: a
 * 70,000-mapping pair stores 70,000 lines, nearly all short.
 *
 * @param r the range
 * @param out where its bytes go
 */
export function writeRange(r: RangeDiff, out: LineBytes): void {
  if (!isShortRange(r)) return out.write(JSON.stringify(r, jsonReplacer));
  out.ascii('["');
  out.hex(r.start);
  out.ascii('","');
  out.hex(r.end);
  out.ascii('",');
  if (plainName(r.name)) {
    out.ascii('"');
    out.ascii(r.name);
    out.ascii('"');
  } else out.write(JSON.stringify(r.name));
  out.ascii(",");
  writeSide(r.a as ShortSide, out);
  out.ascii(",");
  writeSide(r.b as ShortSide, out);
  out.ascii(",");
  out.uint(r.pages.same);
  out.ascii("]");
}

/** A {@link LineBytes} that makes the line as text (numbers by `toString`, not by digits). */
class LineText implements LineBytes {
  text = "";
  ascii(s: string): void {
    this.text += s;
  }
  hex(v: bigint): void {
    this.text += `0x${v.toString(16)}`;
  }
  uint(n: number): void {
    this.text += String(n);
  }
  write(text: string): void {
    this.text += text;
  }
}

/**
 * The stored line of one range (no newline) as text: what {@link writeRange} writes as bytes, made
 * with strings (the reference its byte writer is tested against).
 */
export function packRange(r: RangeDiff): string {
  const line = new LineText();
  writeRange(r, line);
  return line.text;
}

/** One stored line per range, in address order. */
export function packRanges(ranges: readonly RangeDiff[]): string {
  return ranges.map(packRange).join("\n");
}

/** The `RangeDiff` JSON of one stored line (as `JSON.stringify` with the report replacer gives). */
export function unpackRange(line: string): string {
  if (!line.startsWith("[")) return line;
  const [start, end, name, a, b, same] = JSON.parse(line);
  const side = (s: unknown[]) => ({
    present: true,
    index: s[0],
    flags: s[1],
    saved: s[2],
    segment: { vaddr: s[3], filesz: s[4], memsz: s[5] },
  });
  return JSON.stringify({
    start,
    end,
    name,
    a: side(a),
    b: side(b),
    status: "same",
    pages: { ...emptyTally(), same },
    runs: [],
    runsTotal: 0,
    pageMap: samePageMap(same),
    differences: [],
  });
}
