import assert from "node:assert/strict";
import { Slots } from "./slots.ts";

Deno.test("Slots never runs more than its count at once, and serves waiters in order", async () => {
  const slots = new Slots(3);
  let running = 0, peak = 0;
  const order: number[] = [];
  await Promise.all(Array.from({ length: 12 }, (_, i) =>
    slots.run(async () => {
      order.push(i);
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 5));
      running--;
    })));
  assert.equal(peak, 3);
  assert.deepEqual(order, [...Array(12).keys()]);
  assert.equal(slots.busy, 0);
  assert.equal(slots.queued, 0);
});

Deno.test("Slots releases a slot when the work throws", async () => {
  const slots = new Slots(1);
  await assert.rejects(slots.run(() => Promise.reject(new Error("boom"))), /boom/);
  assert.equal(await slots.run(() => Promise.resolve(7)), 7);
  assert.equal(slots.busy, 0);
});

Deno.test("runWhileFlowing gives the slot up while the body is idle and never leaks it", async () => {
  const { runWhileFlowing } = await import("./slots.ts");
  const slots = new Slots(1);
  const gate = Promise.withResolvers<void>();
  let pulls = 0;
  let done = false;
  // Timers run late under load: wait (boundedly) for the idle read to give its slot up.
  const until = async (ok: () => boolean, what: string) => {
    for (const t0 = Date.now(); !ok(); await new Promise((res) => setTimeout(res, 5))) {
      assert.ok(Date.now() - t0 < 5000, what);
    }
  };
  const body = new ReadableStream<Uint8Array>({
    async pull(ctl) {
      if (pulls++ === 1) await gate.promise; // the client stalls after one chunk
      ctl.enqueue(new Uint8Array(1));
    },
  }, { highWaterMark: 0 });
  const stalled = runWhileFlowing(slots, body, 20, async (s) => {
    const r = s.getReader();
    await r.read();
    const next = r.read(); // waits on the stalled client
    await until(() => slots.busy === 0 && done, "the other digest ran");
    throw new Error("digest failed while the client was idle");
    // deno-lint-ignore no-unreachable
    await next;
  });
  await until(() => slots.busy === 0, "an idle client holds no slot");
  // Another digest runs meanwhile.
  assert.equal(await slots.run(() => Promise.resolve(7)), 7);
  done = true;
  await assert.rejects(stalled, /digest failed/);
  gate.resolve(); // the stalled read completes after the digest ended
  await new Promise((res) => setTimeout(res, 20));
  assert.equal(slots.busy, 0, "no slot leaked");
});
