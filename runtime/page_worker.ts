/**
 * A Worker that shares the page hashing of plain files with the main thread: it claims windows of
 * their data (`PageWork`, see `lib/digest/page_share.ts`) until none is left, finds each window's
 * holes (FIEMAP) and reads its data with `pread` on the caller's descriptors (descriptors are per
 * process, so it sees the same files) straight into its own hasher's memory, and writes the pages'
 * hashes into shared memory. It loads only libc, the WASM kernel and the page loop, to start fast.
 *
 * Message in: `{ fds, sizes, work }` (descriptor and size of each core of `work`). Message out:
 * `{ ok: true }` or `{ ok: false, message }`.
 *
 * @module
 */

/// <reference lib="deno.worker" />

import { hashClaimed, type PageWork } from "../lib/digest/page_share.ts";
import { createPageHasher } from "../wasm/mod.ts";
import { extentSource } from "./holes.ts";
import { libc } from "./libc.ts";

self.onmessage = (e: MessageEvent<{ fds: number[]; sizes: number[]; work: PageWork }>) => {
  const { fds, sizes, work } = e.data;
  try {
    const c = libc();
    if (!c) throw new Error("no FFI permission in the page worker");
    const sources = fds.map((fd, i) => extentSource(c, fd, sizes[i]!));
    hashClaimed(sources, createPageHasher(), work, { fromEnd: true });
    self.postMessage({ ok: true });
  } catch (err) {
    self.postMessage({ ok: false, message: err instanceof Error ? err.message : String(err) });
  }
};
