/**
 * A Worker that shares one large file's work with the main thread: first it finds the data extents
 * of the second half of the file while the main thread finds those of the first, then it reads and
 * hashes its share of the pages (`PageShare`, see `lib/digest/positional.ts`) into shared memory.
 * It reads with `pread` on the caller's descriptor (descriptors are per process), so it sees the
 * same file, and loads only libc, the WASM kernel and the page loop, to start fast.
 *
 * Messages in: `{ kind: "extents", fd, size, from, to }`, then `{ kind: "share", fd, size, share }`.
 * Messages out: `{ kind: "extents", extents? }` (absent: not found), then
 * `{ kind: "done", ok: true }` or `{ kind: "done", ok: false, message }`.
 *
 * @module
 */

/// <reference lib="deno.worker" />

import { hashLoads } from "../lib/digest/page_loop.ts";
import type { PageShare } from "../lib/digest/positional.ts";
import { createPageHasher } from "../wasm/mod.ts";
import { dataExtentsOf } from "./holes.ts";
import { libc, preadSource } from "./libc.ts";

type Message =
  | { kind: "extents"; fd: number; size: number; from: number; to: number }
  | { kind: "share"; fd: number; size: number; share: PageShare };

self.onmessage = (e: MessageEvent<Message>) => {
  const m = e.data;
  if (m.kind === "extents") {
    let extents;
    try {
      const c = libc();
      extents = c ? dataExtentsOf(c, m.fd, m.size, "fiemap", [m.from, m.to]) : undefined;
    } catch {
      extents = undefined;
    }
    self.postMessage(extents ? { kind: "extents", extents } : { kind: "extents" });
    return;
  }
  try {
    const c = libc();
    if (!c) throw new Error("no FFI permission in the page worker");
    hashLoads(preadSource(c, m.fd, m.size), createPageHasher(), m.share.loads, m.share.extents, {
      out: m.share,
      from: m.share.from,
      holes: false,
    });
    self.postMessage({ kind: "done", ok: true });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    self.postMessage({ kind: "done", ok: false, message });
  }
};
