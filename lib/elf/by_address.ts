/**
 * Address lookups over a core's `PT_LOAD`s without a hash of every address: the loads in address
 * order (the table order for both producers, so usually no sort at all), then binary search or one
 * merge walk. Building a `Map` or `Set` keyed by 70,000 bigint addresses cost more than the
 * questions asked of it.
 *
 * @module
 */

import { lowerBound, type Rows, rowsAt } from "../bytes/rows.ts";
import type { Segment } from "./program_header.ts";

const sorted = new WeakMap<Rows<Segment>, Rows<Segment>>();

/**
 * The loads in ascending `p_vaddr` order (the same rows when they already are, else rows through
 * their sorted positions; remembered per rows).
 *
 * @param loads a core's `PT_LOAD`s
 * @returns them by address
 */
export function byAddress(loads: Rows<Segment>): Rows<Segment> {
  let out = sorted.get(loads);
  if (out) return out;
  out = loads;
  let previous: bigint | undefined; // each read once: a segment decodes its fields when read
  for (const l of loads) {
    const vaddr = l.vaddr;
    if (previous !== undefined && previous > vaddr) {
      out = rowsAt(loads, sortByAddress(loads, Uint32Array.from(Array(loads.length).keys())));
      break;
    }
    previous = vaddr;
  }
  sorted.set(loads, out);
  return out;
}

/**
 * Positions of loads in ascending `p_vaddr` order, positions of equal addresses in table order
 * (each load's address read once).
 *
 * @param loads a core's `PT_LOAD`s
 * @param positions the positions in `loads` to order
 * @returns the same positions, by address
 */
export function sortByAddress(loads: Rows<Segment>, positions: Uint32Array): Uint32Array {
  const vaddr = BigUint64Array.from(positions, (k) => loads.at(k)!.vaddr);
  return Uint32Array.from(positions.keys())
    .sort((x, y) => (vaddr[x]! < vaddr[y]! ? -1 : vaddr[x]! > vaddr[y]! ? 1 : x - y))
    .map((j) => positions[j]!);
}

/**
 * The first load (by address) whose `p_vaddr` is `vaddr`.
 *
 * @param loads a core's `PT_LOAD`s
 * @param vaddr the address
 * @returns that load, or undefined
 */
export function loadAt(loads: Rows<Segment>, vaddr: bigint): Segment | undefined {
  const s = byAddress(loads);
  const l = s.at(lowerBound(s.length, (i) => s.at(i)!.vaddr, vaddr));
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
  loads: Rows<Segment>,
  vaddr: bigint,
  test: (l: Segment) => boolean,
): boolean {
  const s = byAddress(loads);
  for (let i = lowerBound(s.length, (k) => s.at(k)!.vaddr, vaddr); i < s.length; i++) {
    const l = s.at(i)!;
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
export function loadsAt(loads: Rows<Segment>, vaddr: bigint): Segment[] {
  const s = byAddress(loads);
  const out: Segment[] = [];
  for (let i = lowerBound(s.length, (k) => s.at(k)!.vaddr, vaddr); i < s.length; i++) {
    const l = s.at(i)!;
    if (l.vaddr !== vaddr) break;
    out.push(l);
  }
  return out;
}
