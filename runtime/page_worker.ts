/**
 * A Worker that reads and hashes a share of one file's pages (`PageShare`, see
 * `lib/digest/positional.ts`) into shared memory, so a large digest uses both cores. It reads with
 * `pread` on the caller's descriptor (descriptors are per process), so it sees the same file.
 * It loads only libc, the WASM kernel and the page loop, to start fast.
 *
 * Message in: `{ fd, size, share }`. Message out: `{ ok: true }` or `{ ok: false, message }`.
 *
 * @module
 */

/// <reference lib="deno.worker" />

import { hashLoads } from "../lib/digest/page_loop.ts";
import type { PageShare } from "../lib/digest/positional.ts";
import { createPageHasher } from "../wasm/mod.ts";
import { libc, preadSource } from "./libc.ts";

self.onmessage = (e: MessageEvent<{ fd: number; size: number; share: PageShare }>) => {
  const { fd, size, share } = e.data;
  try {
    const c = libc();
    if (!c) throw new Error("no FFI permission in the page worker");
    hashLoads(preadSource(c, fd, size), createPageHasher(), share.loads, share.extents, {
      out: share,
      from: share.from,
      holes: false,
    });
    self.postMessage({ ok: true });
  } catch (err) {
    self.postMessage({ ok: false, message: err instanceof Error ? err.message : String(err) });
  }
};
