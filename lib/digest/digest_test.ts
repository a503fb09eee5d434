import assert from "node:assert/strict";
import { buildCore, prstatusX86_64 } from "../../test/_elf_writer.ts";
import { plainCore, plainPages, rejectsWith } from "../../test/_assert.ts";
import { CoreFormatError } from "../errors.ts";
import { digestStream } from "./digest.ts";
import { fakeHasher, fnv64 } from "../../test/_fake_hasher.ts";
import { pageCounts } from "./model.ts";
import { memorySpill } from "./spill.ts";
import { bytesSource } from "../bytes/source.ts";
import { digestPositional } from "./positional.ts";

function chunks(bytes: Uint8Array, sizes: () => number): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(ctl) {
      if (at >= bytes.length) return ctl.close();
      const n = Math.max(1, sizes());
      ctl.enqueue(bytes.slice(at, at + n));
      at += n;
    },
  });
}
const whole = (b: Uint8Array) => chunks(b, () => b.length);

function sample(extendedNumbering = false) {
  const data = new Uint8Array(3 * 4096 + 100);
  for (let i = 0; i < data.length; i++) data[i] = (i * 31) & 0xff;
  data.fill(0, 4096, 8192); // page 1 is zero
  return buildCore({
    extendedNumbering,
    notes: [{ owner: "CORE", type: 1, desc: prstatusX86_64(7, 11, 0x1000n) }],
    loads: [
      { vaddr: 0x10000n, memsz: 0x5000n, data },
      { vaddr: 0x20000n, memsz: 0x2000n },
      { vaddr: 0x30000n, memsz: 0x1000n, data: new Uint8Array(4096).fill(1) },
    ],
  });
}

Deno.test("digestStream hashes every saved page and classifies zero and unsaved pages", async () => {
  const { bytes, dataOffset } = sample();
  const d = await digestStream(whole(bytes), fakeHasher());
  assert.equal(d.meta.spilled, false);
  assert.equal(d.size, bytes.length);
  assert.equal(d.segments.length, 3);
  const s0 = d.segments.at(0)!;
  assert.equal(s0.hashes.length, 4);
  assert.equal(s0.hashes[0], fnv64(bytes.subarray(dataOffset, dataOffset + 4096)));
  assert.equal(
    s0.hashes[3],
    fnv64(bytes.subarray(dataOffset + 3 * 4096, dataOffset + 3 * 4096 + 100)),
  );
  assert.deepEqual([...s0.zero], [0, 1, 0, 0]);
  const load0 = d.core.loads.at(0)!;
  assert.deepEqual(pageCounts(s0, load0.filesz, load0.memsz), {
    saved: 4,
    hashed: 4,
    truncated: 0,
    unsaved: 1,
    zero: 1,
    holes: 0,
  });
  assert.equal(d.segments.at(1)!.hashes.length, 0);
  assert.equal(d.core.threads[0]!.tid, 7);
});

Deno.test("digestStream gives identical digests for any chunking", async () => {
  const { bytes } = sample();
  const ref = await digestStream(whole(bytes), fakeHasher());
  let seed = 17;
  const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % 9000;
  for (const sizes of [() => 1, () => 4095, rand]) {
    const d = await digestStream(chunks(bytes, sizes), fakeHasher());
    assert.deepEqual(plainPages(d.segments), plainPages(ref.segments));
    assert.equal(d.fileHash, ref.fileHash);
    assert.deepEqual(plainCore(d.core), plainCore(ref.core));
  }
});

Deno.test("extended numbering streams in one pass: the table ends where the first data starts", async () => {
  const { bytes } = sample(true);
  const ref = await digestStream(whole(sample(false).bytes), fakeHasher());
  for (const sizes of [() => 1000, () => bytes.length]) {
    const d = await digestStream(chunks(bytes, sizes), fakeHasher());
    assert.equal(d.meta.spilled, false);
    assert.equal(d.core.segments.length, 4);
    assert.deepEqual(
      [...d.segments].map((s) => [...s.hashes]),
      [...ref.segments].map((s) => [...s.hashes]),
    );
    const byPosition = await digestPositional(bytesSource(bytes), fakeHasher());
    assert.deepEqual(plainPages(byPosition.segments), plainPages(d.segments));
    assert.equal(byPosition.fileHash, d.fileHash);
  }
});

Deno.test("extended numbering: a table that disagrees with section header 0 is refused, by field", async () => {
  const { bytes } = sample(true);
  const v = new DataView(bytes.buffer);
  const shoff = Number(v.getBigUint64(40, true));
  v.setUint32(shoff + 44, 3, true); // sh_info: 3 program headers, the table holds 4
  const err = await rejectsWith(digestStream(whole(bytes), fakeHasher()), CoreFormatError);
  assert.equal(err.field, "sh_info");
  assert.match(err.message, /gives 3 program headers.*holds 4/);
});

Deno.test("file identity: equal for any way of reading, different when one page byte differs", async () => {
  const { bytes, dataOffset } = sample();
  const d = await digestStream(whole(bytes), fakeHasher());
  const p = await digestPositional(bytesSource(bytes), fakeHasher());
  assert.equal(p.fileHash, d.fileHash);
  assert.deepEqual(plainPages(p.segments), plainPages(d.segments));
  const changed = bytes.slice();
  changed[dataOffset + 5000]! ^= 1;
  assert.notEqual((await digestStream(whole(changed), fakeHasher())).fileHash, d.fileHash);
  const note = bytes.slice();
  note[sample().noteOffset + 40]! ^= 1; // inside NT_PRSTATUS: a non-page byte the parser reads
  assert.notEqual((await digestStream(whole(note), fakeHasher())).fileHash, d.fileHash);
});

Deno.test("holes: pages wholly outside the data extents are not read, hash as zero pages, and are listed", async () => {
  const { bytes, dataOffset } = sample();
  let reads = 0;
  const src = bytesSource(bytes);
  const counting = {
    ...src,
    readInto(offset: number, target: Uint8Array): number {
      if (offset >= dataOffset + 4096 && offset < dataOffset + 2 * 4096) reads++;
      return src.readInto(offset, target);
    },
  };
  // Page 1 of segment 0 (a written zero page in `sample`) is declared a hole: everything else data.
  const extents = {
    starts: new Float64Array([0, dataOffset + 2 * 4096]),
    ends: new Float64Array([dataOffset + 4096, bytes.length]),
  };
  const d = await digestPositional(counting, fakeHasher(), { spilled: false }, extents);
  assert.equal(reads, 0, "the hole was read");
  const s0 = d.segments.at(0)!;
  assert.deepEqual([...s0.holes!], [1, 1]);
  assert.deepEqual([...s0.zero], [0, 1, 0, 0]);
  const plain = await digestPositional(bytesSource(bytes), fakeHasher());
  assert.deepEqual(
    [...s0.hashes],
    [...plain.segments.at(0)!.hashes],
    "a hole hashes as a zero page",
  );
  assert.equal(plain.segments.at(0)!.holes, undefined, "a written zero page is not a hole");
  assert.equal(d.fileHash, plain.fileHash);
  const l = d.core.loads.at(0)!;
  assert.equal(pageCounts(s0, l.filesz, l.memsz).holes, 1);
});

Deno.test("digestStream spills when PT_LOAD file ranges overlap", async () => {
  const built = sample();
  const v = new DataView(built.bytes.buffer);
  // Point PT_LOAD 3 at the data of PT_LOAD 1.
  v.setBigUint64(built.phoff + 3 * 56 + 8, BigInt(built.dataOffset), true);
  const d = await digestStream(whole(built.bytes), fakeHasher(), { spill: memorySpill() });
  assert.equal(d.meta.spilled, true);
  assert.match(d.meta.spillReason!, /overlaps/);
  assert.equal(d.segments.at(2)!.hashes[0], d.segments.at(0)!.hashes[0]);
});

Deno.test("digestStream marks pages of a truncated core and hashes what is there", async () => {
  const { bytes, dataOffset } = sample();
  const cut = bytes.slice(0, dataOffset + 4096 + 10);
  const d = await digestStream(whole(cut), fakeHasher());
  assert.equal(d.core.truncated, true);
  const c = pageCounts(d.segments.at(0)!, d.core.loads.at(0)!.filesz, d.core.loads.at(0)!.memsz);
  assert.deepEqual([c.hashed, c.truncated], [1, 3]);
  assert.equal(d.segments.at(2)!.hashes.length, 0);
});

Deno.test("digestStream reports malformed input with the parser's error", async () => {
  const err = await rejectsWith(
    digestStream(whole(new TextEncoder().encode("tiny")), fakeHasher()),
    CoreFormatError,
  );
  assert.equal(err.field, "e_ident");
  const e2 = await rejectsWith(
    digestStream(whole(new Uint8Array(100).fill(0x7f)), fakeHasher()),
    CoreFormatError,
  );
  assert.equal(e2.field, "EI_MAG");
});

Deno.test("digestStream joins the prefix in linear time (regression: fuzz found O(n^2) copying)", async () => {
  // e_phoff points past 4 MiB of data, streamed in 16-byte chunks: the old code re-joined the
  // whole prefix on every chunk (~0.5 TB of copying, over a minute); now the header says how much
  // to wait for, and the run takes well under a second (the bound is loose for loaded CI machines).
  const { bytes } = buildCore({
    loads: [{ vaddr: 0x1000n, memsz: 0x400000n, data: new Uint8Array(0x400000) }],
  });
  new DataView(bytes.buffer).setBigUint64(32, 0x800000n, true);
  const t0 = performance.now();
  const err = await rejectsWith(
    digestStream(chunks(bytes, () => 16), fakeHasher(), { spill: memorySpill() }),
    CoreFormatError,
  );
  assert.equal(err.field, "e_phoff");
  assert.ok(performance.now() - t0 < 30_000, "prefix accumulation is not linear");
});

Deno.test("positional digest of a source that shrinks while read: a format error with the offset", async () => {
  const { bytes, dataOffset } = sample();
  const src = bytesSource(bytes);
  const shrinking = {
    ...src,
    readInto: (offset: number, target: Uint8Array) =>
      src.readInto(offset, target.subarray(0, Math.max(0, dataOffset + 100 - offset))),
  };
  const err = await rejectsWith(digestPositional(shrinking, fakeHasher()), CoreFormatError);
  assert.equal(err.field, "p_offset");
  assert.match(err.message, /changed while being read/);
});

Deno.test("a digest keeps its segments as tables, however it was made: rows are made when read", async () => {
  const { bytes } = sample(false);
  const { decodeDigest, encodeDigest } = await import("./codec.ts");
  const { PageTable } = await import("./page_table.ts");
  const streamed = await digestStream(whole(bytes), fakeHasher());
  const made = [
    streamed,
    await digestPositional(bytesSource(bytes), fakeHasher()),
    await decodeDigest(encodeDigest(streamed)),
  ];
  for (const d of made) {
    assert.ok(d.segments instanceof PageTable, "page slices as a table");
    for (const rows of [d.core.segments, d.core.loads, d.segments]) {
      assert.ok(!Array.isArray(rows), "not an array of objects");
      assert.notEqual(rows.at(0), rows.at(0), "each read makes its row");
    }
    assert.deepEqual(plainPages(d.segments), plainPages(streamed.segments));
  }
});
