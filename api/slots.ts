/**
 * A counting semaphore that bounds how many digests run at once, so the server's memory is bounded
 * by `slots × (one digest's working set)` whatever the number of clients. A request waiting for a
 * slot does not read its body, so TCP backpressure holds the client back.
 *
 * @module
 */

import { IdleTimer } from "./idle_timer.ts";

/** Limits concurrent work to a fixed number of slots; waiters are served first come, first served. */
export class Slots {
  #free: number;
  #waiting: (() => void)[] = [];

  /** @param count how many may run at once (at least 1) */
  constructor(readonly count: number) {
    this.#free = Math.max(1, Math.floor(count));
  }

  /** Slots in use. */
  get busy(): number {
    return Math.max(1, Math.floor(this.count)) - this.#free;
  }

  /** Requests waiting for a slot. */
  get queued(): number {
    return this.#waiting.length;
  }

  /**
   * Runs `work` in a slot, waiting for one if all are busy; the slot is released whatever happens.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * const slots = new Slots(1);
   * const order: number[] = [];
   * await Promise.all([1, 2].map((n) => slots.run(async () => { order.push(n); await Promise.resolve(); })));
   * assert.deepEqual(order, [1, 2]);
   * ```
   */
  async run<T>(work: () => Promise<T>): Promise<T> {
    const release = await this.acquire();
    try {
      return await work();
    } finally {
      release();
    }
  }

  /**
   * Takes a slot, waiting for one if all are busy.
   *
   * @returns gives the slot back (once; later calls do nothing)
   */
  async acquire(): Promise<() => void> {
    if (this.#free > 0) this.#free--;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      const next = this.#waiting.shift();
      if (next) next();
      else this.#free++;
    };
  }
}

/**
 * Runs a digest of `body` in a slot that is held only while bytes flow: when the client sends
 * nothing for `idleMs`, the slot goes to the next upload, and is taken back (waiting if need be)
 * when bytes arrive. Slow or stalled clients then cannot hold every slot.
 *
 * @param slots the semaphore
 * @param body the upload
 * @param idleMs how long a read may wait before the slot is given up
 * @param work the digest, reading the gated stream
 * @returns what `work` returned
 */
export async function runWhileFlowing<T>(
  slots: Slots,
  body: ReadableStream<Uint8Array>,
  idleMs: number,
  work: (gated: ReadableStream<Uint8Array>) => Promise<T>,
): Promise<T> {
  let release: (() => void) | undefined = await slots.acquire();
  let finished = false;
  const reader = body.getReader();
  const idle = new IdleTimer(idleMs, () => {
    release?.();
    release = undefined;
  });
  const gated = new ReadableStream<Uint8Array>({
    async pull(ctl) {
      idle.arm();
      let r: ReadableStreamReadResult<Uint8Array>;
      try {
        r = await reader.read();
      } finally {
        idle.disarm();
      }
      if (!release) {
        const got = await slots.acquire();
        // The digest may have ended (failed, cancelled) while this read waited: never keep a slot.
        if (finished) return got();
        release = got;
      }
      if (r.done) ctl.close();
      else ctl.enqueue(r.value);
    },
    cancel: (reason) => reader.cancel(reason),
  }, { highWaterMark: 0 });
  try {
    return await work(gated);
  } finally {
    finished = true;
    idle.stop();
    release?.();
    release = undefined;
  }
}
