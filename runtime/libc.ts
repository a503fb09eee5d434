/**
 * The few libc calls Deno does not offer, through FFI: positional reads (`pread`, one syscall and
 * no seek per read, straight into any buffer such as the WASM kernel's memory), `lseek` with
 * SEEK_DATA/SEEK_HOLE and the `FS_IOC_FIEMAP` ioctl (where a file holds data).
 *
 * Needs the FFI permission on Linux. Without it (or on another system, or when libc cannot be
 * loaded) {@link libc} returns `null` and callers use Deno's own file API, as before.
 *
 * @module
 */

import { type PositionalSource, readerSource } from "../lib/bytes/source.ts";

const symbols = {
  open: { parameters: ["buffer", "i32"], result: "i32" },
  close: { parameters: ["i32"], result: "i32" },
  lseek: { parameters: ["i32", "i64", "i32"], result: "i64" },
  pread: { parameters: ["i32", "buffer", "usize", "i64"], result: "isize" },
  ioctl: { parameters: ["i32", "u64", "buffer"], result: "i32" },
} as const;

/** The libc functions {@link libc} binds. */
export type Libc = Deno.DynamicLibrary<typeof symbols>["symbols"];

let lib: Deno.DynamicLibrary<typeof symbols> | null | undefined;

/** libc's `open`, `close`, `lseek`, `pread` and `ioctl`, or `null` (no FFI permission, not Linux). */
export function libc(): Libc | null {
  if (lib !== undefined) return lib?.symbols ?? null;
  lib = null;
  try {
    if (
      Deno.build.os === "linux" && Deno.permissions.querySync({ name: "ffi" }).state === "granted"
    ) {
      lib = Deno.dlopen("libc.so.6", symbols);
    }
  } catch {
    lib = null;
  }
  return lib?.symbols ?? null;
}

const O_RDONLY = 0;
const O_CLOEXEC = 0o2000000;

/** Opens `path` read-only through libc; returns the descriptor, or -1. */
export function openReadOnly(c: Libc, path: string): number {
  return c.open(new TextEncoder().encode(path + "\0"), O_RDONLY | O_CLOEXEC);
}

/**
 * Fills `target` from descriptor `fd` at `offset` with `pread` (retrying short reads); returns the
 * bytes read, fewer only at the end of the file. Throws on a read error.
 */
export function preadInto(c: Libc, fd: number, offset: number, target: Uint8Array): number {
  let n = 0;
  while (n < target.length) {
    const part = n === 0 ? target : target.subarray(n);
    const r = Number(c.pread(fd, part, BigInt(part.length), BigInt(offset + n)));
    if (r < 0) throw new Error(`read of ${part.length} bytes at byte ${offset + n} failed`);
    if (r === 0) break;
    n += r;
  }
  return n;
}

/**
 * A {@link PositionalSource} over libc descriptor `fd` of `size` bytes: each read is one `pread`
 * straight into the caller's buffer (no seek, no copy).
 */
export function preadSource(c: Libc, fd: number, size: number): PositionalSource {
  return readerSource(size, (offset, target) => preadInto(c, fd, offset, target));
}
