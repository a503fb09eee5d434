/**
 * HTTP hygiene against a hostile client: 405 with `Allow`, security headers on every HTML page,
 * over-long request targets and headers as problem+json, a 413 that closes the connection it says
 * it closes, and `keep=` values outside the enum.
 */

import assert from "node:assert/strict";
import { httpChunk, listen, RawClient, requestHead } from "./_api_faults.ts";
import { concat } from "../lib/bytes/streams.ts";
import { loadCore } from "./_fixtures.ts";
import { fixtureBlob, testApp } from "./_api.ts";

Deno.test("a wrong method is a 405 problem with Allow, an unknown path still 404", async () => {
  const t = await testApp();
  try {
    for (
      const [method, path, allow] of [
        ["DELETE", "/v1/cores", "POST, PUT"],
        ["GET", "/v1/diff", "POST"],
        ["PUT", "/v1/diffs", "POST"],
        ["POST", "/health", "GET, HEAD"],
        ["DELETE", `/v1/cores/${"0".repeat(64)}`, "GET, HEAD"],
      ]
    ) {
      const r = await t.app.request(path!, { method });
      assert.equal(r.status, 405, `${method} ${path}`);
      assert.equal(r.headers.get("allow"), allow, `${method} ${path}`);
      assert.equal(r.headers.get("content-type"), "application/problem+json");
      assert.match((await r.json()).type, /method-not-allowed$/);
    }
    assert.equal((await t.app.request("/v1/nothing", { method: "DELETE" })).status, 404);
  } finally {
    await t.cleanup();
  }
});

Deno.test("the HTML report and /docs carry CSP, nosniff and frame-ancestors as / does", async () => {
  const t = await testApp();
  try {
    const form = new FormData();
    form.append("a", await fixtureBlob("f033", "kernel.core.gz"), "a");
    form.append("b", await fixtureBlob("f033", "gdb.core.gz"), "b");
    const report = await t.app.request("/v1/diff?format=html", { method: "POST", body: form });
    assert.equal(report.status, 201);
    const id = report.headers.get("coredelta-report-id");
    const again = await t.app.request(`/v1/reports/${id}?format=html`);
    for (const r of [report, again, await t.app.request("/docs"), await t.app.request("/")]) {
      await r.body?.cancel();
      assert.match(r.headers.get("content-security-policy") ?? "", /default-src 'none'/, r.url);
      assert.match(r.headers.get("content-security-policy") ?? "", /frame-ancestors 'none'/);
      assert.doesNotMatch(r.headers.get("content-security-policy") ?? "", /script-src[^;]*unsafe/);
      assert.equal(r.headers.get("x-content-type-options"), "nosniff");
    }
  } finally {
    await t.cleanup();
  }
});

Deno.test("keep= empty or outside the enum is a 400 before any byte is read", async () => {
  const t = await testApp();
  try {
    for (const v of ["", "maybe", "2", "truee"]) {
      for (const path of [`/v1/cores?keep=${v}`, `/v1/diff?keep=${v}`]) {
        const r = await t.app.request(path, { method: "POST", body: new Uint8Array([1]) });
        assert.equal(r.status, 400, `${path}: ${r.status}`);
        assert.equal((await r.json()).field, "keep");
      }
    }
  } finally {
    await t.cleanup();
  }
});

Deno.test("over-long targets and headers are problem+json; a 413 closes the connection", async () => {
  const t = await testApp({ limits: { maxUploadBytes: 100_000 } });
  const server = await listen(t.app);
  try {
    const exchange = async (head: string, body?: Uint8Array) => {
      const c = await RawClient.connect(server.port);
      try {
        await c.write(head);
        if (body) await c.write(body).catch(() => {});
        const r = await c.response(5000);
        // The server must hang up after the answer: a further read sees the end.
        return {
          ...r,
          closed: await c.write("GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            .then(() => c.response(1500)).then((x) => x.status === 0, () => true),
        };
      } finally {
        c.close();
      }
    };
    const url = await exchange(`GET /${"a".repeat(10_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    assert.equal(url.status, 414);
    assert.match(url.headers, /application\/problem\+json/);
    const big = await exchange(requestHead("GET", "/health", { "X-Big": "b".repeat(20_000) }));
    assert.equal(big.status, 431);
    assert.match(big.headers, /application\/problem\+json/);
    const many: Record<string, string> = {};
    for (let i = 0; i < 80; i++) many[`X-H${i}`] = "v";
    assert.equal((await exchange(requestHead("GET", "/health", many))).status, 431);
    // Declared too large: refused unread, and the connection is closed.
    const declared = await exchange(
      requestHead("PUT", "/v1/cores", { "Content-Length": 200_000 }),
      new Uint8Array(1000),
    );
    assert.equal(declared.status, 413);
    assert.match(declared.headers, /connection: close/i);
    assert.ok(declared.closed, "the connection stayed open after a 413");
    // Found too large while streaming (chunked): same.
    const core = loadCore("f033", "kernel");
    const framed: Uint8Array[] = [];
    for (let at = 0; at < core.length; at += 50_000) {
      framed.push(httpChunk(core.subarray(at, at + 50_000)));
    }
    const streamed = await exchange(
      requestHead("PUT", "/v1/cores", { "Transfer-Encoding": "chunked" }),
      concat([...framed, new TextEncoder().encode("0\r\n\r\n")]),
    );
    assert.equal(streamed.status, 413, streamed.body);
    assert.match(streamed.headers, /connection: close/i);
    // (Bare Deno.serve, as here, drains a chunked body the handler stopped reading and keeps the
    // connection; `serve`'s front closes it at once: test/hostile_front_test.ts.)
  } finally {
    await server.close();
    await t.cleanup();
  }
});
