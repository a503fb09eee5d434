/**
 * A core's identity without hashing any byte twice: XXH3-64 (the kernel's streaming hash) over
 *
 * ```
 * u64 size
 * per range the parser read (overlapping or adjacent reads merged), in offset order:
 *   u64 offset, u64 length, the bytes
 * per PT_LOAD in program header order: u32 index, u32 pages, the page hashes (u64 LE each)
 * ```
 *
 * The parser's ranges are the header, the program and section header tables and the notes; the page
 * hashes cover every saved byte. A hole hashes as the zero page it reads as, so a local file (holes
 * found, not read) and the same core streamed have the same identity.
 *
 * @module
 */

import type { Rows } from "../bytes/rows.ts";
import type { SegmentDigest } from "./model.ts";
import type { PageHasher } from "./page_hasher.ts";
import type { StoredRange } from "./sparse.ts";

/**
 * A digest's skeleton from the ranges its parser read, without copying a byte: sorted by offset,
 * each range cut to start where the one before it ends (a view), ranges inside another dropped,
 * and a range lying in the same buffer right after the one before it widened into one view. The
 * pieces may touch: adjacent pieces form one run of the stored form ({@link skeletonRuns}), and a
 * parser reading across them gets the bytes joined (`readStored`). So the parser's tables stay
 * views of its reads, and a core is parsed once: 70,000 program headers are not copied to be kept.
 */
export function skeletonOf(ranges: readonly StoredRange[]): StoredRange[] {
  const sorted = [...ranges].sort((a, b) => a.offset - b.offset || b.bytes.length - a.bytes.length);
  const out: StoredRange[] = [];
  let end = 0;
  for (const r of sorted) {
    const last = out[out.length - 1];
    const rEnd = r.offset + r.bytes.length;
    if (rEnd <= end || r.bytes.length === 0) continue;
    const from = Math.max(0, end - r.offset);
    const a = last?.bytes, b = r.bytes;
    if (
      last && a!.buffer === b.buffer && r.offset + from === end &&
      b.byteOffset + from - a!.byteOffset === end - last.offset
    ) {
      out[out.length - 1] = {
        offset: last.offset,
        bytes: new Uint8Array(a!.buffer, a!.byteOffset, rEnd - last.offset),
      };
    } else out.push({ offset: r.offset + from, bytes: from ? b.subarray(from) : b });
    end = rEnd;
  }
  return out;
}

/** Adjacent pieces of a skeleton, stored and hashed as one range. */
export interface SkeletonRun {
  /** File offset of the first byte. */
  readonly offset: number;
  /** Bytes of all pieces. */
  readonly length: number;
  /** The pieces, in file order, each starting where the one before ends. */
  readonly pieces: readonly Uint8Array[];
}

/**
 * The runs of a skeleton (see {@link skeletonOf}): pieces that touch, grouped. The stored form and
 * the identity see one range per run, so a skeleton kept in pieces and the same skeleton merged
 * give the same bytes.
 */
export function skeletonRuns(skeleton: readonly StoredRange[]): SkeletonRun[] {
  const sorted = [...skeleton].sort((a, b) => a.offset - b.offset);
  const runs: { offset: number; length: number; pieces: Uint8Array[] }[] = [];
  for (const r of sorted) {
    const last = runs[runs.length - 1];
    if (last && last.offset + last.length === r.offset) {
      last.pieces.push(r.bytes);
      last.length += r.bytes.length;
    } else runs.push({ offset: r.offset, length: r.bytes.length, pieces: [r.bytes] });
  }
  return runs;
}

/**
 * The identity of a core of `size` bytes from its skeleton (the ranges its parser read, see
 * {@link skeletonOf}; merged ranges give the same identity) and its page hashes.
 */
export function coreIdentity(
  hasher: PageHasher,
  size: number,
  skeleton: readonly StoredRange[],
  segments: Rows<SegmentDigest>,
): bigint {
  const head = new Uint8Array(16);
  const v = new DataView(head.buffer);
  hasher.streamReset();
  v.setBigUint64(0, BigInt(size), true);
  hasher.streamUpdate(head.subarray(0, 8));
  for (const run of skeletonRuns(skeleton)) {
    v.setBigUint64(0, BigInt(run.offset), true);
    v.setBigUint64(8, BigInt(run.length), true);
    hasher.streamUpdate(head);
    for (const p of run.pieces) hasher.streamUpdate(p);
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
