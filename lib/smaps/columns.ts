/**
 * Per-mapping columns of a parsed smaps (line, start, end, body index: 24 bytes a mapping), in
 * chunks of 4,096 mappings: growing never copies, and nothing is allocated per mapping (an
 * address below 2^53 is stored as two 32-bit words, without making a bigint).
 *
 * @module
 */

const SHIFT = 12, CHUNK = 1 << SHIFT, MASK = CHUNK - 1;

/** Whether this machine stores the low 32-bit word of a 64-bit integer first. */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
const LO = LITTLE_ENDIAN ? 0 : 1, HI = LITTLE_ENDIAN ? 1 : 0;

/**
 * Growable columns of line, start, end and body index.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const c = new MappingColumns();
 * for (let i = 0; i < 5000; i++) c.add(i + 1, 0x1000 * i, 0x1000 * i + 0x1000, i % 3);
 * c.add(5001, 0xffffffffff600000n, 0xffffffffff601000n, 0);
 * assert.equal(c.length, 5001);
 * assert.equal(c.start(4999), 0x1000n * 4999n);
 * assert.equal(c.end(5000), 0xffffffffff601000n);
 * assert.equal(c.bodyOf(4097), 4097 % 3);
 * ```
 */
export class MappingColumns {
  /** Number of mappings. */
  length = 0;
  readonly #lines: Uint32Array[] = [];
  readonly #starts: BigUint64Array[] = [];
  readonly #ends: BigUint64Array[] = [];
  readonly #bodyOf: Uint32Array[] = [];
  readonly #startWords: Uint32Array[] = [];
  readonly #endWords: Uint32Array[] = [];

  /**
   * Adds a mapping.
   *
   * @param line its 1-based line
   * @param start start address (a number below 2^53, or a bigint)
   * @param end end address (likewise)
   * @param body index of its body
   */
  add(line: number, start: number | bigint, end: number | bigint, body: number): void {
    const i = this.length++;
    const c = i >>> SHIFT, k = i & MASK;
    if (k === 0) {
      const starts = new BigUint64Array(CHUNK), ends = new BigUint64Array(CHUNK);
      this.#lines.push(new Uint32Array(CHUNK));
      this.#starts.push(starts);
      this.#ends.push(ends);
      this.#bodyOf.push(new Uint32Array(CHUNK));
      this.#startWords.push(new Uint32Array(starts.buffer));
      this.#endWords.push(new Uint32Array(ends.buffer));
    }
    this.#lines[c]![k] = line;
    if (typeof start === "number") setWords(this.#startWords[c]!, k, start);
    else this.#starts[c]![k] = start;
    if (typeof end === "number") setWords(this.#endWords[c]!, k, end);
    else this.#ends[c]![k] = end;
    this.#bodyOf[c]![k] = body;
  }

  /** Line of mapping `i`. */
  line(i: number): number {
    return this.#lines[i >>> SHIFT]![i & MASK]!;
  }

  /** Start address of mapping `i`. */
  start(i: number): bigint {
    return this.#starts[i >>> SHIFT]![i & MASK]!;
  }

  /** End address of mapping `i`. */
  end(i: number): bigint {
    return this.#ends[i >>> SHIFT]![i & MASK]!;
  }

  /** Body index of mapping `i`. */
  bodyOf(i: number): number {
    return this.#bodyOf[i >>> SHIFT]![i & MASK]!;
  }
}

/** Stores `n` (an integer below 2^53) as 64-bit element `k` of `words`' buffer. */
function setWords(words: Uint32Array, k: number, n: number): void {
  words[2 * k + LO] = n >>> 0;
  words[2 * k + HI] = Math.floor(n / 4294967296);
}
