/**
 * Acceptance tests of the streaming digest against the committed real cores: every page of every
 * `PT_LOAD` is checked against an independent oracle (hash-wasm's XXH3-64 over bytes read straight
 * from the decompressed file, zero flags by scanning), under any chunking, on truncated copies,
 * through the binary codec and through the CLI.
 *
 * @module
 */

import assert from "node:assert/strict";
import { capture } from "./_cli.ts";
// deno-lint-ignore no-import-prefix
import { createXXHash3 } from "npm:hash-wasm@4.13.0";
import { plainDigest, rejectsWith } from "./_assert.ts";
import { allCores, fixturePath, loadCore } from "./_fixtures.ts";
import { main } from "../main.ts";
import { bytesSource } from "../lib/bytes/source.ts";
import { decodeDigest, encodeDigest } from "../lib/digest/codec.ts";
import { digestStream } from "../lib/digest/digest.ts";
import { type CoreDigest, pageCounts, pagesOf } from "../lib/digest/model.ts";
import { modulesToJson } from "../lib/digest/modules.ts";
import { PAGE_SIZE } from "../lib/digest/page_hasher.ts";
import { parseCore } from "../lib/elf/core.ts";
import type { Segment } from "../lib/elf/program_header.ts";
import { DigestFormatError, InputError } from "../lib/errors.ts";
import { createPageHasher } from "../wasm/mod.ts";
import { digestFile, digestInput, fileChunks } from "../runtime/digest.ts";
import { concat, TooLargeError } from "../lib/bytes/streams.ts";
import { skeletonRuns } from "../lib/digest/identity.ts";
import { recording } from "../lib/digest/positional.ts";

/** XXH3-64 (seed 0, as `xxhsum -H3`) from hash-wasm: an implementation independent of ours. */
const oracleHasher = await createXXHash3(0, 0);
function oracle(bytes: Uint8Array): bigint {
  oracleHasher.init();
  oracleHasher.update(bytes);
  return BigInt(`0x${oracleHasher.digest("hex")}`);
}

function isZero(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== 0) return 0;
  return 1;
}

/** Expected hashes and zero flags of a PT_LOAD whose file holds `present` of its saved bytes. */
function expectedPages(core: Uint8Array, seg: Segment, present = core.length) {
  const start = Number(seg.offset);
  const filesz = Number(seg.filesz);
  const available = Math.max(0, Math.min(filesz, present - start));
  // Full pages, plus the partial last page only when the segment ends there (not cut short).
  const count = available === filesz
    ? Math.ceil(filesz / PAGE_SIZE)
    : Math.floor(available / PAGE_SIZE);
  const hashes = new BigUint64Array(count);
  const zero = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const page = core.subarray(
      start + i * PAGE_SIZE,
      Math.min(start + filesz, start + (i + 1) * PAGE_SIZE),
    );
    hashes[i] = oracle(page);
    zero[i] = isZero(page);
  }
  return { hashes, zero };
}

/**
 * The documented identity (`lib/digest/identity.ts`) computed with the independent oracle: size,
 * the ranges the parser reads, then every PT_LOAD's page hashes.
 */
async function identityOracle(bytes: Uint8Array): Promise<bigint> {
  const rec = recording(bytesSource(bytes));
  const core = await parseCore(rec.src);
  const parts: Uint8Array[] = [];
  const u64 = (n: number) => {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, BigInt(n), true);
    return b;
  };
  const u32 = (n: number) => new Uint8Array(new Uint32Array([n]).buffer);
  parts.push(u64(bytes.length));
  // The bytes the parser read, as maximal runs of the file: marked byte by byte (on their own,
  // not by the code under test).
  const read = new Uint8Array(bytes.length + 1);
  for (const r of rec.ranges) read.fill(1, r.offset, r.offset + r.bytes.length);
  for (let at = 0; at < bytes.length;) {
    if (!read[at]) {
      at++;
      continue;
    }
    const start = at;
    while (read[at]) at++;
    parts.push(u64(start), u64(at - start), bytes.subarray(start, at));
  }
  for (const seg of core.loads) {
    const { hashes } = expectedPages(bytes, seg);
    parts.push(u32(seg.index), u32(hashes.length), new Uint8Array(hashes.buffer));
  }
  return oracle(concat(parts));
}

/** A seeded PRNG (mulberry32) so random chunkings are reproducible. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Streams `bytes` in chunks of the sizes `next()` returns. Each pull enqueues up to `perPull`
 * chunks (views into one copy), so even 1-byte chunking of a whole core runs in seconds.
 */
function chunked(
  bytes: Uint8Array,
  next: () => number,
  perPull = 4096,
): ReadableStream<Uint8Array> {
  const copy = bytes.slice();
  let at = 0;
  return new ReadableStream({
    pull(ctl) {
      for (let k = 0; k < perPull && at < copy.length; k++) {
        const n = Math.max(1, next());
        ctl.enqueue(copy.subarray(at, Math.min(copy.length, at + n)));
        at += n;
      }
      if (at >= copy.length) ctl.close();
    },
  }, { highWaterMark: 0 });
}

const oneChunk = (bytes: Uint8Array) => ReadableStream.from([bytes.slice()]);

/** The comparable parts of a digest. */
function essence(d: CoreDigest) {
  return { size: d.size, fileHash: d.fileHash, core: d.core, segments: d.segments };
}

const cores = allCores();

Deno.test("fixtures: every committed core is there", () => {
  assert.ok(cores.length >= 10, `found ${cores.length} fixture cores`);
});

for (const [set, name] of cores) {
  Deno.test(`digest of ${set}/${name} matches the hash-wasm oracle on every page`, async () => {
    const bytes = loadCore(set, name);
    const d = await digestStream(oneChunk(bytes), createPageHasher());
    const parsed = await parseCore(bytesSource(bytes));
    assert.equal(d.meta.spilled, false);
    assert.equal(d.size, bytes.length);
    assert.equal(d.fileHash, await identityOracle(bytes), "fileHash is the documented identity");
    assert.equal(d.core.truncated, false);
    assert.equal(d.core.loads.length, parsed.loads.length);
    assert.equal(d.segments.length, parsed.loads.length);
    let pages = 0;
    [...parsed.loads].forEach((seg, i) => {
      const s = d.segments.at(i)!;
      assert.equal(s.index, seg.index);
      const want = expectedPages(bytes, seg);
      const saved = Math.ceil(Number(seg.filesz) / PAGE_SIZE);
      assert.equal(s.hashes.length, saved, `PT_LOAD ${seg.index}: page count`);
      for (let p = 0; p < saved; p++) {
        if (s.hashes[p] !== want.hashes[p] || s.zero[p] !== want.zero[p]) {
          assert.fail(
            `${set}/${name} PT_LOAD ${seg.index} page ${p}: digest ` +
              `${s.hashes[p]!.toString(16)}/${s.zero[p]}, oracle ` +
              `${want.hashes[p]!.toString(16)}/${want.zero[p]}`,
          );
        }
      }
      let zero = 0;
      for (const z of want.zero) zero += z;
      assert.deepEqual(pageCounts(s, seg.filesz, seg.memsz), {
        saved,
        hashed: saved,
        truncated: 0,
        unsaved: Math.ceil(Number(seg.memsz) / PAGE_SIZE) - saved,
        zero,
        holes: 0,
      });
      pages += saved;
    });
    assert.ok(pages > 0, "the core has saved pages");
  });
}

/** The smallest fixture core. */
function smallest(): { label: string; bytes: Uint8Array } {
  let best: { label: string; bytes: Uint8Array } | undefined;
  for (const [set, name] of cores) {
    const bytes = loadCore(set, name);
    if (!best || bytes.length < best.bytes.length) best = { label: `${set}/${name}`, bytes };
  }
  return best!;
}

Deno.test("chunking: one chunk, 1-byte chunks and seeded random chunks give identical digests", async () => {
  const { label, bytes } = smallest();
  const want = essence(await digestStream(oneChunk(bytes), createPageHasher()));
  const ones = await digestStream(chunked(bytes, () => 1), createPageHasher());
  assert.deepEqual(essence(ones), want, `${label}, 1-byte chunks`);
  for (const seed of [1, 2, 3]) {
    const r = prng(seed);
    // Mostly small and odd sizes, sometimes large ones, so page and segment edges fall anywhere.
    const size = () => r() < 0.9 ? 1 + Math.floor(r() * 9000) : 1 + Math.floor(r() * 300_000);
    const d = await digestStream(chunked(bytes, size, 64), createPageHasher());
    assert.deepEqual(essence(d), want, `${label}, random chunks (seed ${seed})`);
  }
});

Deno.test("truncation: a cut core is marked truncated and only fully present pages are hashed", async () => {
  const { label, bytes } = smallest();
  const parsed = await parseCore(bytesSource(bytes));
  const note = [...parsed.segments].find((s) => s.typeName === "PT_NOTE")!;
  const big = [...parsed.loads].find((s) => s.filesz >= BigInt(3 * PAGE_SIZE))!;
  const cuts: [string, number][] = [
    ["inside the notes", Number(note.offset + note.filesz / 2n)],
    ["inside a PT_LOAD, mid-page", Number(big.offset) + PAGE_SIZE + 1234],
    ["inside a PT_LOAD, at a page boundary", Number(big.offset) + 2 * PAGE_SIZE],
    ["one byte before the end", bytes.length - 1],
  ];
  for (const [where, cut] of cuts) {
    const part = bytes.slice(0, cut);
    const d = await digestStream(chunked(part, () => 65536, 1), createPageHasher());
    assert.equal(d.core.truncated, true, `${label} cut ${where} at ${cut}`);
    assert.equal(d.size, cut);
    assert.equal(d.fileHash, await identityOracle(part));
    let hashed = 0;
    [...parsed.loads].forEach((seg, i) => {
      const s = d.segments.at(i)!;
      const want = expectedPages(bytes, seg, cut);
      assert.deepEqual(s.hashes, want.hashes, `cut ${where}: PT_LOAD ${seg.index} hashes`);
      assert.deepEqual(s.zero, want.zero, `cut ${where}: PT_LOAD ${seg.index} zero flags`);
      const c = pageCounts(s, seg.filesz, seg.memsz);
      assert.equal(c.hashed + c.truncated, c.saved);
      hashed += c.hashed;
    });
    if (where === "inside the notes") assert.equal(hashed, 0, "data lies after the notes");
    else assert.ok(hashed > 0);
  }
});

Deno.test("codec: a real digest round-trips losslessly in about 8.1 bytes per page", async () => {
  const bytes = loadCore("f03f", "kernel");
  const d = await digestStream(oneChunk(bytes), createPageHasher());
  const bin = encodeDigest(d);
  assert.deepEqual(plainDigest(await decodeDigest(bin)), plainDigest(d));

  let pages = 0;
  let payload = 0;
  for (const s of d.segments) {
    pages += s.hashes.length;
    payload += 8 * s.hashes.length + Math.ceil(s.hashes.length / 8);
  }
  const perSegment = payload + 8 * d.segments.length;
  let skeleton = 0;
  for (const r of d.skeleton) skeleton += 12 + r.bytes.length;
  // The meta block also carries the module list.
  const meta = new TextEncoder().encode(
    JSON.stringify({ ...d.meta, modules: modulesToJson(d.modules!) }),
  ).length;
  assert.equal(bin.length, 64 + 4 + meta + 4 + skeleton + 4 + perSegment + 4 + 4);
  // 8 bytes of hash plus one zero bit per page (a partial last byte of bits per segment).
  const perPage = payload / pages;
  assert.ok(perPage >= 8.125 && perPage < 8.2, `${perPage.toFixed(3)} bytes per page`);
  assert.ok(skeleton < bytes.length / 10, "the skeleton is small next to the core");
  let saved = 0;
  for (const s of d.core.loads) saved += pagesOf(s.filesz);
  assert.equal(pages, saved);

  const positions = [0, 5, 24, 70, Math.floor(bin.length / 2), bin.length - 20, bin.length - 1];
  for (const at of positions) {
    const bad = bin.slice();
    bad[at]! ^= 0x40;
    await rejectsWith(decodeDigest(bad), DigestFormatError);
  }
  await rejectsWith(decodeDigest(bin.subarray(0, bin.length - 9)), DigestFormatError);
});

/** A digest with its skeleton merged into the ranges of its stored form. */
const merged = (d: CoreDigest): unknown =>
  plainDigest({
    ...d,
    skeleton: skeletonRuns(d.skeleton).map((r) => ({ offset: r.offset, bytes: concat(r.pieces) })),
  });

Deno.test("digestFile of a plain core (recycled buffers) equals the general stream path", async () => {
  const dir = await Deno.makeTempDir({ prefix: "coredelta-digest-test-" });
  try {
    for (const [set, name] of [["f023", "kernel"], ["f033", "gdb"], ["changed", "a"]]) {
      const bytes = loadCore(set!, name!);
      const path = `${dir}/${set}-${name}.core`;
      await Deno.writeFile(path, bytes);
      const general = await digestInput(fileChunks(await Deno.open(path)));
      const positional = await digestFile(path);
      // The same digest, its skeleton kept in the pieces the parser read (no copy): stored alike.
      assert.deepEqual(encodeDigest(positional), encodeDigest(general), `${set}/${name}`);
      assert.deepEqual(merged(positional), merged(general), `${set}/${name}`);
      assert.equal(general.meta.compression, "none");
      assert.equal(general.fileHash, await identityOracle(bytes));
      // Tiny chunks: the program header table spans many chunks, and every chunk's buffer is
      // overwritten two reads later, so any chunk the digest kept without copying would show.
      for (const chunk of set === "f023" ? [1, 7, 4099] : [7, 100, 4096, 4099]) {
        const d = await digestStream(
          fileChunks(await Deno.open(path), { maxBytes: Infinity, chunk, reuse: true }),
          createPageHasher(),
          { compression: "none" },
        );
        assert.deepEqual(
          merged(d),
          merged(general),
          `${set}/${name}, recycled ${chunk}-byte chunks`,
        );
      }
    }
    const path = `${dir}/f023-kernel.core`;
    const size = (await Deno.stat(path)).size;
    await rejectsWith(digestFile(path, { maxBytes: size - 1 }), TooLargeError);
    await digestFile(path, { maxBytes: size });
    // Compressed cores and digests still take the general path.
    const gz = await digestFile(fixturePath("f023", "kernel.core.gz"));
    assert.equal(gz.meta.compression, "gzip");
    assert.equal(gz.fileHash, await identityOracle(loadCore("f023", "kernel")));
    await Deno.writeFile(`${dir}/d.cddg`, encodeDigest(gz));
    assert.deepEqual(plainDigest(await digestFile(`${dir}/d.cddg`)), plainDigest(gz));
    await Deno.writeFile(`${dir}/empty`, new Uint8Array());
    await rejectsWith(digestFile(`${dir}/empty`), InputError);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("CLI: digest CORE.gz -o X, then inspect X", async () => {
  const dir = await Deno.makeTempDir({ prefix: "coredelta-digest-test-" });
  try {
    const core = fixturePath("f033", "kernel.core.gz");
    const out = `${dir}/kernel.cddg`;
    const a = capture();
    assert.equal(await main(["digest", core, "-o", out], a.io), 0, a.out.stderr);
    assert.equal(a.out.stderr, "");
    const bytes = loadCore("f033", "kernel");
    const hex = `0x${(await identityOracle(bytes)).toString(16).padStart(16, "0")}`;
    assert.match(a.out.stdout, new RegExp(`${bytes.length} bytes, kernel core`));
    assert.ok(a.out.stdout.includes(hex), "summary shows the identity of the file");
    assert.match(a.out.stdout, /0 truncated/);
    assert.match(a.out.stdout, new RegExp(`digest written to ${out}`));
    assert.equal((await Deno.stat(out)).mode! & 0o777, 0o600);

    const d = await decodeDigest(await Deno.readFile(out));
    assert.equal(d.fileHash, await identityOracle(bytes));
    assert.equal(d.meta.compression, "gzip");

    const b = capture();
    assert.equal(await main(["inspect", out], b.io), 0, b.out.stderr);
    assert.match(b.out.stdout, /producer: kernel/);
    assert.match(b.out.stdout, /signal: SIGSEGV \(11\)/);
    const c = capture();
    assert.equal(await main(["inspect", core], c.io), 0);
    // The digest explains the core exactly as the core does (apart from the path shown).
    assert.equal(b.out.stdout.replaceAll(out, "CORE"), c.out.stdout.replaceAll(core, "CORE"));

    const j = capture();
    assert.equal(await main(["digest", "--format", "json", core], j.io), 0);
    const s = JSON.parse(j.out.stdout);
    assert.equal(s.fileHash, hex);
    assert.equal(s.pages.truncated, 0);
    assert.equal(s.truncated, false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("CLI: a directory, or an output the permissions forbid, is a usage error (exit 2), not a crash", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const c = capture();
    assert.equal(await main(["digest", dir], c.io), 2);
    assert.match(c.out.stderr, /is a directory, not a core or digest/);
    // Without --allow-write, `-o` used to end in an uncaught NotCapable (exit 1 and a stack trace).
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        `--allow-read`,
        new URL("../main.ts", import.meta.url).pathname,
        "digest",
        "-o",
        `${dir}/d.json`,
        fixturePath("changed", "a.core.gz"),
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const err = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 2, err);
    assert.match(err, /^coredelta digest: Requires write access/);
    assert.doesNotMatch(err, /Uncaught|\n\s+at /);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
