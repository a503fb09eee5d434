/**
 * Seeded mutation helpers for robustness tests: a small reproducible PRNG and in-place byte
 * mutations that can be undone (so a 30 MB fixture is never copied per case).
 *
 * @module
 */

/** xorshift32: small, fast, reproducible by seed. */
export class Rng {
  #s: number;
  /** @param seed any non-zero 32-bit integer */
  constructor(seed: number) {
    this.#s = seed >>> 0 || 0x9e3779b9;
  }
  /** Next 32-bit unsigned value. */
  next(): number {
    let x = this.#s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (this.#s = x >>> 0);
  }
  /** Integer in `[0, n)`. */
  below(n: number): number {
    return Math.floor((this.next() / 0x100000000) * n);
  }
  /** One element of `items`. */
  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)]!;
  }
}

/** A reversible set of byte writes. */
export class Patch {
  #saved: [number, number][] = [];
  /** @param bytes the buffer being mutated in place */
  constructor(readonly bytes: Uint8Array) {}
  /** Writes `value` at `at`, remembering the old byte. */
  set(at: number, value: number): void {
    if (at < 0 || at >= this.bytes.length) return;
    this.#saved.push([at, this.bytes[at]!]);
    this.bytes[at] = value & 0xff;
  }
  /** Writes a little-endian integer of `width` bytes. */
  setInt(at: number, width: number, value: bigint): void {
    for (let i = 0; i < width; i++) this.set(at + i, Number((value >> BigInt(8 * i)) & 0xffn));
  }
  /** Restores every byte written, newest first. */
  undo(): void {
    for (let i = this.#saved.length - 1; i >= 0; i--) {
      const [at, v] = this.#saved[i]!;
      this.bytes[at] = v;
    }
    this.#saved = [];
  }
}

/** Extreme values that tend to break size arithmetic. */
export const NASTY: readonly bigint[] = [
  0n,
  1n,
  3n,
  0x7fn,
  0xffn,
  0xfffn,
  0x1000n,
  0xffffn,
  0x7fffffffn,
  0xffffffffn,
  0x100000000n,
  0x7fffffffffffffffn,
  0xffffffffffffffffn,
];

/**
 * Applies one random mutation inside `regions` (byte ranges worth hitting: headers, tables, notes):
 * a bit flip, a byte run, or a nasty integer over a 2/4/8-byte field. Returns a label for messages.
 */
export function mutate(rng: Rng, patch: Patch, regions: readonly [number, number][]): string {
  const [lo, hi] = rng.pick(regions);
  const at = lo + rng.below(Math.max(1, hi - lo));
  switch (rng.below(4)) {
    case 0: {
      const bit = rng.below(8);
      patch.set(at, patch.bytes[at]! ^ (1 << bit));
      return `flip bit ${bit} at 0x${at.toString(16)}`;
    }
    case 1: {
      const n = 1 + rng.below(16);
      for (let i = 0; i < n; i++) patch.set(at + i, rng.next());
      return `${n} random bytes at 0x${at.toString(16)}`;
    }
    default: {
      const width = rng.pick([2, 4, 8]);
      const v = rng.pick(NASTY);
      patch.setInt(at & ~(width - 1), width, v);
      return `${width}-byte field at 0x${(at & ~(width - 1)).toString(16)} = 0x${v.toString(16)}`;
    }
  }
}
