/**
 * When another thread pays for digesting a core: a Worker costs an isolate (about 40 MB and 0.3 s
 * to start) plus work per segment (the digest, or the segments' shapes, cross between isolates),
 * and saves only hashing time, which grows with the bytes of the pages. A core of many small
 * segments (70,000 one-page mappings: 4 KiB each) loses on both counts, so the choice looks at the
 * bytes per program header, read from the ELF header alone.
 *
 * @module
 */

import {
  needsSectionZero,
  parseRawHeader,
  parseSectionZero,
  resolveHeader,
} from "../lib/elf/header.ts";
import { readAtSync } from "./files.ts";

/**
 * Average bytes per program header below which a core is digested on the calling thread, whatever
 * its size. Measured on a pair of 290 MB cores of 70,000 one-page segments (4 KiB each): a Worker
 * per core added about 5 µs of CPU per segment (0.35 s) and 130 MB of peak RSS per core, and saved
 * nothing. Hashing half the bytes on another CPU saves about `bytes / 6 GB/s`, which pays for 5 µs
 * per segment from about 30 KB per segment on; the threshold leaves a margin over that.
 */
export const WORKER_MIN_BYTES_PER_SEGMENT = 64 * 1024;

/**
 * The program header count of the ELF core at `path` (extended numbering resolved from section
 * header 0), or undefined when it is not a plain ELF file or cannot be read: then the caller keeps
 * its own rule.
 */
export function programHeaderCount(path: string): number | undefined {
  let file: Deno.FsFile | undefined;
  try {
    file = Deno.openSync(path, { read: true });
    const size = file.statSync().size;
    const head = readAt(file, 0, 64);
    const raw = parseRawHeader(head, size);
    if (!needsSectionZero(raw)) return raw.rawPhnum;
    const zero = parseSectionZero(readAt(file, raw.shoff, raw.shentsize), raw);
    return resolveHeader(raw, zero).phnum;
  } catch {
    return undefined;
  } finally {
    file?.close();
  }
}

function readAt(file: Deno.FsFile, offset: number, length: number): Uint8Array {
  const buf = new Uint8Array(length);
  return buf.subarray(0, readAtSync(file, offset, buf));
}

/**
 * True when a file of `size` bytes with `segments` program headers has enough bytes per segment
 * for a Worker to pay ({@link WORKER_MIN_BYTES_PER_SEGMENT}); an unknown count leaves the decision to
 * the size alone.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(workerPaysPerSegment(1 << 30, 40), true);
 * assert.equal(workerPaysPerSegment(291_090_496, 70_025), false);
 * assert.equal(workerPaysPerSegment(1 << 30, undefined), true);
 * ```
 */
export function workerPaysPerSegment(size: number, segments: number | undefined): boolean {
  return segments === undefined || size / Math.max(1, segments) >= WORKER_MIN_BYTES_PER_SEGMENT;
}
