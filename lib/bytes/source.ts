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
export function bytesSource(bytes: Uint8Array): ByteSource {
  return {
    size: bytes.length,
    read(offset: number, length: number): Promise<Uint8Array> {
      const start = Math.min(Math.max(0, offset), bytes.length);
      return Promise.resolve(bytes.subarray(start, Math.min(bytes.length, start + length)));
    },
  };
}
