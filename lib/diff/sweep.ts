/**
 * Lookups by address for ranges that come in address order: each is a sweep, linear in all.
 *
 * @module
 */

/**
 * A lookup for queries at non-decreasing addresses: the first item (by start) that covers the
 * address. One pass over the items in all, so aligning 70,000 VMAs stays linear.
 */
export function coverSweep<T extends { readonly start: bigint; readonly end: bigint }>(
  items: readonly T[],
): (addr: bigint) => T | undefined {
  const sorted = [...items].sort((x, y) => (x.start < y.start ? -1 : x.start > y.start ? 1 : 0));
  let i = 0;
  return (addr) => {
    while (i < sorted.length && sorted[i]!.end <= addr) i++;
    const item = sorted[i];
    return item && item.start <= addr ? item : undefined;
  };
}

/**
 * {@link coverSweep} over items by index (a parsed smaps' columns, predictions made one at a
 * time): the index of the item covering each address, or -1. Items already in address order (a
 * parsed smaps is) are not sorted.
 */
export function indexSweep(
  n: number,
  start: (i: number) => bigint,
  end: (i: number) => bigint,
  ascending?: boolean,
): (addr: bigint) => number {
  let order: number[] | undefined;
  for (let i = 1; i < n && !order && !ascending; i++) {
    if (start(i - 1) > start(i)) {
      order = Array.from({ length: n }, (_, k) => k).sort((x, y) => {
        const sx = start(x), sy = start(y);
        return sx < sy ? -1 : sx > sy ? 1 : 0;
      });
    }
  }
  let k = 0;
  return (addr) => {
    while (k < n && end(order ? order[k]! : k) <= addr) k++;
    if (k >= n) return -1;
    const i = order ? order[k]! : k;
    return start(i) <= addr ? i : -1;
  };
}
