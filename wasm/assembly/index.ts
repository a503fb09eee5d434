// @ts-nocheck: AssemblyScript source (u64, usize, v128, load<T>), compiled by asc, not by Deno.
//
// coredelta page-hash kernel. Per 4 KiB page: XXH3-64 (seed 0) and an all-zero flag, for up to
// CAPACITY pages per call, plus a streaming XXH3-64 of a whole file.
//
// Memory is static (memory.data) and laid out once at compile time: the module never allocates,
// never grows its memory and has no imports (built with --runtime stub --use abort=), so the host
// can keep typed-array views for the life of the instance.

import { hashLongScalar, hashLongSimd, xxh3Scalar as oneShotScalar, xxh3Simd } from "./xxh3.ts";
import { digest, reset, update } from "./stream.ts";

/** Bytes per hashed page. */
const PAGE_SIZE: usize = 4096;
/** Pages per batch (1 MiB of input). */
const CAPACITY: u32 = 256;
/** Bytes of the stream's own copy-in window (separate from INPUT so the two never clash). */
const STREAM_INPUT_SIZE: u32 = 262144;
/** XXH3-64 of 4096 zero bytes (`head -c 4096 /dev/zero | xxhsum -H3`). */
const ZERO_PAGE_HASH: u64 = 0x93d76fe148c689ba;

/** Batch input: page i at INPUT + i * PAGE_SIZE. */
const INPUT: usize = memory.data(1048576, 64);
/** Batch output: u64 hash of page i at HASHES + 8 * i. */
const HASHES: usize = memory.data(2048, 16);
/** Batch output: 1 if page i is all zero, else 0, at ZERO + i. */
const ZERO: usize = memory.data(256, 16);
/** Copy-in window for streamUpdate. */
const STREAM_INPUT: usize = memory.data(262144, 16);

/** Pages per batch. */
export function capacity(): u32 {
  return CAPACITY;
}

/** Address of the batch input region (capacity() * 4096 bytes). */
export function inputPtr(): usize {
  return INPUT;
}

/** Address of the batch hash output (capacity() x u64). */
export function hashesPtr(): usize {
  return HASHES;
}

/** Address of the batch all-zero output (capacity() x u8). */
export function zeroPtr(): usize {
  return ZERO;
}

/** Address of the streaming copy-in window. */
export function streamInputPtr(): usize {
  return STREAM_INPUT;
}

/** Size of the streaming copy-in window in bytes. */
export function streamInputSize(): u32 {
  return STREAM_INPUT_SIZE;
}

/** True when all `len` bytes at `p` are 0 (SIMD OR-reduction). */
function isZeroSimd(p: usize, len: usize): bool {
  let acc = i64x2.splat(0);
  let i: usize = 0;
  for (; i + 64 <= len; i += 64) {
    const a = v128.or(v128.load(p + i, 0), v128.load(p + i, 16));
    const b = v128.or(v128.load(p + i, 32), v128.load(p + i, 48));
    acc = v128.or(acc, v128.or(a, b));
  }
  for (; i + 16 <= len; i += 16) acc = v128.or(acc, v128.load(p + i));
  let tail: u32 = 0;
  for (; i < len; i++) tail |= <u32> load<u8>(p + i);
  return !v128.any_true(acc) && tail == 0;
}

/** True when all `len` bytes at `p` are 0 (plain u64/u8 loop). */
function isZeroScalar(p: usize, len: usize): bool {
  let acc: u64 = 0;
  let i: usize = 0;
  for (; i + 8 <= len; i += 8) acc |= load<u64>(p + i);
  for (; i < len; i++) acc |= <u64> load<u8>(p + i);
  return acc == 0;
}

/**
 * Hashes pages 0..count-1 of the input region (SIMD long path). Every page is 4096 bytes except
 * the last, which is `lastLen` (1..4096) bytes. The host checks 1 <= count <= capacity().
 *
 * A zero page always hashes to ZERO_PAGE_HASH, so a full page whose hash differs cannot be zero
 * and only pages with that hash are scanned: the zero test costs nothing on ordinary pages.
 */
export function hashPages(count: u32, lastLen: u32): void {
  if (count == 0) return;
  let p = INPUT;
  const full = count - 1;
  for (let i: u32 = 0; i < full; i++) {
    const h = hashLongSimd(p, PAGE_SIZE);
    store<u64>(HASHES + (<usize> i << 3), h);
    store<u8>(ZERO + <usize> i, h == ZERO_PAGE_HASH && isZeroSimd(p, PAGE_SIZE) ? 1 : 0);
    p += PAGE_SIZE;
  }
  const len = <usize> lastLen;
  store<u64>(HASHES + (<usize> full << 3), xxh3Simd(p, len));
  store<u8>(ZERO + <usize> full, isZeroSimd(p, len) ? 1 : 0);
}

/** Same contract and results as {@link hashPages}, with the scalar long path and a full zero scan. */
export function hashPagesScalar(count: u32, lastLen: u32): void {
  if (count == 0) return;
  let p = INPUT;
  const full = count - 1;
  for (let i: u32 = 0; i < full; i++) {
    store<u64>(HASHES + (<usize> i << 3), hashLongScalar(p, PAGE_SIZE));
    store<u8>(ZERO + <usize> i, isZeroScalar(p, PAGE_SIZE) ? 1 : 0);
    p += PAGE_SIZE;
  }
  const len = <usize> lastLen;
  store<u64>(HASHES + (<usize> full << 3), oneShotScalar(p, len));
  store<u8>(ZERO + <usize> full, isZeroScalar(p, len) ? 1 : 0);
}

/** One-shot XXH3-64 (seed 0) of `len` bytes at `ptr`, SIMD long path. */
export function xxh3(ptr: usize, len: usize): u64 {
  return xxh3Simd(ptr, len);
}

/** One-shot XXH3-64 (seed 0) of `len` bytes at `ptr`, scalar long path. */
export function xxh3Scalar(ptr: usize, len: usize): u64 {
  return oneShotScalar(ptr, len);
}

/** Starts a new streaming hash. */
export function streamReset(): void {
  reset();
}

/** Feeds `len` bytes at `ptr` (anywhere in memory) to the streaming hash. */
export function streamUpdate(ptr: usize, len: usize): void {
  update(ptr, len);
}

/** Streaming hash of everything fed since the last streamReset(). */
export function streamDigest(): u64 {
  return digest();
}

// The stream starts out reset, like a fresh XXH3_state_t after XXH3_64bits_reset.
reset();
