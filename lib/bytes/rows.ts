/**
 * Rows of a table read by position, each made when it is read: a core with 70,000 mappings keeps
 * its program headers, section headers and page slices as the tables they are (a few bytes per
 * row) instead of 70,000 objects each, which V8 would also copy from its young generation while
 * they were being made.
 *
 * An array is rows too, so tests and small callers can pass one. A row read twice is two objects:
 * compare rows by their fields, not by identity.
 *
 * @module
 */

/** A read-only list read by position. */
export interface Rows<T> extends Iterable<T> {
  /** Number of rows. */
  readonly length: number;
  /** Row `index` (negative counts from the end), or undefined outside the rows. */
  at(index: number): T | undefined;
}

/**
 * Rows made by `make(i)` when row `i` is read; `JSON.stringify` writes them as an array.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const squares = new MadeRows(4, (i) => i * i);
 * assert.deepEqual([squares.length, squares.at(3), squares.at(-1), [...squares]], [4, 9, 9, [0, 1, 4, 9]]);
 * ```
 */
export class MadeRows<T> implements Rows<T> {
  /** Number of rows. */
  readonly length: number;
  readonly #make: (i: number) => T;

  /**
   * Rows that `make` makes when read.
   *
   * @param length number of rows
   * @param make the row at a position in `[0, length)`
   */
  constructor(length: number, make: (i: number) => T) {
    this.length = length;
    this.#make = make;
  }

  /** Row `index` (negative counts from the end), or undefined outside the rows. */
  at(index: number): T | undefined {
    const i = index < 0 ? index + this.length : index;
    return i >= 0 && i < this.length && Number.isInteger(i) ? this.#make(i) : undefined;
  }

  /** Each row in order, made as it is reached. */
  [Symbol.iterator](): Iterator<T> {
    let i = 0;
    const n = this.length, make = this.#make;
    return {
      next: (): IteratorResult<T> =>
        i < n ? { done: false, value: make(i++) } : { done: true, value: undefined },
    };
  }

  /** The rows as an array (what `JSON.stringify` writes). */
  toJSON(): T[] {
    return [...this];
  }
}

/**
 * The rows of `rows` that pass `test`, as rows of their positions (four bytes each), or the same
 * rows when every row passes.
 *
 * @param rows the rows
 * @param test the condition
 * @returns the passing rows, in order
 */
export function rowsWhere<T>(rows: Rows<T>, test: (row: T) => boolean): Rows<T> {
  const keep = new Uint32Array(rows.length);
  let n = 0, i = 0;
  for (const row of rows) {
    if (test(row)) keep[n++] = i;
    i++;
  }
  return n === rows.length ? rows : rowsAt(rows, keep.subarray(0, n));
}

/**
 * Position of the first item whose key is at least `at`, in items sorted by key (`n` when none).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const keys = [10n, 20n, 20n, 30n];
 * assert.deepEqual([5n, 20n, 25n, 31n].map((at) => lowerBound(4, (i) => keys[i]!, at)), [0, 1, 3, 4]);
 * ```
 *
 * @param n number of items
 * @param key the key of item `i` (numbers or bigints, one kind throughout)
 * @param at the key looked for
 */
export function lowerBound<K extends number | bigint>(
  n: number,
  key: (i: number) => K,
  at: K,
): number {
  let lo = 0, hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (key(mid) < at) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The rows of `rows` at `positions`, in that order.
 *
 * @param rows the rows
 * @param positions positions in `rows`
 * @returns rows read through the positions
 */
export function rowsAt<T>(rows: Rows<T>, positions: Uint32Array): Rows<T> {
  return new MadeRows(positions.length, (k) => rows.at(positions[k]!)!);
}
