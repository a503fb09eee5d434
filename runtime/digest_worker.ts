/**
 * A Worker that digests one file and posts back the digest itself (structured clone, its page
 * arrays transferred, not copied, its core to be parsed again from the skeleton: no encoding and
 * checksum as with the serialized form), so `diff` can hash its two inputs on two cores at once.
 *
 * Message in: `{ path, maxBytes?, tempDir?, split? }`. Message out: `{ ok: true, digest, pages }`
 * (the digest without its core and segments) or `{ ok: false, error: { name, message, code? } }`.
 *
 * @module
 */

/// <reference lib="deno.worker" />

import { InputError } from "../lib/errors.ts";
import { digestFile } from "./digest.ts";
import { packedBuffers, packSegments } from "../lib/digest/packed.ts";

self.onmessage = async (
  e: MessageEvent<{ path: string; maxBytes?: number; tempDir?: string; split?: "never" }>,
) => {
  const { path, ...options } = e.data;
  try {
    const digest = await digestFile(path, options);
    // Segments go as packed arrays, transferred, not copied; the parsed core is parsed again from
    // the skeleton there (a clone keeps no accessors, and the core's segments are accessors).
    const pages = packSegments(digest.segments);
    self.postMessage(
      { ok: true, digest: { ...digest, core: undefined, segments: [] }, pages },
      packedBuffers(pages),
    );
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
