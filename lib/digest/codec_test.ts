import assert from "node:assert/strict";
import { buildCore, prstatusX86_64 } from "../../test/_elf_writer.ts";
import { plainCore, plainPages, rejectsWith } from "../../test/_assert.ts";
import { DigestFormatError } from "../errors.ts";
import { decodeDigest, encodeDigest } from "./codec.ts";
import { digestStream } from "./digest.ts";
import { fakeHasher } from "../../test/_fake_hasher.ts";
import type { SegmentDigest } from "./model.ts";

async function sampleDigest() {
  const data = new Uint8Array(5 * 4096).map((_, i) => (i * 13) & 0xff);
  data.fill(0, 8192, 12288);
  const { bytes } = buildCore({
    notes: [{ owner: "CORE", type: 1, desc: prstatusX86_64(9, 6, 0x4000n) }],
    loads: [{ vaddr: 0x400000n, memsz: 0x8000n, data }, { vaddr: 0x7fff0000n, memsz: 0x1000n }],
  });
  return await digestStream(ReadableStream.from([bytes]), fakeHasher(), { compression: "none" });
}

Deno.test("digest round-trips through its binary form losslessly", async () => {
  const d = await sampleDigest();
  const bin = encodeDigest(d);
  const back = await decodeDigest(bin);
  assert.deepEqual(plainPages(back.segments), plainPages(d.segments));
  assert.deepEqual(plainCore(back.core), plainCore(d.core));
  assert.equal(back.fileHash, d.fileHash);
  assert.equal(back.size, d.size);
  assert.deepEqual(back.meta, d.meta);
  assert.deepEqual(encodeDigest(back), bin);
});

Deno.test("decodeDigest refuses unknown versions, corruption and truncation clearly", async () => {
  const bin = encodeDigest(await sampleDigest());
  const v2 = bin.slice();
  v2[4] = 1;
  const e1 = await rejectsWith(decodeDigest(v2), DigestFormatError);
  assert.match(e1.message, /Unknown digest format version 1/);
  const flipped = bin.slice();
  flipped[100]! ^= 0x10;
  const e2 = await rejectsWith(decodeDigest(flipped), DigestFormatError);
  assert.match(e2.message, /checksum mismatch/);
  const e3 = await rejectsWith(decodeDigest(bin.slice(0, 50)), DigestFormatError);
  assert.equal(e3.field, "magic");
  const e4 = await rejectsWith(
    decodeDigest(
      new TextEncoder().encode(
        "\x7fELF not a digest, longer than sixty-eight bytes of text here...",
      ),
    ),
    DigestFormatError,
  );
  assert.match(e4.message, /Not a coredelta digest/);
  // Skeleton ranges out of file order or overlapping (a hand-made digest): refused where they lie.
  const d = await sampleDigest();
  const first = d.skeleton[0]!;
  const overlapping = encodeDigest({
    ...d,
    skeleton: [first, { offset: first.offset + 1, bytes: first.bytes.slice(1, 3) }],
  });
  const e5 = await rejectsWith(decodeDigest(overlapping), DigestFormatError);
  assert.equal(e5.field, "range.offset");
  assert.match(e5.message, /range 1 starts at byte 1, inside or before the range before it/);
});

Deno.test("holes round-trip through the binary form, and holes that do not fit are refused", async () => {
  const d = await sampleDigest();
  const s0 = d.segments.at(0)!;
  // Fields named one by one: a spread would not copy accessors (`PageSlice`).
  const withRuns = (runs: number[]): SegmentDigest => ({
    index: s0.index,
    hashes: s0.hashes,
    zero: s0.zero,
    holes: new Uint32Array(runs),
  });
  const withHoles = {
    ...d,
    segments: [withRuns([1, 2, 4, 1]), ...[...d.segments].slice(1)],
  };
  const back = await decodeDigest(encodeDigest(withHoles));
  assert.deepEqual([...back.segments.at(0)!.holes!], [1, 2, 4, 1]);
  assert.equal(back.segments.at(1)!.holes, undefined);
  const bad = {
    ...d,
    segments: [withRuns([4, 2]), ...[...d.segments].slice(1)],
  };
  const e = await rejectsWith(decodeDigest(encodeDigest(bad)), DigestFormatError);
  assert.equal(e.field, "holes");
});

Deno.test("segments out of program header order, or naming no load, are refused", async () => {
  const d = await sampleDigest();
  const rows = [...d.segments];
  assert.ok(rows.length >= 2);
  const swapped = { ...d, segments: [rows[1]!, rows[0]!, ...rows.slice(2)] };
  const e = await rejectsWith(decodeDigest(encodeDigest(swapped)), DigestFormatError);
  assert.equal(e.field, "segment.index");
  assert.match(e.message, /segment 1 is program header \d+, not after the segment before it/);
  const stranger = { ...d, segments: [...rows, { ...plainRow(rows[0]!), index: 9999 }] };
  const e2 = await rejectsWith(decodeDigest(encodeDigest(stranger)), DigestFormatError);
  assert.equal(e2.field, "segments");
  // A subset of the loads, in order, is a digest still.
  const back = await decodeDigest(encodeDigest({ ...d, segments: rows.slice(1) }));
  assert.deepEqual(plainPages(back.segments), plainPages(rows.slice(1)));
});

Deno.test("a segment count no core can have is refused at its offset, before anything is sized by it", async () => {
  const { crc32 } = await import("../bytes/crc32.ts");
  const { MAX_PROGRAM_HEADERS } = await import("../elf/core.ts");
  const d = await sampleDigest();
  const bin = encodeDigest(d);
  const v = new DataView(bin.buffer);
  // The count follows the header, the metadata and the skeleton ranges.
  let at = 64;
  at += 4 + v.getUint32(at, true);
  const ranges = v.getUint32(at, true);
  at += 4;
  for (let i = 0; i < ranges; i++) at += 12 + v.getUint32(at + 8, true);
  assert.equal(v.getUint32(at, true), d.segments.length);
  for (const count of [MAX_PROGRAM_HEADERS + 1, MAX_PROGRAM_HEADERS]) {
    const bad = bin.slice();
    const bv = new DataView(bad.buffer);
    bv.setUint32(at, count, true);
    bv.setUint32(bad.length - 4, crc32(bad.subarray(0, bad.length - 4)), true);
    const e = await rejectsWith(decodeDigest(bad), DigestFormatError);
    if (count > MAX_PROGRAM_HEADERS) {
      assert.deepEqual([e.field, e.offset], ["segments", at]);
      assert.match(e.message, /more than a core's 4000000 program headers/);
    } else assert.match(`${e.field}: ${e.message}`, /^segment\..*truncated/, "past the count");
  }
});

/** A segment's fields as own properties. */
const plainRow = (s: SegmentDigest): SegmentDigest => ({
  index: s.index,
  hashes: s.hashes,
  zero: s.zero,
});

Deno.test("a digest whose segments are slices of one core's columns, holes past the first, round-trips", async () => {
  const { bytesSource } = await import("../bytes/source.ts");
  const { digestPositional } = await import("./positional.ts");
  const page = (seed: number) => new Uint8Array(4096).map((_, i) => (i * seed + 7) & 0xff);
  // Zero pages (left as holes below) at p % 3 === hole of each load.
  const data = (pages: number, seed: number, hole: number) => {
    const out = new Uint8Array(pages * 4096);
    for (let p = 0; p < pages; p++) if (p % 3 !== hole) out.set(page(seed + p), p * 4096);
    return out;
  };
  const { bytes, dataOffset } = buildCore({
    notes: [{ owner: "CORE", type: 1, desc: prstatusX86_64(9, 6, 0x4000n) }],
    loads: [
      { vaddr: 0x400000n, memsz: 0x4000n, data: data(4, 1, 3) },
      { vaddr: 0x500000n, memsz: 0x6000n, data: data(6, 11, 1) },
      { vaddr: 0x600000n, memsz: 0x5000n, data: data(5, 23, 2) },
    ],
  });
  // Holes: the zero pages of the second and third loads (runs [1, 1], [4, 1] and [2, 1]).
  const starts = [0], ends: number[] = [];
  for (let p = 4; p < 15; p++) {
    if (p < 10 ? (p - 4) % 3 !== 1 : (p - 10) % 3 !== 2) continue;
    ends.push(dataOffset + p * 4096);
    starts.push(dataOffset + (p + 1) * 4096);
  }
  ends.push(bytes.length);
  const extents = { starts: Float64Array.from(starts), ends: Float64Array.from(ends) };
  const d = await digestPositional(bytesSource(bytes), fakeHasher(), undefined, extents);
  assert.deepEqual([...d.segments].map((s) => [...(s.holes ?? [])]), [[], [1, 1, 4, 1], [2, 1]]);
  const bin = encodeDigest(d);
  const back = await decodeDigest(bin);
  assert.deepEqual(plainPages(back.segments), plainPages(d.segments));
  assert.deepEqual(encodeDigest(back), bin);
});
