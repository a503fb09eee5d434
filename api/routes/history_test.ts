import assert from "node:assert/strict";
import { fixturePath } from "../../test/_fixtures.ts";
import { call } from "../../test/_spec.ts";
import { testApp } from "../../test/_api.ts";

Deno.test("GET /v1/reports lists stored reports newest first, filters and pages them", async () => {
  let now = Date.parse("2026-03-01T12:00:00Z");
  const t = await testApp({ clock: { now: () => now } });
  try {
    const up = async (set: string, file: string) =>
      (await call(t.app, "/v1/cores", {
        method: "POST",
        body: await Deno.readFile(fixturePath(set, file)),
      })).json.id as string;
    const [a, b] = [await up("changed", "a.core.gz"), await up("changed", "b.core.gz")];
    const [k, g] = [await up("f033", "kernel.core.gz"), await up("f033", "gdb.core.gz")];
    const diff = async (body: Record<string, unknown>) => {
      now += 60_000;
      const r = await call(t.app, "/v1/diffs?format=json", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      assert.equal(r.res.status, 201, r.text);
      return r.res.headers.get("coredelta-report-id")!;
    };
    const ids = [
      await diff({ a, b, expect: "identical", labels: { a: "before", b: "after" } }),
      await diff({ a: k, b: g, labels: { a: "nightly-kernel", b: "nightly-gdb" } }),
      await diff({ a: k, b: g, expect: "identical", labels: { a: "k2", b: "g2" } }),
    ];
    const all = await call(t.app, "/v1/reports");
    assert.equal(all.res.status, 200, all.text);
    assert.deepEqual(all.json.items.map((i: { id: string }) => i.id), [...ids].reverse());
    const first = all.json.items[2];
    assert.equal(first.verdict, "fail");
    assert.equal(first.expectation, "identical");
    assert.deepEqual(first.labels, { a: "before", b: "after" });
    assert.equal(first.createdAt, "2026-03-01T12:01:00.000Z");
    assert.ok(first.counts.differences > 0);

    const ids_ = async (query: string) =>
      (await call(t.app, `/v1/reports?${query}`)).json.items.map((i: { id: string }) => i.id);
    assert.deepEqual(await ids_("q=NIGHTLY"), [ids[1]]);
    assert.deepEqual(await ids_("expectation=kernel-vs-gdb"), [ids[1]]);
    const [pass, fail] = [await ids_("verdict=pass"), await ids_("verdict=fail")];
    assert.ok(fail.includes(ids[0]));
    assert.deepEqual([...pass, ...fail].sort(), [...ids].sort());
    const gdb = await ids_("producer=gdb");
    assert.ok(gdb.includes(ids[1]) && gdb.includes(ids[2]));
    assert.deepEqual(await ids_("producer=nosuch"), []);
    assert.deepEqual(await ids_("since=2026-03-01T12:02:00Z&until=2026-03-01T12:03:00Z"), [ids[1]]);

    const p1 = await call(t.app, "/v1/reports?limit=2");
    assert.equal(p1.json.items.length, 2);
    assert.ok(p1.json.nextCursor);
    const p2 = await call(t.app, `/v1/reports?limit=2&cursor=${p1.json.nextCursor}`);
    assert.deepEqual(p2.json.items.map((i: { id: string }) => i.id), [ids[0]]);
    assert.equal(p2.json.nextCursor, undefined);

    for (const bad of ["limit=0", "limit=101", "verdict=maybe", "cursor=zzz", "since=yesterday"]) {
      const r = await call(t.app, `/v1/reports?${bad}`);
      assert.equal(r.res.status, 400, bad);
      assert.equal(r.json.type, "https://coredelta.dev/problems/bad-request");
    }
  } finally {
    await t.cleanup();
  }
});
