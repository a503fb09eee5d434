import assert from "node:assert/strict";
import type { CoreDigest } from "../digest/model.ts";
import type { Segment } from "../elf/program_header.ts";
import { alignSegments } from "./align.ts";

/** A digest with only what the sweep reads: loads (index, vaddr, sizes) and their page slots. */
function digest(loads: [index: number, vaddr: number, memsz: number][]): CoreDigest {
  const segs = loads.map(([index, vaddr, memsz]) =>
    ({ index, vaddr: BigInt(vaddr), memsz: BigInt(memsz), filesz: BigInt(memsz) }) as Segment
  );
  const segments = segs.map((s) => ({
    index: s.index,
    hashes: new BigUint64Array(),
    zero: new Uint8Array(),
  }));
  return { core: { loads: segs }, segments } as unknown as CoreDigest;
}

/** The aligned ranges as `[start, end, a's index, b's index]` (-1 where a side has none). */
function ranges(a: CoreDigest, b: CoreDigest): number[][] {
  return [...alignSegments(a, b)].map((r) => [
    Number(r.start),
    Number(r.end),
    r.a?.seg.index ?? -1,
    r.b?.seg.index ?? -1,
  ]);
}

Deno.test("alignSegments: cores in address order, out of order, overlapping, with empty loads", () => {
  const b = digest([[0, 0x1000, 0x1000], [1, 0x2000, 0x1000], [2, 0x5000, 0x1000]]);
  const sorted = digest([[0, 0x1000, 0x2000], [1, 0x4000, 0], [2, 0x5000, 0x1000]]);
  const expected = [
    [0x1000, 0x2000, 0, 0],
    [0x2000, 0x3000, 0, 1],
    [0x5000, 0x6000, 2, 2],
  ];
  assert.deepEqual(ranges(sorted, b), expected);
  assert.deepEqual(ranges(b, sorted), expected.map(([s, e, x, y]) => [s, e, y, x]));
  // The same loads listed in another order align the same way (a sort only then).
  const reversed = digest([[2, 0x5000, 0x1000], [1, 0x4000, 0], [0, 0x1000, 0x2000]]);
  assert.deepEqual(ranges(reversed, b), expected);
  // Overlapping loads: the earlier one covers the overlap; the later one's tail is its own.
  const overlapping = digest([[0, 0x1000, 0x2000], [1, 0x2000, 0x2000]]);
  assert.deepEqual(ranges(overlapping, digest([])), [
    [0x1000, 0x3000, 0, -1],
    [0x3000, 0x4000, 1, -1],
  ]);
  // Two loads at one address in b: the boundaries come from a sorted set, not a merge of b's
  // (which would not ascend: a range would end before it starts).
  const twice = digest([[0, 0x2000, 0x1000], [1, 0x4000, 0x1000], [2, 0x4000, 0x1000]]);
  const c = digest([[0, 0x2000, 0x1000], [1, 0x4000, 0x1000], [2, 0x5000, 0x1000]]);
  assert.deepEqual(ranges(c, twice), [
    [0x2000, 0x3000, 0, 0],
    [0x4000, 0x5000, 1, 1],
    [0x5000, 0x6000, 2, -1],
  ]);
  // A side with nothing: every range is the other's alone.
  assert.deepEqual(ranges(digest([]), b), [
    [0x1000, 0x2000, -1, 0],
    [0x2000, 0x3000, -1, 1],
    [0x5000, 0x6000, -1, 2],
  ]);
});
