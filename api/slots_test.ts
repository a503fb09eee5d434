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
