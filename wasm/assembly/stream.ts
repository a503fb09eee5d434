// @ts-nocheck: AssemblyScript source (u64, usize, v128, load<T>), compiled by asc, not by Deno.
//
// Streaming XXH3-64 (seed 0), equal to the one-shot hash of the concatenated input for any
// chunking. It follows XXH3_64bits_update/_digest (xxhash.h v0.8.x): a 256-byte buffer
// (XXH3_INTERNALBUFFER_SIZE) that always keeps at least one byte back, because the last stripe
// of the input is processed with a different key at digest time. Large updates are consumed
// straight from the caller's memory, stripe by stripe, without copying.

import {
  accumulateSimd,
  hashShort,
  initAcc,
  lastStripeKey,
  mergeAccs,
  MIDSIZE_MAX,
  scramble,
  STRIPE_LEN,
  stripeKey,
  STRIPES_PER_BLOCK,
} from "./xxh3.ts";

/** XXH3_INTERNALBUFFER_SIZE. */
const BUFFER_SIZE: usize = 256;

/** Accumulators of the stream. */
const ACC: usize = memory.data(64, 16);
/** Copy of the accumulators that digest() finishes, so the stream can continue afterwards. */
const DIGEST_ACC: usize = memory.data(64, 16);
/** Internal buffer. Its last 64 bytes also keep the last consumed stripe (for the catch-up). */
const BUFFER: usize = memory.data(256, 16);
/** The final stripe when fewer than 64 bytes are buffered. */
const LAST: usize = memory.data(64, 16);

let buffered: usize = 0;
let stripesSoFar: u32 = 0;
let totalLen: u64 = 0;

/**
 * XXH3_consumeStripes: accumulates `n` stripes at `p` into `acc`, scrambling whenever a block of
 * 16 stripes completes. Returns the stripe count within the current block.
 */
function consumeStripes(acc: usize, soFar: u32, p: usize, n: u32): u32 {
  while (n >= STRIPES_PER_BLOCK - soFar) {
    const todo = STRIPES_PER_BLOCK - soFar;
    accumulateSimd(acc, p, stripeKey(soFar), todo);
    scramble(acc);
    p += <usize> todo * STRIPE_LEN;
    n -= todo;
    soFar = 0;
  }
  accumulateSimd(acc, p, stripeKey(soFar), n);
  return soFar + n;
}

/** XXH3_64bits_reset. */
export function reset(): void {
  initAcc(ACC);
  buffered = 0;
  stripesSoFar = 0;
  totalLen = 0;
}

/** XXH3_64bits_update over `len` bytes at `p`. */
export function update(p: usize, len: usize): void {
  totalLen += <u64> len;
  if (len <= BUFFER_SIZE - buffered) {
    memory.copy(BUFFER + buffered, p, len);
    buffered += len;
    return;
  }
  // More than BUFFER_SIZE bytes in total: what is buffered can be consumed (data follows it).
  if (buffered != 0) {
    const fill = BUFFER_SIZE - buffered;
    memory.copy(BUFFER + buffered, p, fill);
    p += fill;
    len -= fill;
    stripesSoFar = consumeStripes(ACC, stripesSoFar, BUFFER, <u32> (BUFFER_SIZE / STRIPE_LEN));
    buffered = 0;
  }
  // len >= 1 here. Consume whole stripes in place, keeping 1..64 bytes back.
  if (len > STRIPE_LEN) {
    const n = (len - 1) / STRIPE_LEN;
    stripesSoFar = consumeStripes(ACC, stripesSoFar, p, <u32> n);
    const consumed = n * STRIPE_LEN;
    memory.copy(BUFFER + BUFFER_SIZE - STRIPE_LEN, p + consumed - STRIPE_LEN, STRIPE_LEN);
    p += consumed;
    len -= consumed;
  }
  memory.copy(BUFFER, p, len);
  buffered = len;
}

/** XXH3_64bits_digest. Does not change the state. */
export function digest(): u64 {
  if (totalLen <= <u64> MIDSIZE_MAX) return hashShort(BUFFER, <usize> totalLen);
  memory.copy(DIGEST_ACC, ACC, 64);
  let last: usize;
  if (buffered >= STRIPE_LEN) {
    consumeStripes(DIGEST_ACC, stripesSoFar, BUFFER, <u32> ((buffered - 1) / STRIPE_LEN));
    last = BUFFER + buffered - STRIPE_LEN;
  } else {
    // The last stripe straddles the previous consumed bytes (kept at the buffer's end).
    const catchup = STRIPE_LEN - buffered;
    memory.copy(LAST, BUFFER + BUFFER_SIZE - catchup, catchup);
    memory.copy(LAST + catchup, BUFFER, buffered);
    last = LAST;
  }
  accumulateSimd(DIGEST_ACC, last, lastStripeKey(), 1);
  return mergeAccs(DIGEST_ACC, totalLen);
}
