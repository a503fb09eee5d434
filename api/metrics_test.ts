import assert from "node:assert/strict";
import { createApp } from "./app.ts";
import { openLocalStorage, type Storage, StoreUnavailableError } from "./storage.ts";
import { SPEC_TEXT } from "../test/_spec.ts";
import { call } from "../test/_spec.ts";

/** An app on a local store whose reachability the test switches. */
async function appWith(tokens: string[] = []) {
  const dir = await Deno.makeTempDir({ prefix: "coredelta-metrics-test-" });
  const inner = await openLocalStorage(dir);
  let down = false;
  const storage: Storage = new Proxy(inner, {
    get(target, prop) {
      const v = Reflect.get(target, prop);
      if (typeof v !== "function") return v;
      return (...args: unknown[]) =>
        down && prop !== "tempDir" && prop !== "close"
          ? Promise.reject(new StoreUnavailableError("The database could not be reached (test)"))
          : v.apply(target, args);
    },
  });
  const app = createApp({ storage, tokens, logger: { log: () => {} }, openapi: SPEC_TEXT });
  return {
    app,
    setDown: (d: boolean) => void (down = d),
    cleanup: () => Deno.remove(dir, { recursive: true }),
  };
}

Deno.test("GET /metrics: Prometheus text behind the same bearer auth", async () => {
  const t = await appWith(["tok"]);
  try {
    assert.equal((await call(t.app, "/metrics")).res.status, 401);
    const auth = { headers: { authorization: "Bearer tok" } };
    await call(t.app, "/v1/cores/nope", auth);
    await call(t.app, "/v1/cores", {
      method: "POST",
      body: new Uint8Array(100),
      headers: { authorization: "Bearer tok" },
    });
    const m = await call(t.app, "/metrics", auth);
    assert.equal(m.res.status, 200);
    assert.match(m.res.headers.get("content-type")!, /^text\/plain; version=0\.0\.4/);
    assert.match(m.text, /^# TYPE coredelta_http_requests_total counter$/m);
    assert.match(
      m.text,
      /^coredelta_http_requests_total\{method="GET",route="\/v1\/cores\/:id",status="404"\} 1$/m,
      "route patterns, not raw paths, are labels",
    );
    assert.match(
      m.text,
      /^coredelta_http_requests_total\{method="GET",route="\/metrics",status="401"\} 1$/m,
    );
    assert.match(m.text, /^coredelta_ingested_bytes_total 100$/m);
    assert.match(
      m.text,
      /^coredelta_http_request_duration_seconds_bucket\{method="GET",route="\/v1\/cores\/:id",le="\+Inf"\} 1$/m,
    );
    assert.match(m.text, /^coredelta_digests_in_flight 0$/m);
    assert.doesNotMatch(m.text, /nope/, "no raw path in a label");
  } finally {
    await t.cleanup();
  }
});

Deno.test("store down: health is degraded, uploads 503 with Retry-After unread, errors counted", async () => {
  const t = await appWith();
  try {
    t.setDown(true);
    const h = await call(t.app, "/health");
    assert.equal(h.res.status, 503);
    assert.deepEqual({ status: h.json.status, store: h.json.store }, {
      status: "degraded",
      store: "unreachable",
    });
    let pulled = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        pulled++;
        c.enqueue(new Uint8Array(65536));
        if (pulled > 100) c.close();
      },
    });
    const up = await call(t.app, "/v1/cores", { method: "POST", body });
    assert.equal(up.res.status, 503);
    assert.equal(up.res.headers.get("retry-after"), "5");
    assert.equal(up.json.type, "https://coredelta.dev/problems/store-unavailable");
    assert.ok(pulled <= 2, `the body was not read (${pulled} pulls)`);
    const got = await call(t.app, `/v1/reports/${"a".repeat(64)}`);
    assert.equal(got.res.status, 503);
    const m = await call(t.app, "/metrics");
    assert.match(m.text, /^coredelta_store_errors_total\{op="ping"\} 2$/m);
    assert.match(m.text, /^coredelta_store_errors_total\{op="open"\} 1$/m);
    t.setDown(false);
    assert.equal((await call(t.app, "/health")).res.status, 200);
  } finally {
    await t.cleanup();
  }
});
