/**
 * A bounds-checked cursor over a byte range of a file, with the byte order fixed once. All binary
 * parsing in `lib/` goes through it so every failure names the field and its absolute file offset.
 *
 * @module
 */

import { CoreFormatError } from "../errors.ts";

/** Byte order of multi-byte fields. */
export type ByteOrder = "little" | "big";

/** Makes the error for a read outside the bytes (the reader's format names its own error class). */
export type OutOfBounds = (offset: number, field: string, problem: string) => Error;

/**
 * Reads fixed-width fields from a `Uint8Array` that holds file bytes starting at absolute offset
 * `base`. Every read checks bounds and throws {@link CoreFormatError} naming the field; a failed
 * read never advances the cursor.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const r = new ByteReader(new Uint8Array([1, 0, 0, 0, 2, 0]), "little", 0x100);
 * assert.equal(r.u32("a"), 1);
 * assert.equal(r.offset, 0x104);
 * assert.throws(() => r.u32("b"), /b.*0x104/);
 * ```
 */
export class ByteReader {
  /** Cursor position relative to the start of `bytes`. */
  pos = 0;
  readonly #view: DataView;
  readonly #le: boolean;

  readonly #fail: OutOfBounds;

  /**
   * @param bytes the bytes to read
   * @param order byte order of multi-byte fields
   * @param base absolute file offset of `bytes[0]`, used in errors
   * @param fail makes the error for a read past the end (default: a `CoreFormatError`)
   */
  constructor(
    readonly bytes: Uint8Array,
    readonly order: ByteOrder,
    readonly base = 0,
    fail: OutOfBounds = (offset, field, problem) => new CoreFormatError(offset, field, problem),
  ) {
    this.#fail = fail;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#le = order === "little";
  }

  /** Absolute file offset of the cursor. */
  get offset(): number {
    return this.base + this.pos;
  }

  /** Bytes left after the cursor. */
  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  #need(n: number, field: string): number {
    if (n < 0 || this.pos + n > this.bytes.length) {
      throw this.#fail(
        this.offset,
        field,
        `Cannot read ${n} bytes of ${field}: only ${
          Math.max(0, this.remaining)
        } left in the record`,
      );
    }
    const at = this.pos;
    this.pos += n;
    return at;
  }

  /** Moves the cursor to `pos` (relative), checking it lies within the bytes. */
  seek(pos: number, field: string): void {
    if (pos < 0 || pos > this.bytes.length) {
      throw this.#fail(this.base + pos, field, `Offset of ${field} is outside the record`);
    }
    this.pos = pos;
  }

  /** Skips `n` bytes. */
  skip(n: number, field: string): void {
    this.#need(n, field);
  }

  /** Reads an unsigned byte. */
  u8(field: string): number {
    return this.#view.getUint8(this.#need(1, field));
  }

  /** Reads an unsigned 16-bit integer. */
  u16(field: string): number {
    return this.#view.getUint16(this.#need(2, field), this.#le);
  }

  /** Reads an unsigned 32-bit integer. */
  u32(field: string): number {
    return this.#view.getUint32(this.#need(4, field), this.#le);
  }

  /** Reads a signed 32-bit integer. */
  i32(field: string): number {
    return this.#view.getInt32(this.#need(4, field), this.#le);
  }

  /** Reads an unsigned 64-bit integer as a bigint. */
  u64(field: string): bigint {
    return this.#view.getBigUint64(this.#need(8, field), this.#le);
  }

  /** Reads an unsigned word of `size` bytes (4 or 8) as a bigint. */
  word(size: 4 | 8, field: string): bigint {
    return size === 8 ? this.u64(field) : BigInt(this.u32(field));
  }

  /** Returns a view of the next `n` bytes. */
  bytesOf(n: number, field: string): Uint8Array {
    const at = this.#need(n, field);
    return this.bytes.subarray(at, at + n);
  }
}

/** The largest byte count or offset coredelta handles as a `number` (2^53 - 1). */
export const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * Converts a bigint read from the file to a `number`, failing with a {@link CoreFormatError} when it
 * is above 2^53 - 1 (such a size or offset cannot describe a real file).
 */
export function toSafeNumber(value: bigint, offset: number, field: string): number {
  if (value > MAX_SAFE) {
    throw new CoreFormatError(offset, field, `Value of ${field} is too large`, value);
  }
  return Number(value);
}

/**
 * Decodes a NUL-terminated (or NUL-padded) byte string as UTF-8, replacing invalid sequences.
 * Stops at the first NUL.
 */
export function cString(bytes: Uint8Array): string {
  let end = bytes.indexOf(0);
  if (end < 0) end = bytes.length;
  // Short ASCII names (section names, note owners: tens of thousands per core) without a decoder.
  if (end <= 64) {
    let s = "";
    for (let i = 0; i < end; i++) {
      const c = bytes[i]!;
      if (c >= 0x80) return UTF8.decode(bytes.subarray(0, end));
      s += String.fromCharCode(c);
    }
    return s;
  }
  return UTF8.decode(bytes.subarray(0, end));
}

const UTF8 = new TextDecoder();
