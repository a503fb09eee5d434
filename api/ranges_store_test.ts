import assert from "node:assert/strict";
import { diffDigests } from "../lib/diff/diff.ts";
import { isQuiet } from "../lib/diff/collapse.ts";
import { jsonReplacer } from "../lib/report/json.ts";
import { digestFile } from "../runtime/digest.ts";
import { fixturePath } from "../test/_fixtures.ts";
import { samePageMap } from "../lib/diff/page_map.ts";
import type { RangeDiff } from "../lib/diff/model.ts";
import { SyncWriter } from "./range_sink.ts";
import { packRange, packRanges, unpackRange, writeRange } from "./ranges_store.ts";

Deno.test("stored ranges: equal ranges are short arrays and expand to the exact RangeDiff JSON", async () => {
  const [a, b] = await Promise.all(
    ["kernel", "gdb"].map((n) => digestFile(fixturePath("f03f", `${n}.core.gz`))),
  );
  const ranges = diffDigests(a!, b!, { allRanges: true }).ranges;
  const lines = packRanges(ranges).split("\n");
  assert.equal(lines.length, ranges.length);
  const quiet = ranges.filter(isQuiet).length;
  assert.ok(quiet > 0);
  assert.equal(lines.filter((l) => l.startsWith("[")).length, quiet);
  ranges.forEach((r, i) => assert.equal(unpackRange(lines[i]!), JSON.stringify(r, jsonReplacer)));
  const full = ranges.map((r) => JSON.stringify(r, jsonReplacer)).join("\n").length;
  assert.ok(lines.join("\n").length < full, "smaller than the full JSON");
});

Deno.test("stored ranges: the bytes written are packRange's text, whatever the names and addresses", async () => {
  const [a, b] = await Promise.all(
    ["kernel", "gdb"].map((n) => digestFile(fixturePath("f03f", `${n}.core.gz`))),
  );
  const real = diffDigests(a!, b!, { allRanges: true }).ranges;
  const quiet = real.find((r) => isShortStored(r))!;
  assert.ok(quiet, "the fixture pair has a range stored short");
  const side = (s: RangeDiff["a"], v: bigint) => ({
    ...s,
    saved: v,
    segment: { vaddr: v, filesz: 0n, memsz: v },
  });
  const variants: RangeDiff[] = [
    ...real,
    // Names JSON escapes, or writes as UTF-8.
    { ...quiet, name: 'a "quoted" \\ name' },
    { ...quiet, name: "/tmp/été\u0001.so" },
    { ...quiet, name: "" },
    // Addresses past 2^53 (the vsyscall page, kernel addresses) and zero.
    { ...quiet, start: 0xffffffffff600000n, end: 0xffffffffff601000n },
    { ...quiet, a: side(quiet.a, 0n), b: side(quiet.b, 2n ** 64n - 1n) },
    { ...quiet, pages: { ...quiet.pages, same: 1234567 }, pageMap: samePageMap(1234567) },
  ];
  const dir = await Deno.makeTempDir();
  try {
    const file = await Deno.open(`${dir}/lines`, { write: true, create: true });
    const w = new SyncWriter(file);
    for (const r of variants) {
      writeRange(r, w);
      w.ascii("\n");
    }
    w.flush();
    file.close();
    const text = await Deno.readTextFile(`${dir}/lines`);
    assert.equal(text, variants.map(packRange).join("\n") + "\n");
    assert.equal(w.written, new TextEncoder().encode(text).length);
    // The short lines are short arrays, and expand back to the exact RangeDiff JSON.
    const lines = text.split("\n");
    variants.forEach((r, i) =>
      assert.equal(unpackRange(lines[i]!), JSON.stringify(r, jsonReplacer))
    );
    assert.ok(lines.filter((l) => l.startsWith("[")).length >= 7);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** Whether a range is stored as a short array (what packRange makes of it). */
function isShortStored(r: RangeDiff): boolean {
  return packRange(r).startsWith("[");
}
