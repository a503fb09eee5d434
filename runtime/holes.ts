/**
 * Where a local file holds data. A core the kernel wrote skips pages nobody touched, leaving holes;
 * knowing them, the digest neither reads nor hashes them.
 *
 * The extents come from the `FS_IOC_FIEMAP` ioctl, a few thousand per call (a 1 GiB kernel core
 * has about 33,000: two `lseek` calls each cost 60 ms there, the ioctls under 10 ms). Where FIEMAP
 * is not supported (tmpfs, some network file systems) or reports an unwritten (preallocated)
 * extent, whose bytes may or may not count as data, `lseek(SEEK_DATA/SEEK_HOLE)` decides, as
 * before. For files without unwritten extents both give the same extents (the same iomap report on
 * ext4, XFS and btrfs), so digests do not depend on which was used.
 *
 * Needs the FFI permission on Linux (see `libc.ts`); without it {@link dataExtents} returns
 * `undefined` and the whole file is read.
 *
 * @module
 */

import type { DataExtents, PositionalSource } from "../lib/bytes/source.ts";
import { type Libc, libc, openReadOnly, preadSource } from "./libc.ts";

const SEEK_DATA = 3;
const SEEK_HOLE = 4;
/** Most extents listed; a file more fragmented than this is read whole. */
const MAX_EXTENTS = 1 << 22;

/** `_IOWR('f', 11, struct fiemap)`. */
const FS_IOC_FIEMAP_REQUEST = 0xc020660bn;
const FIEMAP_HEADER = 32;
const FIEMAP_EXTENT = 56;
/** Extents asked for per ioctl. */
const FIEMAP_BATCH = 4096;
const FIEMAP_EXTENT_LAST = 0x1;
const FIEMAP_EXTENT_UNWRITTEN = 0x800;

/** The FIEMAP request and reply buffer of this thread. */
let fiemap: Uint8Array | undefined;

/** Growable start/end lists that join an extent to the previous one when they touch. */
class ExtentList {
  starts = new Float64Array(64);
  ends = new Float64Array(64);
  n = 0;

  /** Appends `[start, end)`; returns false past {@link MAX_EXTENTS}. */
  add(start: number, end: number): boolean {
    if (this.n > 0 && this.ends[this.n - 1]! >= start) {
      this.ends[this.n - 1] = Math.max(this.ends[this.n - 1]!, end);
      return true;
    }
    if (this.n === this.starts.length) {
      if (this.n >= MAX_EXTENTS) return false;
      const s2 = new Float64Array(this.n * 2);
      s2.set(this.starts);
      this.starts = s2;
      const e2 = new Float64Array(this.n * 2);
      e2.set(this.ends);
      this.ends = e2;
    }
    this.starts[this.n] = start;
    this.ends[this.n] = end;
    this.n++;
    return true;
  }

  result(): DataExtents {
    return { starts: this.starts.slice(0, this.n), ends: this.ends.slice(0, this.n) };
  }
}

/** A little-endian u64 as a number (exact below 2^53, which every file offset here is). */
function u64(v: DataView, at: number): number {
  return v.getUint32(at + 4, true) * 0x1_0000_0000 + v.getUint32(at, true);
}

/**
 * Extents in `[from, to)` by FIEMAP, or `undefined` when it is unsupported or reports an unwritten
 * extent.
 */
function fiemapExtents(c: Libc, fd: number, from: number, to: number): DataExtents | undefined {
  // One buffer per thread, reused: a window of pages asks for its own extents, hundreds of times.
  fiemap ??= new Uint8Array(FIEMAP_HEADER + FIEMAP_EXTENT * FIEMAP_BATCH);
  const buf = fiemap;
  const v = new DataView(buf.buffer);
  const list = new ExtentList();
  let pos = from;
  while (pos < to) {
    buf.fill(0, 0, FIEMAP_HEADER);
    v.setBigUint64(0, BigInt(pos), true); // fm_start
    v.setBigUint64(8, BigInt(to - pos), true); // fm_length
    v.setUint32(24, FIEMAP_BATCH, true); // fm_extent_count
    if (c.ioctl(fd, FS_IOC_FIEMAP_REQUEST, buf) !== 0) return undefined;
    const mapped = v.getUint32(20, true);
    if (mapped === 0) break; // only holes from pos to the end
    let last = false;
    for (let i = 0; i < mapped; i++) {
      const at = FIEMAP_HEADER + i * FIEMAP_EXTENT;
      const flags = v.getUint32(at + 40, true);
      if (flags & FIEMAP_EXTENT_UNWRITTEN) return undefined;
      const logical = u64(v, at);
      const start = Math.max(pos, logical);
      const end = Math.min(to, logical + u64(v, at + 16));
      if (end > start && !list.add(start, end)) return undefined;
      if (flags & FIEMAP_EXTENT_LAST) last = true;
      pos = Math.max(pos, end);
    }
    if (last) break;
  }
  return list.result();
}

/** Extents in `[from, to)` by `lseek(SEEK_DATA)` and `lseek(SEEK_HOLE)`, two calls per extent. */
function seekExtents(c: Libc, fd: number, from: number, to: number): DataExtents | undefined {
  // Inside the file SEEK_HOLE always finds a hole or the end: failing, it is not supported (or the
  // descriptor is bad), and a failed SEEK_DATA below would wrongly read as "no more data".
  if (from < to && Number(c.lseek(fd, BigInt(from), SEEK_HOLE)) < 0) return undefined;
  const list = new ExtentList();
  let pos = from;
  while (pos < to) {
    const d = Number(c.lseek(fd, BigInt(pos), SEEK_DATA));
    if (d < 0 || d >= to) break; // ENXIO: only holes from pos to the end
    const h = Number(c.lseek(fd, BigInt(d), SEEK_HOLE));
    if (h <= d) return undefined;
    if (!list.add(d, Math.min(h, to))) return undefined;
    pos = h;
  }
  return list.result();
}

/**
 * The data extents of the open file `fd` (`size` bytes), or `undefined` when they cannot be found.
 * A file system without hole support reports one extent covering the whole file.
 *
 * @param method `"fiemap"` (default: FIEMAP, else lseek) or `"seek"` (lseek only, for tests)
 * @param range only the extents within `[from, to)` (default: the whole file), cut at its ends
 */
export function dataExtentsOf(
  c: Libc,
  fd: number,
  size: number,
  method: "fiemap" | "seek" = "fiemap",
  range: readonly [number, number] = [0, size],
): DataExtents | undefined {
  const [from, to] = [Math.max(0, range[0]), Math.min(size, range[1])];
  return (method === "fiemap" ? fiemapExtents(c, fd, from, to) : undefined) ??
    seekExtents(c, fd, from, to);
}

/**
 * The data extents of the file at `path` (`size` bytes), or `undefined` when they cannot be found
 * (no FFI permission, not Linux, too fragmented). A file system without hole support reports one
 * extent covering the whole file.
 */
export function dataExtents(
  path: string,
  size: number,
  method: "fiemap" | "seek" = "fiemap",
): DataExtents | undefined {
  const c = libc();
  if (!c) return undefined;
  const fd = openReadOnly(c, path);
  if (fd < 0) return undefined;
  try {
    return dataExtentsOf(c, fd, size, method);
  } finally {
    c.close(fd);
  }
}

/**
 * A {@link PositionalSource} over libc descriptor `fd` of `size` bytes (`pread` straight into the
 * caller's buffer) that also tells where it holds data in a range ({@link dataExtentsOf}), so each
 * window of pages finds its own holes.
 */
export function extentSource(c: Libc, fd: number, size: number): PositionalSource {
  const src = preadSource(c, fd, size);
  src.dataExtents = (from, to) => dataExtentsOf(c, fd, size, "fiemap", [from, to]);
  return src;
}
