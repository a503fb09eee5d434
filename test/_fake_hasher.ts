/**
 * A slow, obvious stand-in for the WASM kernel in unit tests of the digest engine: FNV-1a over the
 * page's real length (not XXH3) and a zero flag. Test-only.
 *
 * @module
 */
import { PAGE_SIZE, type PageHasher } from "../lib/digest/page_hasher.ts";

/** FNV-1a 64 over `bytes`. */
export function fnv64(bytes: Uint8Array): bigint {
  let h = 0xcbf29ce484222325n;
  for (const b of bytes) h = ((h ^ BigInt(b)) * 0x100000001b3n) & 0xffffffffffffffffn;
  return h;
}

/** A {@link PageHasher} built on {@link fnv64}, with a small batch to exercise batch boundaries. */
export function fakeHasher(capacity = 3): PageHasher {
  const input = new Uint8Array(capacity * PAGE_SIZE);
  const hashes = new BigUint64Array(capacity);
  const zero = new Uint8Array(capacity);
  let stream: Uint8Array[] = [];
  return {
    capacity,
    input,
    hashes,
    zero,
    kernelSha256: "fake",
    hash(count: number, lastLength = PAGE_SIZE) {
      for (let i = 0; i < count; i++) {
        const page = input.subarray(
          i * PAGE_SIZE,
          i * PAGE_SIZE + (i === count - 1 ? lastLength : PAGE_SIZE),
        );
        hashes[i] = fnv64(page);
        zero[i] = page.every((b) => b === 0) ? 1 : 0;
      }
    },
    streamReset() {
      stream = [];
    },
    streamUpdate(bytes: Uint8Array) {
      stream.push(bytes.slice());
    },
    streamDigest() {
      const all = new Uint8Array(stream.reduce((n, b) => n + b.length, 0));
      let at = 0;
      for (const b of stream) {
        all.set(b, at);
        at += b.length;
      }
      return fnv64(all);
    },
  };
}
