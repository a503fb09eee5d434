import assert from "node:assert/strict";
import { loadCore } from "../../test/_fixtures.ts";
import { bytesSource } from "../bytes/source.ts";
import { digestPositional } from "../digest/positional.ts";
import { diffDigests } from "../diff/diff.ts";
import { createPageHasher } from "../../wasm/mod.ts";
import { renderReport } from "./render.ts";
import { jsonChunks } from "./json.ts";

Deno.test("jsonChunks writes exactly the JSON report, range by range", async () => {
  const [a, b] = await Promise.all(
    ["kernel", "gdb"].map((n) =>
      digestPositional(bytesSource(loadCore("f033", n)), createPageHasher())
    ),
  );
  for (const allRanges of [true, false]) {
    const report = diffDigests(a!, b!, { allRanges });
    const chunks = [...jsonChunks(report as unknown as Record<string, unknown>, "ranges")];
    assert.equal(chunks.length, report.ranges.length + 2);
    assert.equal(chunks.join(""), renderReport(report, "json"));
  }
  const empty = { a: 1, ranges: [], b: 2 };
  assert.equal([...jsonChunks(empty, "ranges")].join(""), JSON.stringify(empty, null, 2) + "\n");
});
