/**
 * Slow and stalled clients: a client that stops sending is answered 408 problem+json after the
 * idle timeout (seconds), and while it sends nothing it holds no digest slot, so other uploads go
 * through.
 */

import assert from "node:assert/strict";
import { listen, RawClient, requestHead, send } from "./_api_faults.ts";
import { testApp } from "./_api.ts";
import { loadCore } from "./_fixtures.ts";

const core = loadCore("f033", "kernel");

Deno.test("stalled uploads hold no slot and get a 408 after the idle timeout", async () => {
  const t = await testApp({
    limits: { maxConcurrentDigests: 1, idleTimeoutMs: 6000, slotIdleMs: 100 },
  });
  const server = await listen(t.app);
  const stalled: RawClient[] = [];
  try {
    // Two clients send the first half of a core, then nothing (as 1 byte/s would look).
    for (let i = 0; i < 2; i++) {
      const c = await RawClient.connect(server.port);
      await c.write(requestHead("PUT", "/v1/cores", { "Content-Length": core.length }));
      await c.write(core.subarray(0, 300_000));
      stalled.push(c);
    }
    await new Promise((r) => setTimeout(r, 400));
    // The only slot is free again: a whole upload goes through at once.
    const t0 = performance.now();
    const ok = await send(server.port, "PUT", "/v1/cores", core);
    assert.equal(ok.status, 201, ok.body);
    // Without giving slots up it would wait for the 408s, 6 s after the stall.
    assert.ok(performance.now() - t0 < 4000, `took ${performance.now() - t0} ms`);
    for (const c of stalled) {
      const r = await c.response(15000);
      assert.equal(r.status, 408, r.body);
      assert.match(r.headers, /content-type: application\/problem\+json/i);
      assert.match(JSON.parse(r.body).detail, /No request body bytes arrived for 6 s/);
    }
    assert.deepEqual(await t.leftovers(), []);
  } finally {
    for (const c of stalled) c.close();
    await server.close();
    await t.cleanup();
  }
});

Deno.test("a slow but steady client is not cut off by the idle timeout", async () => {
  const t = await testApp({ limits: { idleTimeoutMs: 1500, slotIdleMs: 100 } });
  const server = await listen(t.app);
  try {
    const c = await RawClient.connect(server.port);
    await c.write(requestHead("PUT", "/v1/cores", { "Content-Length": core.length }));
    await c.writeSlowly(core, Math.ceil(core.length / 8), 500); // 4 s in all, never idle 1.5 s
    const r = await c.response(8000);
    c.close();
    assert.equal(r.status, 201, r.body);
  } finally {
    await server.close();
    await t.cleanup();
  }
});
