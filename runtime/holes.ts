/**
 * Where a local file holds data: `lseek(SEEK_DATA)` / `lseek(SEEK_HOLE)` through libc (Deno's
 * `seek` knows only Start/Current/End). A core the kernel wrote skips pages nobody touched, leaving
 * holes; knowing them, the digest neither reads nor hashes them.
 *
 * Needs the FFI permission on Linux; without it (or on another system, or when libc cannot be
 * loaded) {@link dataExtents} returns `undefined` and the whole file is read, as before.
 *
 * @module
 */

import type { DataExtents } from "../lib/bytes/source.ts";

const SEEK_DATA = 3;
const SEEK_HOLE = 4;
const O_RDONLY = 0;
/** Most extents listed; a file more fragmented than this is read whole. */
const MAX_EXTENTS = 1 << 22;

const symbols = {
  open: { parameters: ["buffer", "i32"], result: "i32" },
  lseek: { parameters: ["i32", "i64", "i32"], result: "i64" },
  close: { parameters: ["i32"], result: "i32" },
} as const;

let libc: Deno.DynamicLibrary<typeof symbols> | null | undefined;

function loadLibc(): Deno.DynamicLibrary<typeof symbols> | null {
  if (libc !== undefined) return libc;
  libc = null;
  try {
    if (
      Deno.build.os === "linux" && Deno.permissions.querySync({ name: "ffi" }).state === "granted"
    ) {
      libc = Deno.dlopen("libc.so.6", symbols);
    }
  } catch {
    libc = null;
  }
  return libc;
}

/**
 * The data extents of the file at `path` (`size` bytes), or `undefined` when they cannot be found
 * (no FFI permission, not Linux, too fragmented). A file system without hole support reports one
 * extent covering the whole file.
 */
export function dataExtents(path: string, size: number): DataExtents | undefined {
  const lib = loadLibc();
  if (!lib) return undefined;
  const fd = lib.symbols.open(new TextEncoder().encode(path + "\0"), O_RDONLY);
  if (fd < 0) return undefined;
  try {
    let starts = new Float64Array(64);
    let ends = new Float64Array(64);
    let n = 0;
    let pos = 0;
    while (pos < size) {
      const d = Number(lib.symbols.lseek(fd, BigInt(pos), SEEK_DATA));
      if (d < 0) break; // ENXIO: only holes from pos to the end
      const h = Number(lib.symbols.lseek(fd, BigInt(d), SEEK_HOLE));
      if (h <= d) return undefined;
      if (n === starts.length) {
        if (n >= MAX_EXTENTS) return undefined;
        const s2 = new Float64Array(n * 2);
        s2.set(starts);
        starts = s2;
        const e2 = new Float64Array(n * 2);
        e2.set(ends);
        ends = e2;
      }
      starts[n] = d;
      ends[n] = Math.min(h, size);
      n++;
      pos = h;
    }
    return { starts: starts.slice(0, n), ends: ends.slice(0, n) };
  } finally {
    lib.symbols.close(fd);
  }
}
