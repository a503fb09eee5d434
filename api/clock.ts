/**
 * The clock the API reads for logs and retention, injected so tests can move time.
 *
 * @module
 */

/** A source of the current time (milliseconds since the epoch), injected for tests. */
export interface Clock {
  /** The current time in milliseconds since the epoch. */
  now(): number;
}

/** The real clock. */
export const systemClock: Clock = { now: () => Date.now() };
