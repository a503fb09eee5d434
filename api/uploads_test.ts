import assert from "node:assert/strict";
import { softEnd } from "./uploads.ts";

Deno.test("softEnd: a consumer that cancels while a read is pending records no failure (regression: 500 for 422/507)", async () => {
  // The race behind `faults_storage_test.ts` 500 vs 507 and the 500 for bad raw uploads: the digest
  // fails (a bad header, a full disk) and cancels while the next body chunk is on its way; that
  // chunk then landed in a closed stream, and the TypeError it raised was reported as the cause.
  const gate = Promise.withResolvers<void>();
  let pulls = 0;
  const source = new ReadableStream<Uint8Array>({
    async pull(ctl) {
      if (pulls++ > 0) await gate.promise;
      ctl.enqueue(new Uint8Array(4));
    },
  }, { highWaterMark: 0 });
  const body = softEnd(source);
  const reader = body.stream.getReader();
  await reader.read();
  const pending = reader.read().catch(() => {}); // the next chunk is on its way (a pipe's read)
  await new Promise((r) => setTimeout(r, 10));
  const cancelled = reader.cancel(new Error("digest failed"));
  await pending;
  gate.resolve();
  await cancelled;
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(body.failure(), undefined);
  assert.equal(body.signal.aborted, false);
});

Deno.test("softEnd: a failing source ends the stream normally and records why", async () => {
  const source = new ReadableStream<Uint8Array>({
    pull(ctl) {
      ctl.error(new Error("client gone"));
    },
  });
  const body = softEnd(source);
  assert.deepEqual(await new Response(body.stream).arrayBuffer(), new ArrayBuffer(0));
  assert.match(String(body.failure()), /client gone/);
  assert.equal(body.signal.aborted, true);
});
