/**
 * `deno bench` cases for the streaming digest over a 256 MiB synthetic core held in memory (no file
 * I/O), split into its parts: the whole digest at several chunk sizes, the whole-file XXH3 alone and
 * the page hashes alone. `bench/native.ts` measures real cores on disk against `xxhsum`.
 *
 * ```sh
 * deno bench -A bench/digest_bench.ts
 * ```
 *
 * @module
 */

import { digestStream } from "../lib/digest/digest.ts";
import { PAGE_SIZE } from "../lib/digest/page_hasher.ts";
import { buildCore, prstatusX86_64 } from "../test/_elf_writer.ts";
import { createPageHasher } from "../wasm/mod.ts";

const MIB = 1024 * 1024;
/** Size of the synthetic core's page data. */
export const CORE_MIB = 256;
const LOADS = 64;

/**
 * Page data with the mix of `bench/bigcore.c`: 25% zero pages, 45% random, 30% copies of one of
 * 16 template pages. Deterministic.
 */
export function mixedPages(bytes: number, seed = 1): Uint8Array {
  const out = new Uint8Array(bytes);
  let s = seed >>> 0;
  const next = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0);
  const templates = new Uint8Array(16 * PAGE_SIZE);
  crypto.getRandomValues(templates.subarray(0, 65536));
  for (let at = 0; at < bytes; at += PAGE_SIZE) {
    const kind = next() % 100;
    const page = out.subarray(at, at + PAGE_SIZE);
    if (kind < 25) continue;
    if (kind < 70) crypto.getRandomValues(page);
    else {
      const t = (next() >>> 8) % 16;
      page.set(templates.subarray(t * PAGE_SIZE, (t + 1) * PAGE_SIZE));
    }
  }
  return out;
}

/** A kernel-style core: one PT_NOTE, then {@link LOADS} PT_LOADs sharing `CORE_MIB` of pages. */
function syntheticCore(): Uint8Array {
  const data = mixedPages(CORE_MIB * MIB);
  const per = data.length / LOADS;
  return buildCore({
    notes: [{ owner: "CORE", type: 1, desc: prstatusX86_64(1234, 11, 0x401000n) }],
    loads: Array.from({ length: LOADS }, (_, i) => ({
      vaddr: 0x7f0000000000n + BigInt(i) * 0x10000000n,
      memsz: BigInt(per + 4 * PAGE_SIZE), // a few unsaved pages each
      data: data.subarray(i * per, (i + 1) * per),
    })),
  }).bytes;
}

const core = syntheticCore();
const hasher = createPageHasher();

/** The in-memory core as a stream of `chunk`-byte views (no copies). */
function chunks(chunk: number): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(ctl) {
      ctl.enqueue(core.subarray(at, Math.min(core.length, at + chunk)));
      at += chunk;
      if (at >= core.length) ctl.close();
    },
  }, { highWaterMark: 0 });
}

/** Keeps results observable. */
export let sink = 0n;

const options = { n: 8, warmup: 2 };

for (
  const [label, chunk, baseline] of [
    ["256 KiB", 256 * 1024, true],
    ["1 MiB", MIB, false],
    ["64 KiB", 64 * 1024, false],
  ] as const
) {
  Deno.bench({
    name: `digestStream, ${label} chunks (${CORE_MIB} MiB core)`,
    group: "digest",
    baseline,
    ...options,
    async fn() {
      const d = await digestStream(chunks(chunk), hasher);
      sink ^= d.fileHash;
    },
  });
}

Deno.bench({
  name: `part: whole-file XXH3 only, 256 KiB chunks (${CORE_MIB} MiB)`,
  group: "digest",
  ...options,
  fn() {
    hasher.streamReset();
    for (let at = 0; at < core.length; at += 256 * 1024) {
      hasher.streamUpdate(core.subarray(at, at + 256 * 1024));
    }
    sink ^= hasher.streamDigest();
  },
});

Deno.bench({
  name: `part: page hashes only, copy-in + hash (${CORE_MIB} MiB)`,
  group: "digest",
  ...options,
  fn() {
    const batch = hasher.capacity * PAGE_SIZE;
    for (let at = 0; at + batch <= core.length; at += batch) {
      hasher.input.set(core.subarray(at, at + batch));
      hasher.hash(hasher.capacity);
      sink ^= hasher.hashes[0]!;
    }
  },
});
