/**
 * A Worker that digests one file and posts back the serialized digest (transferred, not copied), so
 * `diff` can hash its two inputs on two cores at once.
 *
 * Message in: `{ path, maxBytes?, tempDir? }`. Message out: `{ ok: true, digest: Uint8Array }` or
 * `{ ok: false, error: { name, message, code? } }`.
 *
 * @module
 */

/// <reference lib="deno.worker" />

import { encodeDigest } from "../lib/digest/codec.ts";
import { InputError } from "../lib/errors.ts";
import { digestFile } from "./digest.ts";

self.onmessage = async (e: MessageEvent<{ path: string; maxBytes?: number; tempDir?: string }>) => {
  const { path, ...options } = e.data;
  try {
    const bytes = encodeDigest(await digestFile(path, options));
    self.postMessage({ ok: true, digest: bytes }, [bytes.buffer as ArrayBuffer]);
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
