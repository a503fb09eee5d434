/**
 * A watchdog for reads from a body: {@link IdleTimer.arm} before each read,
 * {@link IdleTimer.disarm} after it; `onIdle` runs when one read has waited `ms`. One real timer
 * serves every read (set again only when it fires before the current deadline), so a body of
 * 10,000 chunks does not create and clear 10,000 timers. {@link IdleTimer.stop} clears it when
 * the body ends.
 *
 * @module
 */

/** A read watchdog. */
export class IdleTimer {
  readonly #ms: number;
  readonly #onIdle: () => void;
  #deadline = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;

  /**
   * Creates a stopped watchdog.
   *
   * @param ms how long one read may wait (Infinity: never fires)
   * @param onIdle what to do then (once per read that waited too long)
   */
  constructor(ms: number, onIdle: () => void) {
    this.#ms = ms;
    this.#onIdle = onIdle;
  }

  /** A read starts. */
  arm(): void {
    if (!Number.isFinite(this.#ms)) return;
    this.#deadline = performance.now() + this.#ms;
    this.#timer ??= setTimeout(this.#check, this.#ms);
  }

  /** The read ended. */
  disarm(): void {
    this.#deadline = 0;
  }

  /** The body ended: no timer is left. */
  stop(): void {
    this.#deadline = 0;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #check = (): void => {
    this.#timer = undefined;
    if (this.#deadline === 0) return;
    const left = this.#deadline - performance.now();
    if (left > 0) {
      this.#timer = setTimeout(this.#check, left);
      return;
    }
    this.#deadline = 0;
    this.#onIdle();
  };
}
