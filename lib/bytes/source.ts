/**
 * Random-access byte sources. `lib/` never opens files itself: callers hand it a {@link ByteSource}
 * (the CLI and the API wrap a file; tests wrap a `Uint8Array`).
 *
 * @module
 */

/** Anything that can return a range of bytes by offset: a file, a buffer, a remote object. */
export interface ByteSource {
  /** Total size in bytes. */
  readonly size: number;
  /**
   * Reads up to `length` bytes at `offset`. Returns fewer bytes only at the end of the source.
   * The returned array may be a view that is valid until the next call.
   */
  read(offset: number, length: number): Promise<Uint8Array>;
  /**
   * True when every `read` returns a new array nobody else writes to, which the caller may keep
   * (then a digest keeps the parsed tables without copying them).
   */
  readonly fresh?: boolean;
}

/**
 * Wraps an in-memory buffer as a {@link ByteSource}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const src = bytesSource(new Uint8Array([1, 2, 3]));
 * assert.deepEqual(await src.read(1, 5), new Uint8Array([2, 3]));
 * ```
 */
export function bytesSource(bytes: Uint8Array): PositionalSource {
  return {
    size: bytes.length,
    readInto(offset: number, target: Uint8Array): number {
      const part = bytes.subarray(Math.min(offset, bytes.length), offset + target.length);
      target.set(part);
      return part.length;
    },
    read(offset: number, length: number): Promise<Uint8Array> {
      const start = Math.min(Math.max(0, offset), bytes.length);
      return Promise.resolve(bytes.subarray(start, Math.min(bytes.length, start + length)));
    },
  };
}

/**
 * A {@link ByteSource} that can also read synchronously into a caller's buffer, so page bytes go
 * straight from the file into the hasher's memory without a copy (a local file, a spill file).
 */
export interface PositionalSource extends ByteSource {
  /**
   * Fills `target` with the bytes at `offset`; returns how many were read (fewer only at the end
   * of the source).
   */
  readInto(offset: number, target: Uint8Array): number;
  /**
   * Where the source holds data within `[from, to)` (a local file's extents, by FIEMAP or
   * SEEK_DATA/SEEK_HOLE); absent, or undefined when unknown: then every byte is data.
   */
  dataExtents?(from: number, to: number): DataExtents | undefined;
}

/**
 * A {@link PositionalSource} of `size` bytes over a synchronous reader by position (a file, a libc
 * descriptor): `read` fills a new array each time, so the source is `fresh`.
 *
 * @param size total size in bytes
 * @param readInto fills `target` with the bytes at `offset`; returns how many (fewer only at the end)
 * @returns the source
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const bytes = new Uint8Array([1, 2, 3]);
 * const src = readerSource(3, (offset, target) => {
 *   const part = bytes.subarray(offset, offset + target.length);
 *   target.set(part);
 *   return part.length;
 * });
 * assert.deepEqual(await src.read(1, 5), new Uint8Array([2, 3]));
 * assert.equal(src.fresh, true);
 * ```
 */
export function readerSource(
  size: number,
  readInto: (offset: number, target: Uint8Array) => number,
): PositionalSource {
  return {
    size,
    readInto,
    fresh: true,
    read(offset: number, length: number): Promise<Uint8Array> {
      const buf = new Uint8Array(Math.max(0, Math.min(length, size - offset)));
      return Promise.resolve(buf.subarray(0, readInto(offset, buf)));
    },
  };
}

/** Byte ranges `[starts[i], ends[i])` of a file that hold data; the rest are holes. */
export interface DataExtents {
  /** Start offsets, ascending. */
  readonly starts: Float64Array;
  /** End offsets (exclusive), one per start. */
  readonly ends: Float64Array;
}
