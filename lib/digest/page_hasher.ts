/**
 * The contract between the digest (pure TypeScript) and a page-hash kernel. `lib/` depends only on
 * this interface; `wasm/mod.ts` provides the AssemblyScript implementation.
 *
 * @module
 */

/** Size of a hashed page. Every digest uses 4 KiB pages whatever the core's own page size. */
export const PAGE_SIZE = 4096;

/**
 * A batch page hasher with its own scratch memory. Callers copy page bytes into `input` (page `i` at
 * `i * PAGE_SIZE`), call {@link PageHasher.hash}, and read `hashes[i]` (XXH3-64, seed 0, over the
 * page's real length) and `zero[i]` (1 when every byte of the page is 0).
 */
export interface PageHasher {
  /** Pages per batch: `input.length === capacity * PAGE_SIZE`. */
  readonly capacity: number;
  /** Scratch input, `capacity` pages long. Valid for the life of the hasher. */
  readonly input: Uint8Array;
  /** Per-page XXH3-64 results of the last {@link PageHasher.hash} call. */
  readonly hashes: BigUint64Array;
  /** Per-page all-zero flags (0 or 1) of the last {@link PageHasher.hash} call. */
  readonly zero: Uint8Array;
  /**
   * Hashes pages `0..count-1` of `input`. Every page is `PAGE_SIZE` bytes except the last, which is
   * `lastLength` bytes (1..PAGE_SIZE, default PAGE_SIZE): a partial last page of a segment is hashed
   * over its real length.
   */
  hash(count: number, lastLength?: number): void;
  /** Starts a streaming XXH3-64 (seed 0) of a whole byte stream, e.g. the whole core file. */
  streamReset(): void;
  /** Feeds `bytes` to the streaming hash. */
  streamUpdate(bytes: Uint8Array): void;
  /** Returns the streaming hash of everything fed since the last reset (equals `xxhsum -H3`). */
  streamDigest(): bigint;
  /** Lowercase hex SHA-256 of the kernel binary, stamped into digests so hashes from different kernels are never compared. */
  readonly kernelSha256: string;
}
