/**
 * Page hashing shared between two threads: the data of one or more cores is cut into windows of at
 * most {@link WINDOW_BYTES} of data each, and the two threads (this one and a helper, each with its
 * own hasher) claim windows one at a time, this one from the first, the helper from the last, until
 * they meet. A thread that starts late (a Worker's isolate) or reads slower (a kernel core's page
 * cache is made of single pages, a gcore's of large folios) simply takes fewer windows, and until
 * they meet each reads a different part of the data (of `diff`'s two files, mostly its own file:
 * measured faster than both reading the same one). Each page is hashed on its own, so the digest
 * is the same whoever hashed it.
 *
 * @module
 */

import type { DataExtents, PositionalSource } from "../bytes/source.ts";
import { LoadPlan, type LoadShape } from "./load_plan.ts";
import { PAGE_SIZE, type PageHasher } from "./page_hasher.ts";
import { type FirstPages, hashWindow } from "./page_loop.ts";

/**
 * Most data bytes per window: small enough that the threads end within a few milliseconds of each
 * other, large enough that a window's setup (a binary search, a partial batch) costs nothing.
 * Smaller cores get at least 64 windows, of no less than {@link MIN_WINDOW_BYTES}.
 */
export const WINDOW_BYTES = 8 * 1024 * 1024;

/** Fewest data bytes per window. */
export const MIN_WINDOW_BYTES = 256 * 1024;

/** One core's part of a {@link PageWork}: its loads, where it holds data and where pages go. */
export interface SharedCore {
  /** The core's loads (program header order). */
  readonly loads: readonly LoadShape[];
  /**
   * The file's data extents, if known already; otherwise each window asks its source
   * (`dataExtents`), and without that every byte is data.
   */
  readonly extents: DataExtents | undefined;
  /** Per-page hashes of all loads (backed by a SharedArrayBuffer). */
  readonly hashes: BigUint64Array;
  /** Per-page zero flags of all loads (backed by a SharedArrayBuffer). */
  readonly zero: Uint8Array;
}

/** The data pages of several cores, cut into windows that two threads claim one at a time. */
export interface PageWork {
  /** The cores, in the order of their sources. */
  readonly cores: readonly SharedCore[];
  /** Three numbers per window: the core's position in `cores`, then file offsets `from`, `to`. */
  readonly windows: Float64Array;
  /**
   * Shared state (a SharedArrayBuffer): `[0]` windows hashed, `[1 + w]` the state of window `w`:
   * 0 free, 1 claimed, 2 hashed. A window is claimed by compare-and-exchange from 0 to 1.
   */
  readonly claims: Int32Array;
}

/**
 * Hashes windows of a {@link PageWork} elsewhere (another thread, claiming from the last window);
 * resolves when it stops claiming. A rejection makes the caller hash the windows it claimed and did
 * not finish.
 */
export type PageHelper = (work: PageWork) => Promise<void>;

/** Sees a load's first page as it is hashed: {@link FirstPages} with the core's position. */
export type CoreFirstPages = (
  core: number,
  load: number,
  memory: Uint8Array,
  at: number,
  length: number,
) => void;

/** States of a window in {@link PageWork.claims}. */
const FREE = 0, CLAIMED = 1, HASHED = 2;

/**
 * Cuts each core's data into windows of about `windowBytes` data bytes (page-aligned file offsets;
 * the data is the core's extents, or the whole file of `size` bytes without them). By default a
 * 64th of all the data, within {@link MIN_WINDOW_BYTES} and {@link WINDOW_BYTES}.
 */
export function planWork(
  cores: readonly (SharedCore & { readonly size: number })[],
  windowBytes?: number,
): PageWork {
  const data = cores.map((c) => ({
    starts: c.extents?.starts ?? [0],
    ends: c.extents?.ends ?? [c.size],
  }));
  let total = 0;
  for (const { starts, ends } of data) {
    for (let x = 0; x < starts.length; x++) total += ends[x]! - starts[x]!;
  }
  windowBytes ??= Math.min(WINDOW_BYTES, Math.max(MIN_WINDOW_BYTES, total / 64));
  const windows: number[] = [];
  data.forEach(({ starts, ends }, i) => {
    let from = 0;
    let inWindow = 0;
    for (let x = 0; x < starts.length; x++) {
      let at = starts[x]!;
      while (ends[x]! - at >= windowBytes - inWindow) {
        at += windowBytes - inWindow;
        const cut = Math.ceil(at / PAGE_SIZE) * PAGE_SIZE;
        if (cut > from) windows.push(i, from, cut);
        from = cut;
        inWindow = 0;
      }
      inWindow += ends[x]! - at;
    }
    windows.push(i, from, Number.MAX_SAFE_INTEGER);
  });
  return {
    cores: cores.map(({ loads, extents, hashes, zero }) => ({ loads, extents, hashes, zero })),
    windows: Float64Array.from(windows),
    claims: new Int32Array(new SharedArrayBuffer(4 * (1 + windows.length / 3))),
  };
}

/**
 * Claims and hashes windows of `work` in order, from the first (or with `fromEnd` from the last),
 * until it meets one the other thread claimed, reading core `i` from `sources[i]`; `plans` are the
 * cores' loads laid out (made here when absent). Returns how many it hashed.
 */
export function hashClaimed(
  sources: readonly PositionalSource[],
  hasher: PageHasher,
  work: PageWork,
  options: {
    readonly plans?: readonly LoadPlan[];
    readonly firstPages?: CoreFirstPages;
    readonly fromEnd?: boolean;
  } = {},
): number {
  const plans = options.plans ?? work.cores.map((c) => new LoadPlan(c.loads));
  const count = work.windows.length / 3;
  let hashed = 0;
  for (let i = 0; i < count; i++) {
    const w = options.fromEnd ? count - 1 - i : i;
    if (Atomics.compareExchange(work.claims, 1 + w, FREE, CLAIMED) !== FREE) break;
    hashOne(sources, hasher, work, plans, w, options.firstPages);
    Atomics.store(work.claims, 1 + w, HASHED);
    Atomics.add(work.claims, 0, 1);
    hashed++;
  }
  return hashed;
}

/** True when every window of `work` is hashed. */
export function allHashed(work: PageWork): boolean {
  return Atomics.load(work.claims, 0) === work.windows.length / 3;
}

/**
 * Hashes on this thread every window that was claimed but not finished (its helper failed): call
 * it only once the helper has stopped.
 */
export function hashUnfinished(
  sources: readonly PositionalSource[],
  hasher: PageHasher,
  work: PageWork,
  options: { readonly plans?: readonly LoadPlan[]; readonly firstPages?: CoreFirstPages } = {},
): void {
  const plans = options.plans ?? work.cores.map((c) => new LoadPlan(c.loads));
  for (let w = 0; w < work.windows.length / 3; w++) {
    if (Atomics.load(work.claims, 1 + w) === HASHED) continue;
    hashOne(sources, hasher, work, plans, w, options.firstPages);
    Atomics.store(work.claims, 1 + w, HASHED);
    Atomics.add(work.claims, 0, 1);
  }
}

function hashOne(
  sources: readonly PositionalSource[],
  hasher: PageHasher,
  work: PageWork,
  plans: readonly LoadPlan[],
  w: number,
  firstPages: CoreFirstPages | undefined,
): void {
  const i = work.windows[3 * w]!;
  const from = work.windows[3 * w + 1]!;
  const to = work.windows[3 * w + 2]!;
  const core = work.cores[i]!;
  const src = sources[i]!;
  // The extents of the window's bytes (its last page may end past `to`), found by whoever hashes it.
  const extents = core.extents ??
    src.dataExtents?.(from, Math.min(src.size, to + PAGE_SIZE));
  const seen: FirstPages | undefined = firstPages &&
    ((load, memory, at, length) => firstPages(i, load, memory, at, length));
  hashWindow(src, hasher, plans[i]!, extents, core, {
    from,
    to,
    ...(seen ? { firstPages: seen } : {}),
  });
}
