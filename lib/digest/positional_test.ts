import assert from "node:assert/strict";
import { buildCore, prstatusX86_64 } from "../../test/_elf_writer.ts";
import { bytesSource, type DataExtents, type PositionalSource } from "../bytes/source.ts";
import { createPageHasher } from "../../wasm/mod.ts";
import { encodeDigest } from "./codec.ts";
import { digestPositional, digestPositionalAll } from "./positional.ts";
import { hashLoads } from "./page_loop.ts";
import { hashClaimed, type PageWork } from "./page_share.ts";

/** A core of 9 loads of varied page counts (some with a partial last page) and mixed contents. */
function manyLoads(start = 12345) {
  let seed = start;
  const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 8;
  const loads = [];
  for (let i = 0; i < 9; i++) {
    const length = (1 + (rnd() % 120)) * 4096 - (i % 3 === 2 ? 1000 : 0);
    const data = new Uint8Array(length);
    for (let p = 0; p < length; p += 4096) {
      const kind = rnd() % 3;
      if (kind === 0) continue; // zero page
      const fill = rnd() & 0xff;
      for (let b = p; b < Math.min(length, p + 4096); b += 7) data[b] = fill ^ (b & 0xff);
    }
    loads.push({ vaddr: BigInt(0x100000 * (i + 1)), memsz: BigInt(length + 4096), data });
  }
  return buildCore({
    notes: [{ owner: "CORE", type: 1, desc: prstatusX86_64(7, 11, 0x1000n) }],
    loads,
  });
}

/** Extents that make every third page of the data a hole. */
function holesEvery3(bytes: Uint8Array, dataOffset: number): DataExtents {
  const starts = [0];
  const ends: number[] = [];
  for (let at = dataOffset; at + 4096 <= bytes.length; at += 3 * 4096) {
    ends.push(at + 4096 * 2);
    starts.push(at + 4096 * 3);
  }
  ends.push(bytes.length);
  return { starts: Float64Array.from(starts), ends: Float64Array.from(ends) };
}

/**
 * A helper on this thread with its own hasher that hashes `take` windows from the last one at once,
 * before this thread claims any (a Worker that is up first and then stops, as if this thread had
 * reached it), then resolves.
 */
function lateHelper(sources: PositionalSource[], take: number, calls: PageWork[] = []) {
  return (work: PageWork) => {
    calls.push(work);
    const stop = work.windows.length / 3 - 1 - take; // the window it does not reach
    if (stop >= 0) Atomics.store(work.claims, 1 + stop, 1); // claimed: the helper stops there
    hashClaimed(sources, createPageHasher(), work, { fromEnd: true });
    if (stop >= 0) Atomics.store(work.claims, 1 + stop, 0);
    return Promise.resolve();
  };
}
const core = manyLoads();

Deno.test("digestPositional with a helper gives the byte-identical digest whoever hashes which window", async () => {
  const src = bytesSource(core.bytes);
  for (const extents of [undefined, holesEvery3(core.bytes, core.dataOffset)]) {
    const alone = encodeDigest(await digestPositional(src, createPageHasher(), undefined, extents));
    // The helper takes none, some or all windows.
    for (const claims of [0, 1, 3, Infinity]) {
      const calls: PageWork[] = [];
      const shared = await digestPositional(src, createPageHasher(), undefined, {
        ...(extents ? { extents } : {}),
        helper: lateHelper([src], claims, calls),
      });
      assert.equal(calls.length, 1);
      const windows = calls[0]!.windows.length / 3;
      assert.ok(windows >= 6, `${windows} windows`);
      assert.equal(Atomics.load(calls[0]!.claims, 0), windows, "every window hashed once");
      assert.deepEqual(encodeDigest(shared), alone, `helper claims ${claims}`);
      if (extents) assert.ok([...shared.segments].some((s) => s.holes?.length));
    }
  }
});

Deno.test("digestPositionalAll shares the windows of several cores and keeps each core's digest", async () => {
  const other = manyLoads(777);
  const srcs = [bytesSource(core.bytes), bytesSource(other.bytes)];
  const alone = [];
  for (const src of srcs) alone.push(encodeDigest(await digestPositional(src, createPageHasher())));
  for (const claims of [0, 5, 20, Infinity]) {
    const helper = lateHelper(srcs, claims);
    const both = await digestPositionalAll(
      srcs.map((src) => ({ src })),
      createPageHasher(),
      helper,
    );
    assert.deepEqual(both.map(encodeDigest), alone, `helper claims ${claims}`);
  }
});

Deno.test("digestPositional hashes the windows a failed helper claimed and left unfinished", async () => {
  const src = bytesSource(core.bytes);
  const extents = holesEvery3(core.bytes, core.dataOffset);
  const alone = encodeDigest(await digestPositional(src, createPageHasher(), undefined, extents));
  for (const take of [0, 2, 1000]) {
    const failed = await digestPositional(src, createPageHasher(), undefined, {
      extents,
      helper: (work) => {
        // Claimed the last windows, then died before hashing them.
        const count = work.windows.length / 3;
        for (let w = count - 1; w >= Math.max(0, count - take); w--) {
          Atomics.store(work.claims, 1 + w, 1);
        }
        return Promise.reject(new Error("worker died"));
      },
    });
    assert.deepEqual(encodeDigest(failed), alone, `helper claimed ${take}`);
  }
});

Deno.test("hashLoads: a window takes exactly the data pages whose first byte lies in it", () => {
  const hasher = createPageHasher();
  const core2 = manyLoads();
  const src = bytesSource(core2.bytes);
  const loads = [{
    index: 1,
    offset: BigInt(core2.dataOffset),
    available: 10n * 4096n,
    truncated: false,
  }];
  const all = hashLoads(src, hasher, loads, undefined).at(0)!;
  const out = { hashes: new BigUint64Array(10), zero: new Uint8Array(10) };
  hashLoads(src, hasher, loads, undefined, {
    out,
    from: core2.dataOffset + 3 * 4096 - 1,
    to: core2.dataOffset + 6 * 4096,
  });
  assert.deepEqual([...out.hashes].map((h, i) => h === all.hashes[i]), [
    false,
    false,
    false,
    true,
    true,
    true,
    false,
    false,
    false,
    false,
  ]);
});

Deno.test("digestStream gives the positional digest's bytes whatever the chunking (batch edges, partial pages)", async () => {
  const { digestStream } = await import("./digest.ts");
  const src = bytesSource(core.bytes);
  const expected = encodeDigest(await digestPositional(src, createPageHasher()));
  let seed = 99;
  const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 8;
  const sizes: (() => number)[] = [
    () => 1 + rnd() % 5000, // smaller than a page, across pages
    () => 4096 * (1 + rnd() % 300) + (rnd() % 3) * 17, // across the 1 MiB batch
    () => core.bytes.length, // one chunk
  ];
  for (const size of sizes) {
    let at = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(ctl) {
        if (at >= core.bytes.length) return ctl.close();
        const n = size();
        ctl.enqueue(core.bytes.slice(at, at + n));
        at += n;
      },
    });
    assert.deepEqual(encodeDigest(await digestStream(stream, createPageHasher())), expected);
  }
});

Deno.test("holes: a page is a hole exactly when no data extent touches it (random, unaligned extents)", async () => {
  const src = bytesSource(core.bytes);
  let seed = 5;
  const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 8;
  for (let round = 0; round < 20; round++) {
    const starts: number[] = [];
    const ends: number[] = [];
    for (let at = rnd() % 20000; at < core.bytes.length;) {
      const length = 1 + rnd() % (round % 2 ? 3 * 4096 : 40000);
      starts.push(at);
      ends.push(Math.min(core.bytes.length, at + length));
      at += length + 1 + rnd() % (round % 3 ? 9000 : 3 * 4096);
    }
    const extents = { starts: Float64Array.from(starts), ends: Float64Array.from(ends) };
    const d = await digestPositional(src, createPageHasher(), undefined, extents);
    // The same holes when each window asks the source for its own extents (loads here start at
    // offsets that are not page-aligned, so a window's last page ends past the window).
    const asking: PositionalSource = {
      ...src,
      dataExtents: (from, to) => {
        const keep = starts.map((_, k) => k).filter((k) => starts[k]! < to && ends[k]! > from);
        return {
          starts: Float64Array.from(keep, (k) => Math.max(from, starts[k]!)),
          ends: Float64Array.from(keep, (k) => Math.min(to, ends[k]!)),
        };
      },
    };
    for (const take of [0, 3]) {
      const windowed = await digestPositional(asking, createPageHasher(), undefined, {
        helper: lateHelper([asking], take),
      });
      assert.deepEqual(encodeDigest(windowed), encodeDigest(d), `round ${round}, helper ${take}`);
    }
    [...d.core.loads].forEach((l, i) => {
      const base = Number(l.offset);
      const end = base + Number(l.available);
      const expected: number[] = [];
      for (let q = 0; q < d.segments.at(i)!.hashes.length; q++) {
        const a = base + q * 4096;
        const b = Math.min(end, a + 4096);
        const data = starts.some((s, k) => s < b && ends[k]! > a);
        if (data) continue;
        const last = expected.length - 2;
        if (last >= 0 && expected[last]! + expected[last + 1]! === q) expected[last + 1]!++;
        else expected.push(q, 1);
      }
      assert.deepEqual([...(d.segments.at(i)!.holes ?? [])], expected, `round ${round} load ${i}`);
      // Hole pages are zero pages; every flag is 0 or 1.
      const zero = d.segments.at(i)!.zero;
      for (let r = 0; r < expected.length; r += 2) {
        for (let q = expected[r]!; q < expected[r]! + expected[r + 1]!; q++) {
          assert.equal(zero[q], 1, `round ${round} load ${i} page ${q}`);
        }
      }
      assert.ok(zero.every((z) => z === 0 || z === 1), `round ${round} load ${i}: flags`);
    });
  }
});

Deno.test("modules and build-ids are found in first pages whichever thread hashed them (real cores)", async () => {
  const { loadCore } = await import("../../test/_fixtures.ts");
  for (const name of ["kernel", "gdb"]) {
    const src = bytesSource(loadCore("f033", name));
    const alone = await digestPositional(src, createPageHasher());
    assert.ok((alone.modules ?? []).some((m) => m.buildId), `${name}: modules with build-ids`);
    for (const claims of [2, Infinity]) {
      const helper = lateHelper([src], claims);
      const shared = await digestPositional(src, createPageHasher(), undefined, { helper });
      assert.deepEqual(shared.modules, alone.modules, `${name}, helper claims ${claims}`);
      assert.deepEqual(encodeDigest(shared), encodeDigest(alone));
    }
  }
});
