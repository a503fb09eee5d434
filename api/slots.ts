/**
 * A counting semaphore that bounds how many digests run at once, so the server's memory is bounded
 * by `slots × (one digest's working set)` whatever the number of clients. A request waiting for a
 * slot does not read its body, so TCP backpressure holds the client back.
 *
 * @module
 */

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
    if (this.#free > 0) this.#free--;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    try {
      return await work();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#free++;
    }
  }
}
