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

/**
 * Merges overlapping or adjacent ranges (sorted by offset, longest first at equal offsets). Two
 * views of one buffer that lie in it as in the file (reads of one stored range) merge into a wider
 * view of it, not a copy.
 */
export function mergeRanges(ranges: readonly StoredRange[]): StoredRange[] {
  const sorted = [...ranges].sort((a, b) => a.offset - b.offset || b.bytes.length - a.bytes.length);
  const out: StoredRange[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r.offset <= last.offset + last.bytes.length) {
      const end = Math.max(last.offset + last.bytes.length, r.offset + r.bytes.length);
      if (end > last.offset + last.bytes.length) {
        const a = last.bytes, b = r.bytes;
        let merged: Uint8Array;
        if (a.buffer === b.buffer && b.byteOffset - a.byteOffset === r.offset - last.offset) {
          merged = new Uint8Array(a.buffer, a.byteOffset, end - last.offset);
        } else {
          merged = new Uint8Array(end - last.offset);
          merged.set(a);
          merged.set(b, r.offset - last.offset);
        }
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
  // Segment headers and hashes are staged and hashed in large pieces (the same bytes in the same
  // order, so the same identity): 70,000 one-page segments make 9 updates, not 140,000.
  const stage = new Uint8Array(STAGE_BYTES);
  const sv = new DataView(stage.buffer);
  let fill = 0;
  let source: ArrayBufferLike | undefined;
  let bytes: Uint8Array = stage;
  for (const s of segments) {
    const hashes = le ? s.hashes : s.hashes.map((h) => swap64(h));
    const n = hashes.length * 8;
    if (fill + 8 + Math.min(n, SMALL_BYTES) > STAGE_BYTES) {
      hasher.streamUpdate(stage.subarray(0, fill));
      fill = 0;
    }
    sv.setUint32(fill, s.index, true);
    sv.setUint32(fill + 4, hashes.length, true);
    fill += 8;
    if (n > SMALL_BYTES) {
      hasher.streamUpdate(stage.subarray(0, fill));
      fill = 0;
      hasher.streamUpdate(new Uint8Array(hashes.buffer, hashes.byteOffset, n));
      continue;
    }
    // A few hashes: copied byte by byte from one view of their buffer (no view per segment).
    if (hashes.buffer !== source) bytes = new Uint8Array(source = hashes.buffer);
    for (let k = 0, at = hashes.byteOffset; k < n; k++) stage[fill + k] = bytes[at + k]!;
    fill += n;
  }
  hasher.streamUpdate(stage.subarray(0, fill));
  return hasher.streamDigest();
}

/** Bytes staged before an update of the identity hash. */
const STAGE_BYTES = 64 * 1024;
/** Page hashes of a segment up to this many bytes are staged; larger ones are hashed in place. */
const SMALL_BYTES = 512;

function swap64(h: bigint): bigint {
  const b = new DataView(new ArrayBuffer(8));
  b.setBigUint64(0, h, true);
  return b.getBigUint64(0, false);
}
