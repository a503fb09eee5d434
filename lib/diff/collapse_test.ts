import assert from "node:assert/strict";
import { loadCore } from "../../test/_fixtures.ts";
import { bytesSource } from "../bytes/source.ts";
import { digestPositional } from "../digest/positional.ts";
import { createPageHasher } from "../../wasm/mod.ts";
import { diffDigests } from "./diff.ts";
import { collapsedTotals, collapseRanges, isQuiet } from "./collapse.ts";

Deno.test("equal ranges collapse into counted runs; --all-ranges lists every one", async () => {
  const [a, b] = await Promise.all(
    ["kernel", "gdb"].map((n) =>
      digestPositional(bytesSource(loadCore("f03f", n)), createPageHasher())
    ),
  );
  const full = diffDigests(a!, b!, { allRanges: true });
  const short = diffDigests(a!, b!);
  assert.equal(full.collapsed, undefined);
  assert.deepEqual(collapseRanges(full), short);
  assert.ok(short.ranges.every((r) => !isQuiet(r)));
  const t = collapsedTotals(short);
  assert.equal(short.ranges.length + t.ranges, full.ranges.length);
  assert.equal(t.ranges, full.ranges.filter(isQuiet).length);
  // Each run stands where its ranges were: before the listed range that follows them.
  for (const run of short.collapsed!) {
    const next = short.ranges[run.before];
    if (next) assert.ok(run.end <= next.start);
    const prev = short.ranges[run.before - 1];
    if (prev) assert.ok(prev.end <= run.start);
  }
  assert.equal(short.summary.ranges, full.summary.ranges);
  assert.deepEqual(short.summary, full.summary);
});
