import assert from "node:assert/strict";
import { type Aligned, comparePages, comparePagesByAddress, type Side } from "./align.ts";
import type { Segment } from "../elf/program_header.ts";
import { PageSlice } from "../digest/model.ts";

/** A deterministic pseudo-random sequence (xorshift32). */
function random(seed: number) {
  let x = seed;
  return (n: number) => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % n;
  };
}

function side(rnd: (n: number) => number, vaddr: bigint): Side {
  const pages = rnd(12);
  const filesz = BigInt(pages * 4096 - (rnd(3) === 0 ? rnd(4096) : 0));
  const memsz = filesz + BigInt(rnd(3) * 4096);
  const hashed = Math.max(0, pages - rnd(3)); // some truncated
  const hashes = new BigUint64Array(hashed).map(() => BigInt(rnd(3)));
  const zero = new Uint8Array(hashed).map(() => rnd(2));
  const seg = { index: rnd(100), vaddr, filesz, memsz, flags: 6 } as unknown as Segment;
  if (rnd(2) === 0) return { seg, pages: { index: seg.index, hashes, zero } };
  // Half the time a slice of a core's columns, between other segments' pages (as digests make).
  const before = rnd(5), after = rnd(5);
  const columns = {
    hashes: new BigUint64Array(before + hashed + after).map(() => BigInt(rnd(3))),
    zero: new Uint8Array(before + hashed + after).map(() => rnd(2)),
  };
  columns.hashes.set(hashes, before);
  columns.zero.set(zero, before);
  return { seg, pages: new PageSlice(seg.index, columns, before, hashed) };
}

Deno.test("comparePages by page index equals the bigint reference on random ranges", () => {
  const rnd = random(12345);
  for (let t = 0; t < 5000; t++) {
    const base = 0x7f0000000000n + BigInt(rnd(4)) * 4096n + (rnd(4) === 0 ? BigInt(rnd(4096)) : 0n);
    const a = rnd(4) === 0 ? undefined : side(rnd, base);
    const b = rnd(4) === 0 ? undefined : side(rnd, base - BigInt(rnd(2)) * 4096n);
    if (!a && !b) continue;
    const start = base + BigInt(rnd(3) * 4096 + (rnd(3) === 0 ? rnd(4096) : 0));
    const end = start + BigInt(1 + rnd(16 * 4096));
    const r: Aligned = { start, end, ...(a ? { a } : {}), ...(b ? { b } : {}) };
    const maxRuns = 1 + rnd(3);
    assert.deepEqual(comparePages(r, maxRuns), comparePagesByAddress(r, maxRuns), `case ${t}`);
  }
});

Deno.test("comparePages counts a range of 300 pages in buckets like the reference", () => {
  const rnd = random(7);
  const a = side(rnd, 0x400000n), b = side(rnd, 0x400000n);
  const r: Aligned = { start: 0x400000n, end: 0x400000n + 300n * 4096n, a, b };
  assert.deepEqual(comparePages(r), comparePagesByAddress(r));
});

Deno.test("comparePages: long runs of equal pages (the tight loop) match the reference", () => {
  const rnd = random(99);
  for (let t = 0; t < 400; t++) {
    const pages = 1 + rnd(400);
    const base = 0x7f0000000000n + BigInt(rnd(8)) * 4096n;
    const make = (shift: number): Side => {
      const hashed = Math.max(0, pages - (rnd(4) === 0 ? rnd(8) : 0));
      const filesz = BigInt(pages * 4096 - (rnd(4) === 0 ? rnd(4096) : 0));
      const seg = {
        index: 1,
        vaddr: base - BigInt(shift) * 4096n,
        filesz,
        memsz: filesz,
        flags: 6,
      };
      // Mostly the same hash at each page in both sides, a few pages differing.
      const hashes = new BigUint64Array(hashed + shift).map((_, i) =>
        rnd(20) === 0 ? 7n : BigInt(i - shift)
      );
      const zero = new Uint8Array(hashed + shift).map(() => rnd(2));
      return { seg: seg as unknown as Segment, pages: { index: 1, hashes, zero } };
    };
    const a = make(rnd(3)), b = make(rnd(3));
    const start = base + BigInt(rnd(4) * 4096);
    const length = Math.max(0, pages - 1 - rnd(4)) * 4096 + 1 + rnd(4095);
    const r: Aligned = { start, end: start + BigInt(length), a, b };
    assert.deepEqual(comparePages(r, 4), comparePagesByAddress(r, 4), `case ${t}`);
  }
});
