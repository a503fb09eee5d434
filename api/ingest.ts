/**
 * From request bytes to a stored digest: the upload stream is hashed as it arrives (`digestInput`,
 * which decompresses by magic and spills only when the core's layout needs it), the encoded digest
 * is stored under its SHA-256, and with `keep=true` the raw bytes are copied aside on the way and
 * adopted by storage. Every temporary file lives in a per-request directory that the caller removes.
 *
 * @module
 */

import type { Context } from "hono";
import { encodeDigest } from "../lib/digest/codec.ts";
import { minimalDigest } from "../lib/digest/minimal.ts";
import type { CoreDigest } from "../lib/digest/model.ts";
import { digestInput } from "../runtime/digest.ts";
import type { AppEnv, Services } from "./deps.ts";
import { echo, ProblemError } from "./problem.ts";
import { runWhileFlowing } from "./slots.ts";
import { countedBody, tapToFile } from "./uploads.ts";

/** A digest made from an upload, not yet stored. */
export interface Ingested {
  /** The digest. */
  readonly digest: CoreDigest;
  /** Path of the raw copy (with `keep`). */
  readonly rawPath: string | undefined;
  /** The form that is stored, encoded: minimal unless the raw core is kept. */
  readonly encoded: Uint8Array;
}

/** A digest that is stored. */
export interface StoredDigest {
  /** Content address of the encoded digest. */
  readonly id: string;
  /** The digest. */
  readonly digest: CoreDigest;
  /** Whether the raw core is kept. */
  readonly kept: boolean;
}

/**
 * Digests an upload stream.
 *
 * @param stream the (counted) bytes of a core, compressed core or digest
 * @param services limits
 * @param tempDir the request's temporary directory
 * @param rawName file name of the raw copy in `tempDir`, when the raw core is kept
 * @param signal stops the digest (the upload failed: client gone, timeout)
 * @returns the digest and where the raw copy is
 */
export async function ingest(
  stream: ReadableStream<Uint8Array>,
  services: Services,
  tempDir: string,
  rawName?: string,
  signal?: AbortSignal,
): Promise<Ingested> {
  let rawPath: string | undefined;
  if (rawName !== undefined) {
    rawPath = `${tempDir}/${rawName}`;
    const file = await Deno.open(rawPath, { write: true, createNew: true, mode: 0o600 });
    stream = stream.pipeThrough(tapToFile(file));
  }
  const digest = await runWhileFlowing(
    services.digestSlots,
    stream,
    services.limits.slotIdleMs,
    (gated) =>
      digestInput(gated, {
        maxBytes: services.limits.maxCoreBytes,
        tempDir,
        ...(signal ? { signal } : {}),
      }),
  );
  // Without the raw core, store only what the diff needs: no register contents, no bytes after the
  // core's end (their length and hash only). Encoded now, while this digest is the newest thing
  // live, so the minimal form's parse is garbage before the next upload; storing only writes.
  const encoded = encodeDigest(rawPath !== undefined ? digest : await minimalDigest(digest));
  return { digest, rawPath, encoded };
}

/**
 * Stores a digest (and adopts its raw copy).
 *
 * @param services storage
 * @param ingested what {@link ingest} returned
 * @returns the stored digest
 */
export async function storeDigest(services: Services, ingested: Ingested): Promise<StoredDigest> {
  // The digest and its raw core are stored in one step: both or neither.
  const entry = await services.storage.put(
    "digest",
    ingested.encoded,
    ingested.rawPath !== undefined ? { corePath: ingested.rawPath } : {},
  );
  return { id: entry.id, digest: ingested.digest, kept: ingested.rawPath !== undefined };
}

/**
 * Runs `work` with a fresh temporary directory that is removed afterwards, whatever happens.
 *
 * @param services storage (which makes the directory)
 * @param work what to do
 * @returns what `work` returned
 */
export async function withTempDir<T>(
  services: Services,
  work: (dir: string) => Promise<T>,
): Promise<T> {
  const dir = await services.storage.tempDir();
  try {
    return await work(dir);
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/**
 * The request body as a counted stream: refuses a declared size above the limit at once (413
 * before any byte is read), stops at the limit when the size is not declared, and stops at the
 * request deadline.
 *
 * @param c the request context
 * @param services limits
 * @returns the body stream
 */
export function requestBody(c: Context<AppEnv>, services: Services): ReadableStream<Uint8Array> {
  const max = services.limits.maxUploadBytes;
  const declared = c.req.header("content-length");
  if (declared !== undefined && Number(declared) > max) {
    // The body is not read: the connection closes, as the header says.
    throw new ProblemError("too-large", `The upload is larger than the limit of ${max} bytes`, {
      limit: max,
      what: "upload",
    }, { connection: "close" });
  }
  const body = c.req.raw.body ?? ReadableStream.from<Uint8Array>([]);
  return countedBody(
    body,
    max,
    c.get("deadline"),
    (n) => c.set("bytesIn", c.get("bytesIn") + n),
    services.limits.idleTimeoutMs,
  );
}

/**
 * Parses a boolean query or form value (`true`/`false`, `1`/`0`, `on`/`off`, `yes`/`no`).
 *
 * @param name the parameter (for the error)
 * @param v its value
 * @param fallback when absent
 * @returns the boolean
 */
export function booleanParam(name: string, v: string | undefined, fallback: boolean): boolean {
  // Absent is the default; present but empty (`?keep=`) is a mistake, not a choice.
  if (v === undefined) return fallback;
  const s = v.trim().toLowerCase();
  if (["true", "1", "on", "yes"].includes(s)) return true;
  if (["false", "0", "off", "no"].includes(s)) return false;
  throw new ProblemError("option", `${name} must be true or false (got ${echo(v)})`, {
    field: name,
  });
}
