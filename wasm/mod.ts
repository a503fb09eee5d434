/**
 * The WebAssembly page-hash kernel behind {@link PageHasher}: per 4 KiB page, XXH3-64 (seed 0,
 * bit-exact with `xxhsum -H3`) and an all-zero flag, plus a streaming XXH3-64 of a whole file.
 *
 * The kernel (`wasm/assembly/`, AssemblyScript) is compiled ahead of time into
 * `wasm/build/page_hash.wasm` by `deno task build:wasm`. It is loaded natively (no file
 * permissions) and instantiated once per hasher, so each hasher owns its scratch memory and
 * streaming state: concurrent jobs never share buffers. Hashers are synchronous and not
 * re-entrant; create one per concurrent job and reuse it.
 *
 * @module
 */
import { PAGE_SIZE, type PageHasher } from "../lib/digest/page_hasher.ts";
import { KERNEL_SHA256 } from "./build/page_hash_sha256.ts";
import { pageHashModule } from "./page_hash_module.js";

export type { PageHasher };

/**
 * Lowercase hex SHA-256 of `wasm/build/page_hash.wasm`, the same value as
 * {@link PageHasher.kernelSha256}.
 *
 * @example Stamp a digest
 * ```ts
 * import assert from "node:assert/strict";
 * assert.match(kernelSha256, /^[0-9a-f]{64}$/);
 * ```
 */
export const kernelSha256: string = KERNEL_SHA256;

/** The kernel's exports (see `wasm/assembly/index.ts`). i64 results arrive as signed bigints. */
interface KernelExports {
  memory: WebAssembly.Memory;
  capacity(): number;
  inputPtr(): number;
  hashesPtr(): number;
  zeroPtr(): number;
  streamInputPtr(): number;
  streamInputSize(): number;
  hashPages(count: number, lastLength: number): void;
  hashPagesScalar(count: number, lastLength: number): void;
  xxh3(ptr: number, length: number): bigint;
  xxh3Scalar(ptr: number, length: number): bigint;
  streamReset(): void;
  streamUpdate(ptr: number, length: number): void;
  streamDigest(): bigint;
}

/** Options of {@link createPageHasher}. */
export interface PageHasherOptions {
  /**
   * Use the SIMD kernel (default `true`). `false` selects the scalar reference path, which gives
   * identical results more slowly; it exists so tests can check one against the other.
   */
  simd?: boolean;
}

/** Per-page results of {@link hashBytes}. */
export interface PageHashes {
  /** XXH3-64 of each 4 KiB page; the last page may be shorter. */
  hashes: BigUint64Array;
  /** 1 where the page is all zero, else 0. */
  zero: Uint8Array;
}

class WasmPageHasher implements PageHasher {
  readonly capacity: number;
  readonly input: Uint8Array;
  readonly hashes: BigUint64Array;
  readonly zero: Uint8Array;
  readonly kernelSha256: string = KERNEL_SHA256;
  readonly #k: KernelExports;
  readonly #simd: boolean;
  readonly #streamWindow: Uint8Array;

  constructor(simd: boolean) {
    // The module has no imports; its memory is sized for the static regions and never grows, so
    // these views stay attached for the life of the instance.
    this.#k = new WebAssembly.Instance(pageHashModule).exports as unknown as KernelExports;
    this.#simd = simd;
    const buffer = this.#k.memory.buffer;
    this.capacity = this.#k.capacity();
    this.input = new Uint8Array(buffer, this.#k.inputPtr(), this.capacity * PAGE_SIZE);
    this.hashes = new BigUint64Array(buffer, this.#k.hashesPtr(), this.capacity);
    this.zero = new Uint8Array(buffer, this.#k.zeroPtr(), this.capacity);
    this.#streamWindow = new Uint8Array(
      buffer,
      this.#k.streamInputPtr(),
      this.#k.streamInputSize(),
    );
  }

  hash(count: number, lastLength: number = PAGE_SIZE): void {
    if (!Number.isInteger(count) || count < 0 || count > this.capacity) {
      throw new RangeError(`Cannot hash ${count} pages: capacity is ${this.capacity}`);
    }
    if (!Number.isInteger(lastLength) || lastLength < 1 || lastLength > PAGE_SIZE) {
      throw new RangeError(
        `Cannot hash a last page of ${lastLength} bytes: must be 1..${PAGE_SIZE}`,
      );
    }
    if (this.#simd) this.#k.hashPages(count, lastLength);
    else this.#k.hashPagesScalar(count, lastLength);
  }

  streamReset(): void {
    this.#k.streamReset();
  }

  streamUpdate(bytes: Uint8Array): void {
    const k = this.#k;
    const input = this.input;
    if (
      bytes.buffer === input.buffer && bytes.byteOffset >= input.byteOffset &&
      bytes.byteOffset + bytes.length <= input.byteOffset + input.length
    ) {
      // Already in this hasher's input region (e.g. pages just hashed): no copy.
      k.streamUpdate(bytes.byteOffset, bytes.length);
      return;
    }
    const window = this.#streamWindow;
    for (let off = 0; off < bytes.length; off += window.length) {
      const chunk = bytes.subarray(off, off + window.length);
      window.set(chunk);
      k.streamUpdate(window.byteOffset, chunk.length);
    }
  }

  streamDigest(): bigint {
    return BigInt.asUintN(64, this.#k.streamDigest());
  }

  /** One-shot XXH3-64 of `bytes`, through the input region or, when larger, the stream. */
  xxh3(bytes: Uint8Array): bigint {
    const k = this.#k;
    if (bytes.length <= this.input.length) {
      this.input.set(bytes);
      const h = this.#simd
        ? k.xxh3(this.input.byteOffset, bytes.length)
        : k.xxh3Scalar(this.input.byteOffset, bytes.length);
      return BigInt.asUintN(64, h);
    }
    this.streamReset();
    this.streamUpdate(bytes);
    return this.streamDigest();
  }
}

/**
 * Creates a page hasher with its own kernel instance (about 1.3 MiB of wasm memory, allocated once).
 *
 * @param options `simd: false` selects the scalar reference path.
 * @returns A {@link PageHasher} with `capacity` 256 (1 MiB of input per batch).
 *
 * @example Hash two pages, the second one partial
 * ```ts
 * import assert from "node:assert/strict";
 * const hasher = createPageHasher();
 * hasher.input.fill(0, 0, 4096 + 100);
 * hasher.input[4096] = 1;
 * hasher.hash(2, 100);
 * assert.equal(hasher.hashes[0], 0x93d76fe148c689ban); // xxhsum -H3 of 4096 zero bytes
 * assert.deepEqual([...hasher.zero.subarray(0, 2)], [1, 0]);
 * ```
 */
export function createPageHasher(options: PageHasherOptions = {}): PageHasher {
  return new WasmPageHasher(options.simd ?? true);
}

const shared: { simd?: WasmPageHasher; scalar?: WasmPageHasher } = {};

function sharedHasher(options: PageHasherOptions): WasmPageHasher {
  // Private to this module and only used synchronously, so one instance per path is enough.
  return (options.simd ?? true)
    ? (shared.simd ??= new WasmPageHasher(true))
    : (shared.scalar ??= new WasmPageHasher(false));
}

/**
 * Hashes `bytes` as consecutive 4 KiB pages (the last one partial if `bytes.length` is not a
 * multiple of 4096). A convenience for tests and small inputs; the digest uses a {@link PageHasher}.
 *
 * @param bytes Any length; 0 bytes give 0 pages.
 * @param options `simd: false` selects the scalar reference path.
 * @returns Fresh arrays with one entry per page.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const { hashes, zero } = hashBytes(new Uint8Array(4096 + 1));
 * assert.equal(hashes.length, 2);
 * assert.deepEqual([...zero], [1, 1]);
 * ```
 */
export function hashBytes(bytes: Uint8Array, options: PageHasherOptions = {}): PageHashes {
  const pages = Math.ceil(bytes.length / PAGE_SIZE);
  const out: PageHashes = { hashes: new BigUint64Array(pages), zero: new Uint8Array(pages) };
  const h = sharedHasher(options);
  for (let first = 0; first < pages; first += h.capacity) {
    const count = Math.min(h.capacity, pages - first);
    const start = first * PAGE_SIZE;
    const end = Math.min(bytes.length, start + count * PAGE_SIZE);
    h.input.set(bytes.subarray(start, end));
    h.hash(count, end - start - (count - 1) * PAGE_SIZE);
    out.hashes.set(h.hashes.subarray(0, count), first);
    out.zero.set(h.zero.subarray(0, count), first);
  }
  return out;
}

/**
 * One-shot XXH3-64 (seed 0) of `bytes`, any length; equals `xxhsum -H3`.
 *
 * @param bytes The input.
 * @param options `simd: false` selects the scalar reference path (inputs up to 1 MiB).
 * @returns The hash as an unsigned 64-bit bigint.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(xxh3_64(new Uint8Array(0)), 0x2d06800538d394c2n); // xxhsum -H3 < /dev/null
 * ```
 */
export function xxh3_64(bytes: Uint8Array, options: PageHasherOptions = {}): bigint {
  return sharedHasher(options).xxh3(bytes);
}
