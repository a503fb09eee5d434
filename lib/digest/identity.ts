/**
 * A core's identity without hashing any byte twice: XXH3-64 (the kernel's streaming hash) over
 *
 * ```
 * u64 size
 * per range the parser read, in offset order: u64 offset, u64 length, the bytes
 * per PT_LOAD in program header order: u32 index, u32 pages, the page hashes (u64 LE each)
 * ```
 *
 * The parser's ranges are the header, the program and section header tables and the notes; the page
 * hashes cover every saved byte. A hole hashes as the zero page it reads as, so a local file (holes
 * found, not read) and the same core streamed have the same identity.
 *
 * @module
 */

import type { SegmentDigest } from "./model.ts";
import type { PageHasher } from "./page_hasher.ts";
import type { StoredRange } from "./sparse.ts";

/** Merges overlapping or adjacent ranges (sorted by offset, longest first at equal offsets). */
export function mergeRanges(ranges: readonly StoredRange[]): StoredRange[] {
  const sorted = [...ranges].sort((a, b) => a.offset - b.offset || b.bytes.length - a.bytes.length);
  const out: StoredRange[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r.offset <= last.offset + last.bytes.length) {
      const end = Math.max(last.offset + last.bytes.length, r.offset + r.bytes.length);
      if (end > last.offset + last.bytes.length) {
        const merged = new Uint8Array(end - last.offset);
        merged.set(last.bytes);
        merged.set(r.bytes, r.offset - last.offset);
        out[out.length - 1] = { offset: last.offset, bytes: merged };
      }
    } else out.push(r);
  }
  return out;
}

/**
 * The identity of a core of `size` bytes from the ranges its parser read (merged, see
 * {@link mergeRanges}) and its page hashes.
 */
export function coreIdentity(
  hasher: PageHasher,
  size: number,
  parsed: readonly StoredRange[],
  segments: readonly SegmentDigest[],
): bigint {
  const head = new Uint8Array(16);
  const v = new DataView(head.buffer);
  hasher.streamReset();
  v.setBigUint64(0, BigInt(size), true);
  hasher.streamUpdate(head.subarray(0, 8));
  for (const r of parsed) {
    v.setBigUint64(0, BigInt(r.offset), true);
    v.setBigUint64(8, BigInt(r.bytes.length), true);
    hasher.streamUpdate(head);
    hasher.streamUpdate(r.bytes);
  }
  const le = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  for (const s of segments) {
    v.setUint32(0, s.index, true);
    v.setUint32(4, s.hashes.length, true);
    hasher.streamUpdate(head.subarray(0, 8));
    const hashes = le ? s.hashes : s.hashes.map((h) => swap64(h));
    hasher.streamUpdate(new Uint8Array(hashes.buffer, hashes.byteOffset, hashes.byteLength));
  }
  return hasher.streamDigest();
}

function swap64(h: bigint): bigint {
  const b = new DataView(new ArrayBuffer(8));
  b.setBigUint64(0, h, true);
  return b.getBigUint64(0, false);
}
