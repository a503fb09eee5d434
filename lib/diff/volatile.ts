/**
 * Where bytes of one process move between two dump moments, by rule — and nowhere else. Writable
 * pages that differ between two cores of one process are `timing.volatile-content` only inside:
 *
 * - a thread's stack, at or below its saved stack pointer (page granularity; the higher of the two
 *   cores' values): frames of a thread that ran or was woken between the dumps;
 * - a thread's TLS and thread control block with its rseq area (x86-64: the page before and the page
 *   after `fs_base`): glibc and the kernel update `cpu_id`, cancel state and the like;
 * - libc's and the dynamic loader's writable data (their locks: stdio, malloc arenas, the loader
 *   lock), with the anonymous `.bss` right after it;
 * - the first page of each loaded ELF object's writable data, where `.got.plt` ends: lazy binding
 *   writes a function's address there on its first call (e.g. `abort` on the way to the crash).
 *
 * Every other differing writable page is the program's own write between the dumps:
 * `timing.program-write`, unexpected, listed by page.
 *
 * @module
 */

import { lowerBound, type Rows } from "../bytes/rows.ts";
import { byAddress, loadsAt } from "../elf/by_address.ts";
import type { Segment } from "../elf/program_header.ts";
import type { CoreFile } from "../elf/core.ts";
import { PF_W, PF_X } from "../elf/constants.ts";
import { type Aligned, comparePages } from "./align.ts";
import type { Difference, Reason } from "./model.ts";

/** One place where a rule lets bytes differ between two dumps of one process. */
export interface VolatilePlace {
  readonly start: bigint;
  readonly end: bigint;
  /** The address the place is found from (a stack pointer, `fs_base`): a page holding it is this place's first. */
  readonly anchor?: bigint;
  /** The place named, for the reason's text. */
  readonly text: string;
}

/** Bytes above a saved stack pointer that the call in progress owns (return slot, outgoing arguments). */
const CALL_SLOT = 512n;
const PAGE = 4096n;
const down = (v: bigint) => v - (v % PAGE);
const hex = (v: bigint) => `0x${v.toString(16)}`;
const SP = ["rsp", "sp", "esp"];
/** Bytes of glibc's struct pthread above fs_base, rseq area included (x86-64, glibc 2.35+). */
const TCB_SIZE = 0xa00n;
const LIBC = /\/(libc|libpthread|ld-linux[^/]*|ld)[-.][^/]*so[^/]*$/;

function spOf(regs: Readonly<Record<string, bigint>>): bigint | undefined {
  for (const r of SP) if (regs[r] !== undefined) return regs[r];
  return undefined;
}

/**
 * Whether every thread's stack pointer is known in both cores. A digest stored without its core
 * keeps register sets only as hashes (never values), so its stacks and TLS cannot be located.
 */
export function registersKnown(a: CoreFile, b: CoreFile): boolean {
  return [a, b].every((c) => c.threads.every((t) => spOf(t.status.registers) !== undefined));
}

/** The places of {@link narrowVolatile} for two cores of one process. */
export function volatilePlaces(a: CoreFile, b: CoreFile): VolatilePlace[] {
  const out: VolatilePlace[] = [];
  // Both cores' loads by address (sorted once per core and shared); a thread's stack pointer is
  // looked up by binary search in each, not in a merged list of 140,000.
  const sa = byAddress(a.loads), sb = byAddress(b.loads);
  /** In one core: the last load with memory starting at or below `v`, by address. */
  const lastAtOrBelow = (s: Rows<Segment>, v: bigint): Segment | undefined => {
    for (let i = lowerBound(s.length, (k) => s.at(k)!.vaddr, v + 1n) - 1; i >= 0; i--) {
      const l = s.at(i)!;
      if (l.memsz !== 0n) return l;
    }
    return undefined;
  };
  /** The last load starting at or below `v` that covers it (of both cores, B's on a tie). */
  const loadAt = (v: bigint) => {
    const x = lastAtOrBelow(sa, v), y = lastAtOrBelow(sb, v);
    const l = !x ? y : !y ? x : y.vaddr >= x.vaddr ? y : x;
    return l && v < l.vaddr + l.memsz ? l : undefined;
  };
  const tids = new Set([...a.threads, ...b.threads].map((t) => t.tid));
  for (const tid of tids) {
    const ts = [a, b].map((c) => c.threads.find((t) => t.tid === tid)).filter((t) => t);
    // Per stack segment, the higher of the two saved stack pointers in it: a thread that ran on
    // a signal stack (sigaltstack) in one dump and on its own stack in the other has two.
    const bySeg = new Map<bigint, { vaddr: bigint; hi: bigint }>();
    for (const t of ts) {
      const sp = spOf(t!.status.registers);
      const seg = sp === undefined ? undefined : loadAt(sp);
      if (!seg || sp === undefined) continue;
      const prev = bySeg.get(seg.vaddr);
      if (!prev || sp > prev.hi) bySeg.set(seg.vaddr, { vaddr: seg.vaddr, hi: sp });
    }
    for (const { vaddr, hi } of bySeg.values()) {
      out.push({
        start: vaddr,
        // The call in progress at the higher stack pointer returns before the other dump: its
        // return slot and the caller's outgoing area just above that pointer are rewritten by the
        // next call (a page boundary there made the page above differ).
        end: down(hi + CALL_SLOT) + PAGE,
        anchor: hi,
        // Register values stay out of reports (they can hold secrets): the place, not the value.
        text:
          `stack of thread ${tid} at or below its saved stack pointer, with the return slot of the call in progress`,
      });
    }
    for (const fs of new Set(ts.map((t) => t!.status.registers.fs_base ?? 0n))) {
      if (fs === 0n) continue;
      out.push({
        // Static TLS below fs_base; struct pthread (with its rseq area, ~2.3 KiB) above it.
        start: down(fs) - PAGE,
        end: down(fs + TCB_SIZE + PAGE - 1n),
        anchor: fs,
        text: `TLS, thread control block and rseq area of thread ${tid} (at its fs_base)`,
      });
    }
  }
  for (const c of [a, b]) {
    const entries = c.files?.entries ?? [];
    // By binary search (the last load at an address, as a map by address would keep).
    const loadOf = { get: (v: bigint) => loadsAt(c.loads, v).at(-1) };
    const code = new Set(
      entries.filter((e) => (loadOf.get(e.start)?.flags ?? 0) & PF_X).map((e) => e.name),
    );
    const gotDone = new Set<string>();
    for (const e of entries) {
      const l = loadOf.get(e.start);
      if (!l || !(l.flags & PF_W) || !code.has(e.name) || gotDone.has(e.name)) continue;
      gotDone.add(e.name);
      out.push({
        start: l.vaddr,
        end: l.vaddr + PAGE,
        text: `the GOT of ${
          e.name.slice(e.name.lastIndexOf("/") + 1)
        } (lazy binding fills .got.plt on a function's first call)`,
      });
    }
    const libs = entries.filter((e) => LIBC.test(e.name));
    for (const e of libs) {
      for (const l of loadsAt(c.loads, e.start)) {
        if (!(l.flags & PF_W)) continue;
        const end = l.vaddr + l.memsz;
        // The anonymous .bss that follows the library's data belongs to it.
        const bss = loadsAt(c.loads, end).find((m) =>
          (m.flags & PF_W) &&
          !(c.files?.entries ?? []).some((f) => f.start === end)
        );
        const name = e.name.slice(e.name.lastIndexOf("/") + 1);
        out.push({
          start: l.vaddr,
          end: bss ? bss.vaddr + bss.memsz : end,
          text: `${name}'s writable data (its locks: stdio, malloc arenas, the loader lock)`,
        });
      }
    }
  }
  return out;
}

/**
 * Splits a range's `timing.volatile-content` difference by page: pages inside a volatile place keep
 * that code, with a reason naming each place; the others become `timing.program-write`, unexpected
 * and listed by page. Without places (registers unknown), the differences are left as they are.
 */
export function narrowVolatile(
  ds: readonly Difference[],
  r: Aligned,
  places: readonly VolatilePlace[] | undefined,
): Difference[] {
  if (!places) return [...ds];
  const i = ds.findIndex((d) =>
    d.kind === "content" && d.reasons.some((x) => x.code === "timing.volatile-content")
  );
  if (i < 0) return [...ds];
  const d = ds[i]!;
  const here = places.filter((p) => p.start < r.end && p.end > r.start);
  const named = new Map<string, number>();
  const other: bigint[] = [];
  for (const run of comparePages(r, Number.MAX_SAFE_INTEGER).runs) {
    for (let p = run.start; p < run.end; p += PAGE) {
      const place = here.find((x) => x.anchor !== undefined && down(x.anchor) === p) ??
        here.find((x) => x.start < p + PAGE && x.end > p);
      if (place) named.set(place.text, (named.get(place.text) ?? 0) + 1);
      else other.push(p);
    }
  }
  const out: Difference[] = [];
  if (named.size > 0) {
    const pages = [...named.values()].reduce((x, y) => x + y, 0);
    out.push({
      ...d,
      text: `${pages} page(s) differ where bytes move between two dumps`,
      reasons: [...named.keys()].map((text): Reason => ({
        code: "timing.volatile-content",
        text,
        certainty: "inferred",
      })),
    });
  }
  if (other.length > 0) {
    const shown = other.slice(0, 16).map(hex).join(", ");
    out.push({
      kind: "content",
      text:
        `${other.length} page(s) of writable memory changed outside every volatile place: ${shown}${
          other.length > 16 ? ", …" : ""
        }`,
      reasons: [{
        code: "timing.program-write",
        text:
          "the process wrote these pages between the two dump moments; no rule makes them volatile",
        certainty: "inferred",
      }],
      expected: false,
      unexplained: false,
    });
  }
  return [...ds.slice(0, i), ...out, ...ds.slice(i + 1)];
}
