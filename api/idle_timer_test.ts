import assert from "node:assert/strict";
import { IdleTimer } from "./idle_timer.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test("IdleTimer fires only for a read that waits its whole time, and stop leaves no timer", async () => {
  let fired = 0;
  const t = new IdleTimer(300, () => fired++);
  // Many short reads, each well under the limit: never fires, however long they add up to.
  // (300 ms of margin per read: a loaded machine may stall a 2 ms sleep, not by that much.)
  for (let i = 0; i < 10; i++) {
    t.arm();
    await sleep(2);
    t.disarm();
  }
  assert.equal(fired, 0);
  // One read that waits: fires once, after the limit.
  const t0 = performance.now();
  t.arm();
  while (fired === 0) await sleep(5);
  assert.ok(performance.now() - t0 >= 299, `fired after ${performance.now() - t0} ms`);
  t.disarm();
  await sleep(350);
  assert.equal(fired, 1, "a disarmed timer does not fire again");
  t.arm();
  t.stop();
  await sleep(350);
  assert.equal(fired, 1);
  // Infinity never sets a timer.
  const never = new IdleTimer(Infinity, () => fired++);
  never.arm();
  never.stop();
});
