import assert from "node:assert/strict";
import { buildCore, prstatusX86_64 } from "../../test/_elf_writer.ts";
import { bytesSource, type DataExtents } from "../bytes/source.ts";
import { createPageHasher } from "../../wasm/mod.ts";
import { encodeDigest } from "./codec.ts";
import { digestPositional, hashLoads, type PageShare } from "./positional.ts";

/** A core of 9 loads of varied page counts (some with a partial last page) and mixed contents. */
function manyLoads() {
  let seed = 12345;
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

/** A helper on this thread with its own hasher, as the digest Worker does it. */
function localHelper(calls: PageShare[]) {
  return (share: PageShare) => {
    calls.push(share);
    return Promise.resolve().then(() => {
      hashLoads(bytesSource(core.bytes), createPageHasher(), share.loads, share.extents, {
        out: share,
        from: share.from,
        holes: false,
      });
    });
  };
}
const core = manyLoads();

Deno.test("digestPositional with a helper gives the byte-identical digest, with and without holes", async () => {
  const src = bytesSource(core.bytes);
  for (const extents of [undefined, holesEvery3(core.bytes, core.dataOffset)]) {
    const alone = encodeDigest(await digestPositional(src, createPageHasher(), undefined, extents));
    const calls: PageShare[] = [];
    const shared = await digestPositional(src, createPageHasher(), undefined, {
      ...(extents ? { extents } : {}),
      helper: localHelper(calls),
    });
    assert.equal(calls.length, 1);
    const from = calls[0]!.from;
    assert.ok(from > core.dataOffset && from < core.bytes.length, `split at ${from}`);
    assert.deepEqual(encodeDigest(shared), alone);
    if (extents) assert.ok(shared.segments.some((s) => s.holes?.length));
  }
});

Deno.test("digestPositional hashes the helper's share itself when the helper fails", async () => {
  const src = bytesSource(core.bytes);
  const extents = holesEvery3(core.bytes, core.dataOffset);
  const alone = encodeDigest(await digestPositional(src, createPageHasher(), undefined, extents));
  const failed = await digestPositional(src, createPageHasher(), undefined, {
    extents,
    helper: () => Promise.reject(new Error("worker died")),
  });
  assert.deepEqual(encodeDigest(failed), alone);
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
  const all = hashLoads(src, hasher, loads, undefined)[0]!;
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
    d.core.loads.forEach((l, i) => {
      const base = Number(l.offset);
      const end = base + Number(l.available);
      const expected: number[] = [];
      for (let q = 0; q < d.segments[i]!.hashes.length; q++) {
        const a = base + q * 4096;
        const b = Math.min(end, a + 4096);
        const data = starts.some((s, k) => s < b && ends[k]! > a);
        if (data) continue;
        const last = expected.length - 2;
        if (last >= 0 && expected[last]! + expected[last + 1]! === q) expected[last + 1]!++;
        else expected.push(q, 1);
      }
      assert.deepEqual([...(d.segments[i]!.holes ?? [])], expected, `round ${round} load ${i}`);
    });
  }
});
