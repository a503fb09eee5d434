import assert from "node:assert/strict";
import { REASON_CODES } from "../lib/diff/reasons.ts";
import { call } from "../test/_spec.ts";
import { testApp } from "../test/_api.ts";

Deno.test("GET /health answers ok and is checked against the spec", async () => {
  const t = await testApp();
  try {
    const r = await call(t.app, "/health");
    assert.equal(r.res.status, 200);
    assert.deepEqual(r.json, { status: "ok", version: "0.2.0", store: "ok" });
    assert.match(r.res.headers.get("x-request-id") ?? "", /^[0-9a-f-]{36}$/);
  } finally {
    await t.cleanup();
  }
});

Deno.test("health answers 503 draining once shutdown began", async () => {
  const stop = new AbortController();
  const t = await testApp({ signal: stop.signal });
  try {
    stop.abort();
    const r = await call(t.app, "/health");
    assert.equal(r.res.status, 503);
    assert.equal(r.json.status, "draining");
  } finally {
    await t.cleanup();
  }
});

Deno.test("the contract, the docs page and the form page are served", async () => {
  const t = await testApp();
  try {
    const spec = await call(t.app, "/openapi.yaml");
    assert.equal(spec.res.status, 200);
    assert.match(spec.text, /^openapi: 3\.1\.0/);
    const docs = await call(t.app, "/docs");
    assert.equal(docs.res.status, 200);
    assert.match(docs.text, /<h1>coredelta 0\.1\.0<\/h1>/);
    assert.match(docs.text, /POST<\/span> <code>\/v1\/diff<\/code>/);
    assert.doesNotMatch(docs.text, /https?:\/\/(cdn|unpkg|fonts)\./, "no CDN");
    assert.doesNotMatch(docs.text, /<script/);
    for (const code of REASON_CODES) {
      assert.ok(docs.text.includes(`<code>${code}</code>`), `/docs lacks the reason code ${code}`);
    }
    for (const path of ["/", `/reports/${"a".repeat(64)}`]) {
      const form = await call(t.app, path);
      assert.equal(form.res.status, 200);
      assert.match(form.text, /<form[^>]+action="\/v1\/diff\?format=html"/);
      assert.match(form.res.headers.get("content-security-policy") ?? "", /default-src 'none'/);
    }
  } finally {
    await t.cleanup();
  }
});

Deno.test("unknown routes are 404 problems", async () => {
  const t = await testApp();
  try {
    const r = await call(t.app, "/v2/nothing");
    assert.equal(r.res.status, 404);
    assert.equal(r.res.headers.get("content-type"), "application/problem+json");
    assert.equal(r.json.type, "https://coredelta.dev/problems/not-found");
    assert.equal(r.json.instance, `urn:uuid:${r.res.headers.get("x-request-id")}`);
    const missing = await call(t.app, `/v1/reports/${"0".repeat(64)}`);
    assert.equal(missing.res.status, 404);
  } finally {
    await t.cleanup();
  }
});

Deno.test("with tokens, every route but /health and the form's page shell needs a bearer token", async () => {
  const t = await testApp({ tokens: ["s3cret", "other"] });
  try {
    assert.equal((await call(t.app, "/health")).res.status, 200);
    // The page shell loads (it holds no data) so a person can enter a token in the form.
    for (const path of ["/", `/reports/${"b".repeat(64)}`]) {
      const page = await t.app.request(path);
      assert.equal(page.status, 200, path);
      assert.doesNotMatch(await page.text(), /"schemaVersion"/, "the shell carries no report data");
    }
    for (
      const path of [
        "/docs",
        "/openapi.yaml",
        `/v1/cores/${"a".repeat(64)}`,
        `/v1/reports/${"b".repeat(64)}`,
      ]
    ) {
      const none = await call(t.app, path);
      assert.equal(none.res.status, 401, path);
      assert.equal(none.json.type, "https://coredelta.dev/problems/unauthorized");
      assert.equal(none.res.headers.get("www-authenticate"), 'Bearer realm="coredelta"');
    }
    const wrong = await call(t.app, "/docs", { headers: { authorization: "Bearer nope" } });
    assert.equal(wrong.res.status, 401);
    assert.match(wrong.json.detail, /not valid/);
    const ok = await call(t.app, "/docs", { headers: { authorization: "Bearer other" } });
    assert.equal(ok.res.status, 200);
    const post = await call(t.app, "/v1/cores", {
      method: "POST",
      body: new Uint8Array(10),
    });
    assert.equal(post.res.status, 401, "uploads are refused before any byte is digested");
  } finally {
    await t.cleanup();
  }
});

Deno.test("one JSON log record per request, without bodies", async () => {
  const t = await testApp();
  try {
    await call(t.app, "/health");
    await call(t.app, "/v1/cores", {
      method: "POST",
      body: new TextEncoder().encode("SECRET-PAGE-BYTES"),
    });
    assert.equal(t.logs.length, 2);
    const [a, b] = t.logs;
    assert.equal(a!.path, "/health");
    assert.equal(a!.status, 200);
    assert.equal(b!.status, 422);
    assert.equal(b!.problem, "elf-format");
    assert.equal(b!.bytesIn, 17);
    assert.doesNotMatch(JSON.stringify(t.logs), /SECRET/);
    for (const r of t.logs) assert.equal(typeof JSON.stringify(r), "string");
  } finally {
    await t.cleanup();
  }
});
