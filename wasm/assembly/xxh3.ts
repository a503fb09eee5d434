// @ts-nocheck: AssemblyScript source (u64, usize, v128, load<T>), compiled by asc, not by Deno.
//
// XXH3-64 with seed 0 and the default secret, bit-exact with the reference implementation
// (https://github.com/Cyan4973/xxHash, xxhash.h v0.8.x, checked against `xxhsum -H3`).
//
// Only the seed-0 / default-secret variant exists: with seed 0 the reference's `seed` terms
// vanish (`+ 0`, `- 0`, `swap32(0) << 32`), so they are left out here.
//
// Memory ABI: callers own pointers and lengths. Nothing here allocates, throws or bounds-checks;
// the host wrapper (wasm/mod.ts) validates every count and length before calling in.

// Primes and mixing constants (xxhash.h: XXH_PRIME32_*, XXH_PRIME64_*, PRIME_MX1/2).
const PRIME32_1: u64 = 0x9e3779b1;
const PRIME32_2: u64 = 0x85ebca77;
const PRIME32_3: u64 = 0xc2b2ae3d;
const PRIME64_1: u64 = 0x9e3779b185ebca87;
const PRIME64_2: u64 = 0xc2b2ae3d27d4eb4f;
const PRIME64_3: u64 = 0x165667b19e3779f9;
const PRIME64_4: u64 = 0x85ebca77c2b2ae63;
const PRIME64_5: u64 = 0x27d4eb2f165667c5;
const PRIME_MX1: u64 = 0x165667919e3779f9;
const PRIME_MX2: u64 = 0x9fb21c651e98df25;

const M32: u64 = 0xffffffff;

/** Bytes per stripe of the long-input loop (XXH_STRIPE_LEN). */
export const STRIPE_LEN: usize = 64;
/** Secret advance per stripe (XXH_SECRET_CONSUME_RATE). */
const CONSUME_RATE: usize = 8;
/** Size of the default secret (sizeof(XXH3_kSecret)). */
const SECRET_SIZE: usize = 192;
/** Stripes per block for the default secret: (192 - 64) / 8 = 16. */
export const STRIPES_PER_BLOCK: u32 = 16;
/** Bytes per block: 16 * 64 = 1024. */
export const BLOCK_LEN: usize = 1024;
/** Offset of the scramble key: secretSize - STRIPE_LEN. */
const SCRAMBLE_OFFSET: usize = 128;
/** Offset of the last-stripe key: secretSize - STRIPE_LEN - XXH_SECRET_LASTACC_START (7). */
const LASTACC_OFFSET: usize = 121;
/** Inputs above this use the long (striped) path (XXH3_MIDSIZE_MAX). */
export const MIDSIZE_MAX: usize = 240;

/** XXH3_kSecret: the 192-byte default secret. */
// deno-fmt-ignore
const SECRET: usize = memory.data<u8>([
  0xb8, 0xfe, 0x6c, 0x39, 0x23, 0xa4, 0x4b, 0xbe, 0x7c, 0x01, 0x81, 0x2c, 0xf7, 0x21, 0xad, 0x1c,
  0xde, 0xd4, 0x6d, 0xe9, 0x83, 0x90, 0x97, 0xdb, 0x72, 0x40, 0xa4, 0xa4, 0xb7, 0xb3, 0x67, 0x1f,
  0xcb, 0x79, 0xe6, 0x4e, 0xcc, 0xc0, 0xe5, 0x78, 0x82, 0x5a, 0xd0, 0x7d, 0xcc, 0xff, 0x72, 0x21,
  0xb8, 0x08, 0x46, 0x74, 0xf7, 0x43, 0x24, 0x8e, 0xe0, 0x35, 0x90, 0xe6, 0x81, 0x3a, 0x26, 0x4c,
  0x3c, 0x28, 0x52, 0xbb, 0x91, 0xc3, 0x00, 0xcb, 0x88, 0xd0, 0x65, 0x8b, 0x1b, 0x53, 0x2e, 0xa3,
  0x71, 0x64, 0x48, 0x97, 0xa2, 0x0d, 0xf9, 0x4e, 0x38, 0x19, 0xef, 0x46, 0xa9, 0xde, 0xac, 0xd8,
  0xa8, 0xfa, 0x76, 0x3f, 0xe3, 0x9c, 0x34, 0x3f, 0xf9, 0xdc, 0xbb, 0xc7, 0xc7, 0x0b, 0x4f, 0x1d,
  0x8a, 0x51, 0xe0, 0x4b, 0xcd, 0xb4, 0x59, 0x31, 0xc8, 0x9f, 0x7e, 0xc9, 0xd9, 0x78, 0x73, 0x64,
  0xea, 0xc5, 0xac, 0x83, 0x34, 0xd3, 0xeb, 0xc3, 0xc5, 0x81, 0xa0, 0xff, 0xfa, 0x13, 0x63, 0xeb,
  0x17, 0x0d, 0xdd, 0x51, 0xb7, 0xf0, 0xda, 0x49, 0xd3, 0x16, 0x55, 0x26, 0x29, 0xd4, 0x68, 0x9e,
  0x2b, 0x16, 0xbe, 0x58, 0x7d, 0x47, 0xa1, 0xfc, 0x8f, 0xf8, 0xb8, 0xd1, 0x7a, 0xd0, 0x31, 0xce,
  0x45, 0xcb, 0x3a, 0x8f, 0x95, 0x16, 0x04, 0x28, 0xaf, 0xd7, 0xfb, 0xca, 0xbb, 0x4b, 0x40, 0x7e,
], 16);

/** Scratch accumulators of the one-shot long path (8 x u64). */
const ACC: usize = memory.data(64, 16);

// ---------------------------------------------------------------------------------------------
// Mixers shared by every path.

/** XXH64_avalanche. */
function xxh64Avalanche(h: u64): u64 {
  h ^= h >> 33;
  h *= PRIME64_2;
  h ^= h >> 29;
  h *= PRIME64_3;
  return h ^ (h >> 32);
}

/** XXH3_avalanche. */
function avalanche(h: u64): u64 {
  h ^= h >> 37;
  h *= PRIME_MX1;
  return h ^ (h >> 32);
}

/** XXH3_rrmxmx: the 4..8-byte finaliser. */
function rrmxmx(h: u64, len: u64): u64 {
  h ^= rotl<u64>(h, 49) ^ rotl<u64>(h, 24);
  h *= PRIME_MX2;
  h ^= (h >> 35) + len;
  h *= PRIME_MX2;
  return h ^ (h >> 28);
}

/**
 * XXH3_mul128_fold64: low ^ high half of the 128-bit product. Wasm has no 64x64->128 multiply,
 * so it is built from four 32x32->64 products (XXH_mult64to128's portable branch).
 */
function mul128Fold64(a: u64, b: u64): u64 {
  const aLo = a & M32;
  const aHi = a >> 32;
  const bLo = b & M32;
  const bHi = b >> 32;
  const ll = aLo * bLo;
  const hl = aHi * bLo;
  const lh = aLo * bHi;
  const hh = aHi * bHi;
  const cross = (ll >> 32) + (hl & M32) + lh;
  const upper = (hl >> 32) + (cross >> 32) + hh;
  const lower = (cross << 32) | (ll & M32);
  return lower ^ upper;
}

/** XXH3_mix16B with seed 0. */
function mix16B(p: usize, s: usize): u64 {
  return mul128Fold64(load<u64>(p) ^ load<u64>(s), load<u64>(p, 8) ^ load<u64>(s, 8));
}

// ---------------------------------------------------------------------------------------------
// Short inputs: 0..240 bytes (scalar; there is too little data for SIMD to pay).

/** XXH3_len_0to16_64b. */
function len0to16(p: usize, len: usize): u64 {
  if (len > 8) {
    // XXH3_len_9to16_64b
    const bitflip1 = load<u64>(SECRET, 24) ^ load<u64>(SECRET, 32);
    const bitflip2 = load<u64>(SECRET, 40) ^ load<u64>(SECRET, 48);
    const lo = load<u64>(p) ^ bitflip1;
    const hi = load<u64>(p + len - 8) ^ bitflip2;
    const acc = <u64> len + bswap<u64>(lo) + hi + mul128Fold64(lo, hi);
    return avalanche(acc);
  }
  if (len >= 4) {
    // XXH3_len_4to8_64b
    const in1 = <u64> load<u32>(p);
    const in2 = <u64> load<u32>(p + len - 4);
    const bitflip = load<u64>(SECRET, 8) ^ load<u64>(SECRET, 16);
    const keyed = (in2 + (in1 << 32)) ^ bitflip;
    return rrmxmx(keyed, <u64> len);
  }
  if (len > 0) {
    // XXH3_len_1to3_64b
    const c1 = <u32> load<u8>(p);
    const c2 = <u32> load<u8>(p + (len >> 1));
    const c3 = <u32> load<u8>(p + len - 1);
    const combined = (c1 << 16) | (c2 << 24) | c3 | (<u32> len << 8);
    const bitflip = <u64> (load<u32>(SECRET) ^ load<u32>(SECRET, 4));
    return xxh64Avalanche(<u64> combined ^ bitflip);
  }
  return xxh64Avalanche(load<u64>(SECRET, 56) ^ load<u64>(SECRET, 64));
}

/** XXH3_len_17to128_64b. */
function len17to128(p: usize, len: usize): u64 {
  let acc = <u64> len * PRIME64_1;
  if (len > 32) {
    if (len > 64) {
      if (len > 96) {
        acc += mix16B(p + 48, SECRET + 96);
        acc += mix16B(p + len - 64, SECRET + 112);
      }
      acc += mix16B(p + 32, SECRET + 64);
      acc += mix16B(p + len - 48, SECRET + 80);
    }
    acc += mix16B(p + 16, SECRET + 32);
    acc += mix16B(p + len - 32, SECRET + 48);
  }
  acc += mix16B(p, SECRET);
  acc += mix16B(p + len - 16, SECRET + 16);
  return avalanche(acc);
}

/** XXH3_len_129to240_64b. */
function len129to240(p: usize, len: usize): u64 {
  let acc = <u64> len * PRIME64_1;
  for (let i: usize = 0; i < 8; i++) acc += mix16B(p + 16 * i, SECRET + 16 * i);
  acc = avalanche(acc);
  const rounds = len >> 4;
  // XXH3_MIDSIZE_STARTOFFSET = 3
  for (let i: usize = 8; i < rounds; i++) acc += mix16B(p + 16 * i, SECRET + 16 * (i - 8) + 3);
  // XXH3_SECRET_SIZE_MIN (136) - XXH3_MIDSIZE_LASTOFFSET (17)
  acc += mix16B(p + len - 16, SECRET + 119);
  return avalanche(acc);
}

/** XXH3-64 of 0..240 bytes. */
export function hashShort(p: usize, len: usize): u64 {
  if (len <= 16) return len0to16(p, len);
  if (len <= 128) return len17to128(p, len);
  return len129to240(p, len);
}

// ---------------------------------------------------------------------------------------------
// Long inputs (> 240 bytes): 8 x u64 accumulators, 64-byte stripes, a scramble every 1 KiB.

/** Stores the XXH3_INIT_ACC values at `acc`. */
export function initAcc(acc: usize): void {
  store<u64>(acc, PRIME32_3, 0);
  store<u64>(acc, PRIME64_1, 8);
  store<u64>(acc, PRIME64_2, 16);
  store<u64>(acc, PRIME64_3, 24);
  store<u64>(acc, PRIME64_4, 32);
  store<u64>(acc, PRIME32_2, 40);
  store<u64>(acc, PRIME64_5, 48);
  store<u64>(acc, PRIME32_1, 56);
}

/**
 * XXH3_accumulate (scalar): `n` stripes from `p`, keys from `s` advancing 8 bytes per stripe.
 * Per lane i: acc[i ^ 1] += data[i]; acc[i] += lo32(data[i] ^ key[i]) * hi32(data[i] ^ key[i]).
 */
export function accumulateScalar(acc: usize, p: usize, s: usize, n: u32): void {
  let a0 = load<u64>(acc, 0);
  let a1 = load<u64>(acc, 8);
  let a2 = load<u64>(acc, 16);
  let a3 = load<u64>(acc, 24);
  let a4 = load<u64>(acc, 32);
  let a5 = load<u64>(acc, 40);
  let a6 = load<u64>(acc, 48);
  let a7 = load<u64>(acc, 56);
  for (let i: u32 = 0; i < n; i++) {
    const d0 = load<u64>(p, 0);
    const d1 = load<u64>(p, 8);
    const d2 = load<u64>(p, 16);
    const d3 = load<u64>(p, 24);
    const d4 = load<u64>(p, 32);
    const d5 = load<u64>(p, 40);
    const d6 = load<u64>(p, 48);
    const d7 = load<u64>(p, 56);
    const k0 = d0 ^ load<u64>(s, 0);
    const k1 = d1 ^ load<u64>(s, 8);
    const k2 = d2 ^ load<u64>(s, 16);
    const k3 = d3 ^ load<u64>(s, 24);
    const k4 = d4 ^ load<u64>(s, 32);
    const k5 = d5 ^ load<u64>(s, 40);
    const k6 = d6 ^ load<u64>(s, 48);
    const k7 = d7 ^ load<u64>(s, 56);
    a0 += d1 + (k0 & M32) * (k0 >> 32);
    a1 += d0 + (k1 & M32) * (k1 >> 32);
    a2 += d3 + (k2 & M32) * (k2 >> 32);
    a3 += d2 + (k3 & M32) * (k3 >> 32);
    a4 += d5 + (k4 & M32) * (k4 >> 32);
    a5 += d4 + (k5 & M32) * (k5 >> 32);
    a6 += d7 + (k6 & M32) * (k6 >> 32);
    a7 += d6 + (k7 & M32) * (k7 >> 32);
    p += STRIPE_LEN;
    s += CONSUME_RATE;
  }
  store<u64>(acc, a0, 0);
  store<u64>(acc, a1, 8);
  store<u64>(acc, a2, 16);
  store<u64>(acc, a3, 24);
  store<u64>(acc, a4, 32);
  store<u64>(acc, a5, 40);
  store<u64>(acc, a6, 48);
  store<u64>(acc, a7, 56);
}

/**
 * XXH3_accumulate (SIMD), same result as {@link accumulateScalar}. Two keyed vectors are split
 * into their low and high u32 halves with two-input shuffles, so each `extmul_{low,high}_i32x4_u`
 * (pmuludq on x64) yields two lo32 * hi32 products. `i64x2.mul` is avoided on purpose: V8
 * emulates it on x64 and it measured slower than scalar (specs/ecosystem.md section 2).
 */
export function accumulateSimd(acc: usize, p: usize, s: usize, n: u32): void {
  let a0 = v128.load(acc, 0);
  let a1 = v128.load(acc, 16);
  let a2 = v128.load(acc, 32);
  let a3 = v128.load(acc, 48);
  // Sums of the raw data, added lane-swapped once at the end (acc[i ^ 1] += data[i]); addition
  // mod 2^64 commutes, so this equals swapping every stripe and saves four shuffles per stripe.
  let s0 = i64x2.splat(0);
  let s1 = i64x2.splat(0);
  let s2 = i64x2.splat(0);
  let s3 = i64x2.splat(0);
  for (let i: u32 = 0; i < n; i++) {
    const d0 = v128.load(p, 0);
    const d1 = v128.load(p, 16);
    const d2 = v128.load(p, 32);
    const d3 = v128.load(p, 48);
    const k0 = v128.xor(d0, v128.load(s, 0));
    const k1 = v128.xor(d1, v128.load(s, 16));
    const k2 = v128.xor(d2, v128.load(s, 32));
    const k3 = v128.xor(d3, v128.load(s, 48));
    // lo01 = [lo32(k0.0), lo32(k0.1), lo32(k1.0), lo32(k1.1)], hi01 likewise with hi32.
    const lo01 = i32x4.shuffle(k0, k1, 0, 2, 4, 6);
    const hi01 = i32x4.shuffle(k0, k1, 1, 3, 5, 7);
    const lo23 = i32x4.shuffle(k2, k3, 0, 2, 4, 6);
    const hi23 = i32x4.shuffle(k2, k3, 1, 3, 5, 7);
    a0 = i64x2.add(a0, i64x2.extmul_low_i32x4_u(lo01, hi01));
    a1 = i64x2.add(a1, i64x2.extmul_high_i32x4_u(lo01, hi01));
    a2 = i64x2.add(a2, i64x2.extmul_low_i32x4_u(lo23, hi23));
    a3 = i64x2.add(a3, i64x2.extmul_high_i32x4_u(lo23, hi23));
    s0 = i64x2.add(s0, d0);
    s1 = i64x2.add(s1, d1);
    s2 = i64x2.add(s2, d2);
    s3 = i64x2.add(s3, d3);
    p += STRIPE_LEN;
    s += CONSUME_RATE;
  }
  v128.store(acc, i64x2.add(a0, i64x2.shuffle(s0, s0, 1, 0)), 0);
  v128.store(acc, i64x2.add(a1, i64x2.shuffle(s1, s1, 1, 0)), 16);
  v128.store(acc, i64x2.add(a2, i64x2.shuffle(s2, s2, 1, 0)), 32);
  v128.store(acc, i64x2.add(a3, i64x2.shuffle(s3, s3, 1, 0)), 48);
}

/** XXH3_scrambleAcc: acc = (acc ^ (acc >> 47) ^ key) * PRIME32_1, key at secret + 128. */
export function scramble(acc: usize): void {
  const s = SECRET + SCRAMBLE_OFFSET;
  v128.store(acc, scrambleLanes(v128.load(acc, 0), v128.load(s, 0)), 0);
  v128.store(acc, scrambleLanes(v128.load(acc, 16), v128.load(s, 16)), 16);
  v128.store(acc, scrambleLanes(v128.load(acc, 32), v128.load(s, 32)), 32);
  v128.store(acc, scrambleLanes(v128.load(acc, 48), v128.load(s, 48)), 48);
}

/** XXH3_scrambleAcc, scalar reference of {@link scramble}. */
export function scrambleScalar(acc: usize): void {
  const s = SECRET + SCRAMBLE_OFFSET;
  for (let i: usize = 0; i < 64; i += 8) {
    let a = load<u64>(acc + i);
    a ^= a >> 47;
    a ^= load<u64>(s + i);
    store<u64>(acc + i, a * PRIME32_1);
  }
}

/**
 * Two lanes of XXH3_scrambleAcc. The multiplier fits in 32 bits, so a * P (mod 2^64) is
 * lo32(a) * P + (hi32(a) * P << 32): two `extmul_low_i32x4_u` instead of an emulated `i64x2.mul`.
 */
function scrambleLanes(a: v128, key: v128): v128 {
  a = v128.xor(v128.xor(a, i64x2.shr_u(a, 47)), key);
  const prime = i32x4.splat(<i32> PRIME32_1);
  const lo = i32x4.shuffle(a, a, 0, 2, 0, 2);
  const hi = i32x4.shuffle(a, a, 1, 3, 1, 3);
  return i64x2.add(
    i64x2.extmul_low_i32x4_u(lo, prime),
    i64x2.shl(i64x2.extmul_low_i32x4_u(hi, prime), 32),
  );
}

/** The key of the last stripe, secret + 121. */
export function lastStripeKey(): usize {
  return SECRET + LASTACC_OFFSET;
}

/** The key of stripe `n` (0..15) of a block. */
export function stripeKey(n: u32): usize {
  return SECRET + <usize> n * CONSUME_RATE;
}

/** XXH3_mergeAccs with the keys at secret + 11 (XXH_SECRET_MERGEACCS_START) and len * PRIME64_1. */
export function mergeAccs(acc: usize, totalLen: u64): u64 {
  const s = SECRET + 11;
  let r = totalLen * PRIME64_1;
  r += mul128Fold64(load<u64>(acc, 0) ^ load<u64>(s, 0), load<u64>(acc, 8) ^ load<u64>(s, 8));
  r += mul128Fold64(load<u64>(acc, 16) ^ load<u64>(s, 16), load<u64>(acc, 24) ^ load<u64>(s, 24));
  r += mul128Fold64(load<u64>(acc, 32) ^ load<u64>(s, 32), load<u64>(acc, 40) ^ load<u64>(s, 40));
  r += mul128Fold64(load<u64>(acc, 48) ^ load<u64>(s, 48), load<u64>(acc, 56) ^ load<u64>(s, 56));
  return avalanche(r);
}

/** XXH3_hashLong_64b (SIMD accumulate), `len` > 240. */
export function hashLongSimd(p: usize, len: usize): u64 {
  initAcc(ACC);
  const blocks = (len - 1) / BLOCK_LEN;
  for (let b: usize = 0; b < blocks; b++) {
    accumulateSimd(ACC, p + b * BLOCK_LEN, SECRET, STRIPES_PER_BLOCK);
    scramble(ACC);
  }
  const tail = p + blocks * BLOCK_LEN;
  const stripes = <u32> (((len - 1) - blocks * BLOCK_LEN) / STRIPE_LEN);
  accumulateSimd(ACC, tail, SECRET, stripes);
  accumulateSimd(ACC, p + len - STRIPE_LEN, SECRET + LASTACC_OFFSET, 1);
  return mergeAccs(ACC, <u64> len);
}

/** XXH3_hashLong_64b (scalar accumulate), `len` > 240. */
export function hashLongScalar(p: usize, len: usize): u64 {
  initAcc(ACC);
  const blocks = (len - 1) / BLOCK_LEN;
  for (let b: usize = 0; b < blocks; b++) {
    accumulateScalar(ACC, p + b * BLOCK_LEN, SECRET, STRIPES_PER_BLOCK);
    scrambleScalar(ACC);
  }
  const tail = p + blocks * BLOCK_LEN;
  const stripes = <u32> (((len - 1) - blocks * BLOCK_LEN) / STRIPE_LEN);
  accumulateScalar(ACC, tail, SECRET, stripes);
  accumulateScalar(ACC, p + len - STRIPE_LEN, SECRET + LASTACC_OFFSET, 1);
  return mergeAccs(ACC, <u64> len);
}

/** XXH3_64bits(p, len) with the SIMD long path. */
export function xxh3Simd(p: usize, len: usize): u64 {
  return len <= MIDSIZE_MAX ? hashShort(p, len) : hashLongSimd(p, len);
}

/** XXH3_64bits(p, len) with the scalar long path. */
export function xxh3Scalar(p: usize, len: usize): u64 {
  return len <= MIDSIZE_MAX ? hashShort(p, len) : hashLongScalar(p, len);
}
