/**
 * Throughput of the page-hash kernel over a 64 MiB in-memory buffer.
 *
 * ```sh
 * deno bench wasm/page_hash_bench.ts   # Deno.bench: time per 64 MiB
 * deno run wasm/page_hash_bench.ts     # best-of-15 GB/s table
 * ```
 *
 * @module
 */
import { PAGE_SIZE } from "../lib/digest/page_hasher.ts";
import { createPageHasher } from "./mod.ts";

const TOTAL = 64 * 1024 * 1024;

function randomBuffer(length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let off = 0; off < length; off += 65536) {
    crypto.getRandomValues(out.subarray(off, off + 65536));
  }
  return out;
}

const source = randomBuffer(TOTAL);
const simd = createPageHasher();
const scalar = createPageHasher({ simd: false });
const zeroPages = createPageHasher();
const batchBytes = simd.capacity * PAGE_SIZE;
simd.input.set(source.subarray(0, batchBytes));
scalar.input.set(source.subarray(0, batchBytes));
zeroPages.input.fill(0);

/** Hashes 64 MiB as full batches that are already in scratch memory. */
function inScratch(h: typeof simd): void {
  for (let off = 0; off < TOTAL; off += batchBytes) h.hash(h.capacity);
}

/** Copies 64 MiB from the JS heap into scratch memory batch by batch, hashing each batch. */
function withCopyIn(h: typeof simd): void {
  for (let off = 0; off < TOTAL; off += batchBytes) {
    h.input.set(source.subarray(off, off + batchBytes));
    h.hash(h.capacity);
  }
}

/** Keeps stream digests observable so they are not optimised away. */
export let sink = 0n;

/** Streaming XXH3-64 of the 64 MiB buffer (copied through the stream window). */
function streamCopy(): void {
  simd.streamReset();
  simd.streamUpdate(source);
  sink ^= simd.streamDigest();
}

/** Streaming XXH3-64 of 64 MiB fed from the input region (the no-copy path). */
function streamInPlace(): void {
  simd.streamReset();
  for (let off = 0; off < TOTAL; off += batchBytes) simd.streamUpdate(simd.input);
  sink ^= simd.streamDigest();
}

const cases: Array<[string, () => void]> = [
  ["pages SIMD, in scratch", () => inScratch(simd)],
  ["pages SIMD, copy-in + hash", () => withCopyIn(simd)],
  ["pages SIMD, all-zero pages in scratch", () => inScratch(zeroPages)],
  ["pages scalar, in scratch", () => inScratch(scalar)],
  ["pages scalar, copy-in + hash", () => withCopyIn(scalar)],
  ["stream SIMD, from JS heap", streamCopy],
  ["stream SIMD, from input region", streamInPlace],
];

for (const [name, fn] of cases) {
  Deno.bench({
    name: `${name} (64 MiB)`,
    group: name.startsWith("stream") ? "stream" : "pages",
    baseline: name === "pages SIMD, in scratch" || name === "stream SIMD, from JS heap",
    fn,
  });
}

if (import.meta.main) {
  for (const [, fn] of cases) fn(); // warm up (tier up to TurboFan)
  for (const [name, fn] of cases) {
    let best = Infinity;
    for (let i = 0; i < 15; i++) {
      const t0 = performance.now();
      fn();
      best = Math.min(best, performance.now() - t0);
    }
    console.log(`${name.padEnd(40)} ${(TOTAL / best / 1e6).toFixed(2).padStart(6)} GB/s`);
  }
}
