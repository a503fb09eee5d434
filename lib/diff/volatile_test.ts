import assert from "node:assert/strict";
import type { CoreFile } from "../elf/core.ts";
import type { Segment } from "../elf/program_header.ts";
import type { Aligned } from "./align.ts";
import type { Difference } from "./model.ts";
import { narrowVolatile, volatilePlaces } from "./volatile.ts";

const STACK = 0x7f0000000000n, PAGES = 16;

/** A writable 16-page range whose pages `differ` hash differently in A and B. */
function range(differ: number[]): Aligned {
  const side = (salt: bigint) => ({
    seg: {
      vaddr: STACK,
      filesz: BigInt(PAGES) * 4096n,
      memsz: BigInt(PAGES) * 4096n,
      flags: 6,
    } as unknown as Segment,
    pages: {
      index: 1,
      hashes: BigUint64Array.from(
        { length: PAGES },
        (_, i) => BigInt(i) + (differ.includes(i) ? salt : 0n),
      ),
      zero: new Uint8Array(PAGES),
    },
  });
  return { start: STACK, end: STACK + BigInt(PAGES) * 4096n, a: side(0n), b: side(1000n) };
}

/** One thread with the given saved stack pointer and its fs_base in page 14. */
function core(sp: bigint): CoreFile {
  return {
    threads: [{
      tid: 7,
      status: { registers: { rsp: sp, fs_base: STACK + 14n * 4096n + 0x6c0n } },
    }],
    loads: [{
      vaddr: STACK,
      memsz: BigInt(PAGES) * 4096n,
      filesz: BigInt(PAGES) * 4096n,
      flags: 6,
    }],
    files: { pageSize: 4096n, entries: [] },
  } as unknown as CoreFile;
}

const volatile: Difference = {
  kind: "content",
  text: "3 page(s) differ",
  reasons: [{ code: "timing.volatile-content", text: "x", certainty: "inferred" }],
  expected: true,
  unexplained: false,
};

Deno.test("narrowVolatile: stack below SP and the TCB stay volatile, naming the place; the rest is a program write", () => {
  const places = volatilePlaces(core(STACK + 5n * 4096n + 0x80n), core(STACK + 4n * 4096n));
  const out = narrowVolatile([volatile], range([3, 5, 8, 14]), places);
  assert.equal(out.length, 2);
  const [kept, write] = out as [Difference, Difference];
  assert.equal(kept.expected, true);
  assert.deepEqual(kept.reasons.map((r) => r.code), [
    "timing.volatile-content",
    "timing.volatile-content",
  ]);
  assert.match(
    kept.reasons[0]!.text,
    /^stack of thread 7 at or below its saved stack pointer, with the return slot of the call in progress$/,
  );
  assert.match(kept.reasons[1]!.text, /^TLS, thread control block and rseq area of thread 7/);
  assert.equal(kept.text, "3 page(s) differ where bytes move between two dumps");
  // Page 8 lies above the higher stack pointer and below the thread's TLS: the program wrote it.
  assert.equal(write.expected, false);
  assert.deepEqual(write.reasons.map((r) => r.code), ["timing.program-write"]);
  assert.ok(
    write.text.startsWith("1 page(s) of writable memory changed outside every volatile place"),
  );
  assert.ok(write.text.endsWith(": 0x7f0000008000"), write.text);
});

Deno.test("narrowVolatile: differences with another reason are left alone", () => {
  const other: Difference = {
    ...volatile,
    reasons: [{ code: "side-effect.debugger-breakpoint", text: "", certainty: "inferred" }],
  };
  assert.deepEqual(narrowVolatile([other], range([3]), []), [other]);
});

Deno.test("narrowVolatile: the return slot just above the higher stack pointer may sit on the next page", () => {
  // The higher pointer is 0x100 below a page boundary: the call in progress returns, and the next
  // call rewrites its return slot on page 6; page 7 is the program's own.
  const places = volatilePlaces(core(STACK + 5n * 4096n + 0xf00n), core(STACK + 4n * 4096n));
  const out = narrowVolatile([volatile], range([5, 6, 7]), places);
  const [kept, write] = out as [Difference, Difference];
  assert.equal(kept.text, "2 page(s) differ where bytes move between two dumps");
  assert.deepEqual(write.reasons.map((r) => r.code), ["timing.program-write"]);
  assert.ok(write.text.endsWith(": 0x7f0000007000"), write.text);
});
