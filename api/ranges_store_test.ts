import assert from "node:assert/strict";
import { diffDigests } from "../lib/diff/diff.ts";
import { isQuiet } from "../lib/diff/collapse.ts";
import { jsonReplacer } from "../lib/report/json.ts";
import { digestFile } from "../runtime/digest.ts";
import { fixturePath } from "../test/_fixtures.ts";
import { packRanges, unpackRange } from "./ranges_store.ts";

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
