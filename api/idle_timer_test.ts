import assert from "node:assert/strict";
import { IdleTimer } from "./idle_timer.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test("IdleTimer fires only for a read that waits its whole time, and stop leaves no timer", async () => {
  let fired = 0;
  const t = new IdleTimer(40, () => fired++);
  // Many short reads, each well under the limit: never fires, however long they add up to.
  for (let i = 0; i < 12; i++) {
    t.arm();
    await sleep(10);
    t.disarm();
  }
  assert.equal(fired, 0);
  // One read that waits: fires once, after the limit.
  const t0 = performance.now();
  t.arm();
  while (fired === 0) await sleep(5);
  assert.ok(performance.now() - t0 >= 39, `fired after ${performance.now() - t0} ms`);
  t.disarm();
  await sleep(60);
  assert.equal(fired, 1, "a disarmed timer does not fire again");
  t.arm();
  t.stop();
  await sleep(60);
  assert.equal(fired, 1);
  // Infinity never sets a timer.
  const never = new IdleTimer(Infinity, () => fired++);
  never.arm();
  never.stop();
});
