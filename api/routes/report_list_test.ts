/**
 * `GET /v1/reports` on real diffs: every response checked against openapi.yaml (including the
 * report JSON with its page maps, processes and predictions), newest first, cursor paging without
 * overlap, filters by verdict, expectation, producer, text (label, process name, pid) and time,
 * and 400s that name the parameter.
 *
 * @module
 */

import assert from "node:assert/strict";
import { readFixtureText } from "../../test/_fixtures.ts";
import { call } from "../../test/_spec.ts";
import { fixtureBlob, testApp } from "../../test/_api.ts";

/** Times the fake clock hands out: one second apart, in order. */
function steppingClock(start = Date.UTC(2026, 10, 1)) {
  let t = start;
  return { now: () => (t += 1000) };
}

async function diff(
  t: Awaited<ReturnType<typeof testApp>>,
  labels: [string, string],
  filter: string,
): Promise<string> {
  const form = new FormData();
  form.append("a", await fixtureBlob("f033", "kernel.core.gz"), labels[0]);
  form.append("b", await fixtureBlob("f033", "gdb.core.gz"), labels[1]);
  form.append("smaps", readFixtureText("f033", "smaps.txt")!);
  form.append("filter", filter);
  const r = await call(t.app, "/v1/diff?format=json", { method: "POST", body: form });
  assert.equal(r.res.status, 201);
  return r.res.headers.get("coredelta-report-id")!;
}

Deno.test("GET /v1/reports lists real diffs newest first, pages, filters, and matches the spec", async () => {
  const t = await testApp({ clock: steppingClock() });
  try {
    const ids: string[] = [];
    for (let k = 0; k < 5; k++) {
      // Odd runs give a wrong filter: their verdict differs from the even runs'.
      ids.push(await diff(t, [`run${k}.core`, `run${k}.gcore`], k % 2 ? "0x7f" : "0x33"));
    }
    const report = (await call(t.app, `/v1/reports/${ids[0]}?format=json`)).json;
    assert.equal(report.a.process.name, "mapper", "NT_PRPSINFO pr_fname");
    assert.ok(report.ranges.every((r: { pageMap?: { cells: string } }) => r.pageMap?.cells));

    const all = (await call(t.app, "/v1/reports?limit=100")).json;
    assert.deepEqual(all.items.map((i: { id: string }) => i.id), [...ids].reverse());
    assert.equal(all.nextCursor, undefined);
    const first = all.items[0];
    assert.deepEqual(first.labels, { a: "run4.core", b: "run4.gcore" });
    assert.equal(first.processes.a.name, "mapper");
    assert.equal(first.processes.a.pid, report.a.process.pid);

    // Pages of two: no overlap, no gap, the last without a cursor.
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = (await call(t.app, `/v1/reports?limit=2${cursor ? `&cursor=${cursor}` : ""}`))
        .json;
      seen.push(...page.items.map((i: { id: string }) => i.id));
      cursor = page.nextCursor;
    } while (cursor);
    assert.deepEqual(seen, [...ids].reverse());

    const verdicts = new Set(all.items.map((i: { verdict: string }) => i.verdict));
    for (const v of verdicts) {
      const only = (await call(t.app, `/v1/reports?verdict=${v}`)).json.items;
      assert.ok(only.length > 0 && only.every((i: { verdict: string }) => i.verdict === v));
    }
    assert.equal((await call(t.app, "/v1/reports?q=RUN3.CORE")).json.items[0].id, ids[3]);
    assert.equal((await call(t.app, "/v1/reports?q=mapper")).json.items.length, 5);
    assert.equal(
      (await call(t.app, `/v1/reports?q=${report.a.process.pid}`)).json.items.length,
      5,
    );
    assert.equal((await call(t.app, "/v1/reports?q=nothing-like-this")).json.items.length, 0);
    assert.equal((await call(t.app, "/v1/reports?producer=gdb")).json.items.length, 5);
    assert.equal((await call(t.app, "/v1/reports?producer=qemu")).json.items.length, 0);
    assert.equal((await call(t.app, "/v1/reports?expectation=identical")).json.items.length, 0);
    const since = all.items[1].createdAt;
    assert.equal((await call(t.app, `/v1/reports?since=${since}`)).json.items.length, 2);
    assert.equal((await call(t.app, `/v1/reports?until=${since}`)).json.items.length, 3);

    for (
      const [query, field] of [
        ["limit=0", "limit"],
        ["limit=101", "limit"],
        ["limit=x", "limit"],
        ["verdict=maybe", "verdict"],
        ["since=yesterday", "since"],
        ["cursor=%21%21", "cursor"],
        ["cursor=QUJD", "cursor"],
      ]
    ) {
      const r = await call(t.app, `/v1/reports?${query}`);
      assert.equal(r.res.status, 400, query);
      assert.equal(r.json.field, field, query);
    }
  } finally {
    await t.cleanup();
  }
});
