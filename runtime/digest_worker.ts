/**
 * A Worker that digests one file and posts back the digest itself (structured clone, its page
 * arrays transferred, not copied: no encoding, checksum and re-parse as with the serialized form),
 * so `diff` can hash its two inputs on two cores at once.
 *
 * Message in: `{ path, maxBytes?, tempDir?, split? }`. Message out: `{ ok: true, digest: CoreDigest }`
 * or `{ ok: false, error: { name, message, code? } }`.
 *
 * @module
 */

/// <reference lib="deno.worker" />

import { InputError } from "../lib/errors.ts";
import { digestFile } from "./digest.ts";

self.onmessage = async (
  e: MessageEvent<{ path: string; maxBytes?: number; tempDir?: string; split?: "never" }>,
) => {
  const { path, ...options } = e.data;
  try {
    const digest = await digestFile(path, options);
    const buffers = new Set<ArrayBuffer>();
    for (const s of digest.segments) {
      for (const b of [s.hashes.buffer, s.zero.buffer]) {
        if (b instanceof ArrayBuffer) buffers.add(b);
      }
    }
    self.postMessage({ ok: true, digest }, [...buffers]);
  } catch (err) {
    const error = err instanceof Error
      ? {
        name: err.name,
        message: err.message,
        ...(err instanceof InputError ? { code: err.code } : {}),
      }
      : { name: "Error", message: String(err) };
    self.postMessage({ ok: false, error });
  }
};
