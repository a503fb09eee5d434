import assert from "node:assert/strict";
import { decodeDigest, encodeDigest } from "../../lib/digest/codec.ts";
import { fixturePath } from "../../test/_fixtures.ts";
import { call } from "../../test/_spec.ts";
import { testApp } from "../../test/_api.ts";

Deno.test("GET /v1/cores/{id}/modules lists the modules with build-ids; the summary and reports carry them", async () => {
  const t = await testApp();
  try {
    const body = await Deno.readFile(fixturePath("f033", "kernel.core.gz"));
    const up = await call(t.app, "/v1/cores", { method: "POST", body });
    assert.equal(up.res.status, 201, up.text);
    const r = await call(t.app, `/v1/cores/${up.json.id}/modules`);
    assert.equal(r.res.status, 200, r.text);
    assert.equal(r.json.recorded, true);
    assert.deepEqual(r.json.modules, up.json.summary.modules);
    const libc = r.json.modules.find((m: { path: string }) => m.path.endsWith("/libc.so.6"));
    assert.deepEqual(libc, {
      path: "/usr/lib/x86_64-linux-gnu/libc.so.6",
      start: "0x7ffff7dd5000",
      end: "0x7ffff7fb6f50",
      buildId: "93ac61ec5a8eb1396f9fbd350e3169a558528a40",
      buildIdSource: "core",
    });
    const gdb = await call(t.app, "/v1/cores", {
      method: "POST",
      body: await Deno.readFile(fixturePath("f033", "gdb.core.gz")),
    });
    const diff = await call(t.app, "/v1/diffs", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ a: up.json.id, b: gdb.json.id }),
    });
    assert.ok(diff.res.status < 300, diff.text);
    const report = diff.json.report ?? diff.json;
    assert.deepEqual(report.a.modules, r.json.modules);
    assert.equal((await call(t.app, "/v1/cores/nope/modules")).res.status, 404);
  } finally {
    await t.cleanup();
  }
});

Deno.test("a digest made before module lists answers recorded: false", async () => {
  const t = await testApp();
  try {
    const body = await Deno.readFile(fixturePath("f033", "kernel.core.gz"));
    const up = await call(t.app, "/v1/cores", { method: "POST", body });
    const bytes = await t.storage.get("digest", up.json.id);
    const { modules: _, ...old } = await decodeDigest(bytes!);
    const again = await call(t.app, "/v1/cores", {
      method: "POST",
      headers: { "content-type": "application/x-coredelta-digest" },
      body: encodeDigest(old) as BodyInit,
    });
    assert.equal(again.res.status, 201, again.text);
    const r = await call(t.app, `/v1/cores/${again.json.id}/modules`);
    assert.deepEqual(r.json, { id: again.json.id, recorded: false, modules: [] });
  } finally {
    await t.cleanup();
  }
});
