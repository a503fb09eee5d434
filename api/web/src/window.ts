/**
 * Geometry of the virtualised table and the zoomable map, kept pure for unit tests.
 *
 * @module
 */

/** The rows to render: `[first, last)`. */
export interface RowWindow {
  /** First row rendered. */
  readonly first: number;
  /** One past the last row rendered. */
  readonly last: number;
}

/**
 * The rows a scrolled viewport shows, with `overscan` extra rows either side.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(rowWindow(300, 200, 30, 70_000, 2), { first: 8, last: 19 });
 * assert.deepEqual(rowWindow(0, 200, 30, 3, 2), { first: 0, last: 3 });
 * ```
 */
export function rowWindow(
  scrollTop: number,
  height: number,
  rowHeight: number,
  count: number,
  overscan: number,
): RowWindow {
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const last = Math.min(count, Math.ceil((scrollTop + height) / rowHeight) + overscan);
  return { first, last: Math.max(first, last) };
}

/**
 * The scroll position that brings row `i` into view (unchanged when it already is).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(scrollFor(10, 0, 200, 30), 130);
 * assert.equal(scrollFor(2, 0, 200, 30), 0);
 * assert.equal(scrollFor(0, 90, 200, 30), 0);
 * ```
 */
export function scrollFor(i: number, scrollTop: number, height: number, rowHeight: number): number {
  const top = i * rowHeight, bottom = top + rowHeight;
  if (top < scrollTop) return top;
  if (bottom > scrollTop + height) return bottom - height;
  return scrollTop;
}

/** The part of the map in view: ranges `[from, to)`. */
export interface Span {
  /** First range in view. */
  readonly from: number;
  /** One past the last range in view. */
  readonly to: number;
}

/**
 * Zooms a span around range `at` by `factor` (<1 zooms in), keeping at least one range and at
 * most all `n`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(zoomSpan({ from: 0, to: 1000 }, 500, 0.5, 1000), { from: 250, to: 750 });
 * assert.deepEqual(zoomSpan({ from: 0, to: 2 }, 1, 0.1, 1000), { from: 1, to: 2 });
 * assert.deepEqual(zoomSpan({ from: 10, to: 20 }, 15, 1000, 100), { from: 0, to: 100 });
 * ```
 */
export function zoomSpan(s: Span, at: number, factor: number, n: number): Span {
  const width = Math.min(n, Math.max(1, Math.round((s.to - s.from) * factor)));
  const rel = s.to > s.from ? (at - s.from) / (s.to - s.from) : 0;
  const from = Math.round(at - rel * width);
  return clampSpan(from, width, n);
}

/**
 * Moves a span by `delta` ranges, clamped to `[0, n)`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(panSpan({ from: 0, to: 10 }, -5, 100), { from: 0, to: 10 });
 * assert.deepEqual(panSpan({ from: 0, to: 10 }, 95, 100), { from: 90, to: 100 });
 * ```
 */
export function panSpan(s: Span, delta: number, n: number): Span {
  return clampSpan(s.from + Math.round(delta), s.to - s.from, n);
}

/**
 * A span of `width` ranges that contains range `i` (unchanged when it already does).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(spanWith({ from: 0, to: 10 }, 25, 100), { from: 20, to: 30 });
 * assert.deepEqual(spanWith({ from: 0, to: 10 }, 5, 100), { from: 0, to: 10 });
 * ```
 */
export function spanWith(s: Span, i: number, n: number): Span {
  if (i >= s.from && i < s.to) return s;
  const width = s.to - s.from;
  return clampSpan(i - Math.floor(width / 2), width, n);
}

function clampSpan(from: number, width: number, n: number): Span {
  const f = Math.max(0, Math.min(n - width, from));
  return { from: f, to: f + width };
}
