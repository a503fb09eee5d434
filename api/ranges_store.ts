/**
 * Every aligned range of a report, stored with it for
 * `GET /v1/reports/{id}/ranges` (issue: Scale). One JSON value per line; a range equal in both
 * cores (the bulk of a 70,000-mapping pair) is stored as a short array and expanded back to the
 * exact `RangeDiff` JSON when paged (its page map rebuilt from the count), so the stored list is a
 * fraction of the full JSON.
 *
 * @module
 */

import { emptyTally, samePageMap } from "../lib/diff/align.ts";
import { isQuiet } from "../lib/diff/collapse.ts";
import type { RangeDiff, RangeSide } from "../lib/diff/model.ts";
import { jsonReplacer } from "../lib/report/json.ts";

const hex = (v: bigint) => `0x${v.toString(16)}`;

/** Own enumerable keys of `o`, counted without an array. */
function keyCount(o: object): number {
  let n = 0;
  for (const _ in o) n++;
  return n;
}

/** A side as `[index,flags,"saved","vaddr","filesz","memsz"]`, or undefined when it has a gap. */
function packSide(s: RangeSide): string | undefined {
  if (
    !s.present || s.index === undefined || s.flags === undefined || !s.segment ||
    typeof s.saved !== "bigint" || keyCount(s) !== 5
  ) return undefined;
  const g = s.segment;
  return `[${s.index},${s.flags},"${hex(s.saved)}","${hex(g.vaddr)}","${hex(g.filesz)}","${
    hex(g.memsz)
  }"]`;
}

/** The stored line of one range (no newline); built as text, it runs once per range. */
export function packRange(r: RangeDiff): string {
  if (isQuiet(r) && r.runs.length === 0 && r.runsTotal === 0) {
    const a = packSide(r.a), b = packSide(r.b);
    const p = r.pages;
    const others = p.different + p.zeroVsMissing + p.onlyA + p.onlyB + p.neither + p.truncated;
    if (a && b && others === 0 && keyCount(p) === 7) {
      const map = samePageMap(p.same);
      if (r.pageMap?.bucket === map.bucket && r.pageMap.cells === map.cells) {
        return `["${hex(r.start)}","${hex(r.end)}",${JSON.stringify(r.name)},${a},${b},${p.same}]`;
      }
    }
  }
  return JSON.stringify(r, jsonReplacer);
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
