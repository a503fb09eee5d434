import assert from "node:assert/strict";
import { call } from "../../test/_spec.ts";
import { fixtureBlob, testApp } from "../../test/_api.ts";
import { fixturePath, readFixtureText } from "../../test/_fixtures.ts";
import { diffDigests } from "../../lib/diff/diff.ts";
import { prepareContext } from "../../lib/diff/context.ts";
import { toJson } from "../../lib/report/json.ts";
import { digestFile } from "../../runtime/digest.ts";

Deno.test("GET /v1/reports/{id}/ranges pages every range the report collapsed", async () => {
  const t = await testApp();
  try {
    const form = new FormData();
    form.append("a", await fixtureBlob("f033", "kernel.core.gz"), "kernel.core.gz");
    form.append("b", await fixtureBlob("f033", "gdb.core.gz"), "gdb.core.gz");
    form.append("smaps", readFixtureText("f033", "smaps.txt")!);
    const r = await call(t.app, "/v1/diff?format=json", { method: "POST", body: form });
    assert.equal(r.res.status, 201, r.text);
    const report = JSON.parse(r.text);
    const id = r.res.headers.get("coredelta-report-id")!;
    const collapsed = report.collapsed.reduce(
      (n: number, c: { ranges: number }) => n + c.ranges,
      0,
    );
    assert.ok(collapsed > 0, "equal ranges are collapsed");
    assert.equal(report.ranges.length + collapsed, report.summary.ranges);

    const all: { start: string; status: string }[] = [];
    let cursor: string | undefined = "0";
    let pages = 0;
    while (cursor !== undefined) {
      const p = await call(t.app, `/v1/reports/${id}/ranges?limit=7&cursor=${cursor}`);
      assert.equal(p.res.status, 200, p.text);
      const page = JSON.parse(p.text);
      assert.equal(page.total, report.summary.ranges);
      assert.ok(page.items.length <= 7);
      all.push(...page.items);
      cursor = page.nextCursor;
      pages++;
    }
    assert.equal(all.length, report.summary.ranges);
    // Exactly the library's ranges with nothing collapsed (compact storage expands losslessly).
    const [a, b] = await Promise.all(
      ["kernel", "gdb"].map((n) => digestFile(fixturePath("f033", `${n}.core.gz`))),
    );
    const lib = diffDigests(a!, b!, {
      context: prepareContext({ smaps: readFixtureText("f033", "smaps.txt")! }),
      allRanges: true,
    });
    assert.deepEqual(all, JSON.parse(toJson(lib.ranges)));
    assert.equal(pages, Math.ceil(all.length / 7));
    assert.equal(all.filter((x) => x.status === "same").length, collapsed);
    const starts = all.map((x) => BigInt(x.start));
    assert.ok(starts.every((s, i) => i === 0 || s > starts[i - 1]!), "address order");
    // Listed ranges are the same objects in both views.
    const listed = new Set(report.ranges.map((x: { start: string }) => x.start));
    assert.equal(all.filter((x) => listed.has(x.start)).length, report.ranges.length);

    const bad = await call(t.app, `/v1/reports/${id}/ranges?cursor=99999`);
    assert.equal(bad.res.status, 400);
    assert.equal((await call(t.app, `/v1/reports/${id}/ranges?limit=0`)).res.status, 400);
    assert.equal((await call(t.app, `/v1/reports/${"0".repeat(64)}/ranges`)).res.status, 404);
  } finally {
    await t.cleanup();
  }
});
