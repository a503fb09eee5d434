/**
 * Keyboard navigation inside one widget (roving focus): each widget is one tab stop and the arrow
 * keys, Page Up/Down, Home and End move within it. Pure, so it is unit-tested without a DOM.
 *
 * @module
 */

/**
 * The index a key moves to in a list of `n` items, or undefined when the key is not a move.
 *
 * @param key `KeyboardEvent.key`
 * @param i current index (-1: none yet)
 * @param n number of items
 * @param page items per page (Page Up/Down)
 * @param horizontal whether Left/Right move (else Up/Down)
 * @returns the new index, clamped to `[0, n)`, or undefined
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(moveIndex("ArrowDown", 3, 10, 5), 4);
 * assert.equal(moveIndex("End", 3, 10, 5), 9);
 * assert.equal(moveIndex("PageUp", 3, 10, 5), 0);
 * assert.equal(moveIndex("x", 3, 10, 5), undefined);
 * ```
 */
export function moveIndex(
  key: string,
  i: number,
  n: number,
  page: number,
  horizontal = false,
): number | undefined {
  if (n <= 0) return undefined;
  const next = horizontal ? "ArrowRight" : "ArrowDown";
  const prev = horizontal ? "ArrowLeft" : "ArrowUp";
  let j: number;
  switch (key) {
    case next:
      j = i + 1;
      break;
    case prev:
      j = i - 1;
      break;
    case "PageDown":
      j = i + page;
      break;
    case "PageUp":
      j = i - page;
      break;
    case "Home":
      j = 0;
      break;
    case "End":
      j = n - 1;
      break;
    default:
      return undefined;
  }
  return Math.max(0, Math.min(n - 1, j));
}
