/**
 * Address lookups over a core's `PT_LOAD`s without a hash of every address: the loads in address
 * order (the table order for both producers, so usually no sort at all), then binary search or one
 * merge walk. Building a `Map` or `Set` keyed by 70,000 bigint addresses cost more than the
 * questions asked of it.
 *
 * @module
 */

import type { Segment } from "./program_header.ts";

const sorted = new WeakMap<readonly Segment[], readonly Segment[]>();

/**
 * The loads in ascending `p_vaddr` order (the same array when it already is; remembered per array).
 *
 * @param loads a core's `PT_LOAD`s
 * @returns them by address
 */
export function byAddress(loads: readonly Segment[]): readonly Segment[] {
  let out = sorted.get(loads);
  if (out) return out;
  out = loads;
  let previous = loads[0]?.vaddr ?? 0n; // each read once: a segment decodes its fields when read
  for (let i = 1; i < loads.length; i++) {
    const vaddr = loads[i]!.vaddr;
    if (previous > vaddr) {
      out = [...loads].sort((x, y) => (x.vaddr < y.vaddr ? -1 : x.vaddr > y.vaddr ? 1 : 0));
      break;
    }
    previous = vaddr;
  }
  sorted.set(loads, out);
  return out;
}

/**
 * Index of the first item whose key is at least `at`, in items sorted by key.
 *
 * @param n number of items
 * @param key the key of item `i`
 * @param at the address looked for
 */
export function lowerBound(n: number, key: (i: number) => bigint, at: bigint): number {
  let lo = 0, hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (key(mid) < at) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The first load (by address) whose `p_vaddr` is `vaddr`.
 *
 * @param loads a core's `PT_LOAD`s
 * @param vaddr the address
 * @returns that load, or undefined
 */
export function loadAt(loads: readonly Segment[], vaddr: bigint): Segment | undefined {
  const s = byAddress(loads);
  const l = s[lowerBound(s.length, (i) => s[i]!.vaddr, vaddr)];
  return l && l.vaddr === vaddr ? l : undefined;
}

/**
 * Whether any load whose `p_vaddr` is `vaddr` satisfies `test`.
 *
 * @param loads a core's `PT_LOAD`s
 * @param vaddr the address
 * @param test the condition
 */
export function someLoadAt(
  loads: readonly Segment[],
  vaddr: bigint,
  test: (l: Segment) => boolean,
): boolean {
  const s = byAddress(loads);
  for (let i = lowerBound(s.length, (k) => s[k]!.vaddr, vaddr); i < s.length; i++) {
    const l = s[i]!;
    if (l.vaddr !== vaddr) break;
    if (test(l)) return true;
  }
  return false;
}

/**
 * Every load whose `p_vaddr` is `vaddr`, in program header order.
 *
 * @param loads a core's `PT_LOAD`s
 * @param vaddr the address
 * @returns those loads (usually one or none)
 */
export function loadsAt(loads: readonly Segment[], vaddr: bigint): Segment[] {
  const s = byAddress(loads);
  const out: Segment[] = [];
  for (let i = lowerBound(s.length, (k) => s[k]!.vaddr, vaddr); i < s.length; i++) {
    if (s[i]!.vaddr !== vaddr) break;
    out.push(s[i]!);
  }
  return out;
}
