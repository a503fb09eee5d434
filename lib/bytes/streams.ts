/**
 * Our small Web Streams helpers (JSR's @std/streams is unreachable here): byte limits, compression
 * detection and decompression transforms. Pure transforms, no I/O.
 *
 * @module
 */

import type { Duplex } from "node:stream";
import { InputError } from "../errors.ts";
import { zstdFrames } from "./zstd_frames.ts";

/** Thrown when a stream passes its byte limit (HTTP 413 at the API). */
export class TooLargeError extends InputError {
  /** The limit in bytes. */
  readonly limit: number;
  /** What was being counted (`upload`, `decompressed core`). */
  readonly what: string;

  /**
   * Creates the error.
   *
   * @param what what was being counted
   * @param limit the limit in bytes
   */
  constructor(what: string, limit: number) {
    super("too-large", `The ${what} is larger than the limit of ${limit} bytes`);
    this.what = what;
    this.limit = limit;
  }
}

/**
 * A pass-through that errors with {@link TooLargeError} once more than `max` bytes went through.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const out = ReadableStream.from([new Uint8Array(3), new Uint8Array(3)]).pipeThrough(byteLimit(4, "upload"));
 * await assert.rejects(new Response(out).arrayBuffer(), /larger than the limit of 4 bytes/);
 * ```
 */
export function byteLimit(max: number, what: string): TransformStream<Uint8Array, Uint8Array> {
  let n = 0;
  return new TransformStream({
    transform(chunk, ctl) {
      n += chunk.length;
      if (n > max) ctl.error(new TooLargeError(what, max));
      else ctl.enqueue(chunk);
    },
  });
}

/** Compression formats recognised by magic bytes. */
export type Compression = "none" | "gzip" | "zstd" | "xz";

/** Detects the compression of a stream from its first bytes (at least 6 for xz). */
export function detectCompression(head: Uint8Array): Compression {
  const b = (i: number) => head[i] ?? -1;
  if (b(0) === 0x1f && b(1) === 0x8b) return "gzip";
  if (b(0) === 0x28 && b(1) === 0xb5 && b(2) === 0x2f && b(3) === 0xfd) return "zstd";
  if (
    b(0) === 0xfd && b(1) === 0x37 && b(2) === 0x7a && b(3) === 0x58 && b(4) === 0x5a && b(5) === 0
  ) {
    return "xz";
  }
  return "none";
}

/** Thrown when compressed input is corrupt. */
export class DecompressionError extends InputError {
  /**
   * Creates the error.
   *
   * @param format the compression format
   * @param detail what the decompressor said
   */
  constructor(format: Compression, detail: string) {
    super("decompression", `Cannot decompress the ${format} input: ${detail}`);
  }
}

/**
 * Adapts a Node zlib transform to Web Streams with real backpressure: zlib is paused while the
 * consumer is not pulling, so its input buffer fills and writes wait (a bomb cannot balloon memory).
 */
function nodeTransform(t: Duplex, format: Compression): TransformStream<Uint8Array, Uint8Array> {
  let failed: Error | undefined;
  const fail = (e: unknown) => {
    failed ??= e instanceof DecompressionError
      ? e
      : new DecompressionError(format, e instanceof Error ? e.message : String(e));
    return failed;
  };
  let out: ReadableStreamDefaultController<Uint8Array> | undefined;
  let ended = false;
  const stop = (e: unknown) => {
    try {
      out?.error(fail(e));
    } catch { /* already errored or closed */ }
  };
  const readable = new ReadableStream<Uint8Array>({
    start(ctl) {
      out = ctl;
      t.pause();
      t.on("data", (c: Uint8Array) => {
        try {
          ctl.enqueue(new Uint8Array(c.buffer, c.byteOffset, c.byteLength));
          if ((ctl.desiredSize ?? 0) <= 0) t.pause();
        } catch { /* the consumer is gone */ }
      });
      t.on("end", () => {
        ended = true;
        try {
          ctl.close();
        } catch { /* already closed or errored */ }
      });
      t.on("error", stop);
      // Destroyed without an end (input aborted): the output must not wait forever.
      t.on("close", () => {
        if (!ended) stop("the input ended before the compressed stream did");
      });
    },
    pull() {
      t.resume();
    },
    cancel() {
      t.destroy();
    },
  }, { highWaterMark: 4 });
  const writable = new WritableStream<Uint8Array>({
    write(chunk) {
      return new Promise<void>((resolve, reject) => {
        if (failed) return reject(failed);
        if (t.destroyed) return reject(fail("the decompressor was closed"));
        const onError = (e: unknown) => reject(fail(e));
        t.once("error", onError);
        const done = () => {
          t.off("error", onError);
          resolve();
        };
        if (t.write(chunk)) done();
        else t.once("drain", done);
      });
    },
    close() {
      return new Promise<void>((resolve) => t.end(resolve));
    },
    abort(reason) {
      stop(reason ?? "the input was aborted");
      t.destroy();
    },
  });
  return { writable, readable } as TransformStream<Uint8Array, Uint8Array>;
}

/** Re-raises every failure of `inner` as a {@link DecompressionError} (a 422, not a 500). */
function asDecompressionErrors(
  inner: ReadableStream<Uint8Array>,
  format: Compression,
): ReadableStream<Uint8Array> {
  const reader = inner.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(ctl) {
      try {
        const r = await reader.read();
        if (r.done) ctl.close();
        else ctl.enqueue(r.value);
      } catch (e) {
        ctl.error(
          e instanceof InputError
            ? e
            : new DecompressionError(format, e instanceof Error ? e.message : String(e)),
        );
      }
    },
    cancel: (reason) => reader.cancel(reason),
  }, { highWaterMark: 0 });
}

/** A decompression transform for `format` (`none` passes bytes through). */
export async function decompressor(
  format: Compression,
): Promise<TransformStream<Uint8Array, Uint8Array>> {
  // node:zlib loads on first use: the Node compatibility layer costs every command ~20 ms to load.
  switch (format) {
    case "gzip": {
      const { createGunzip } = await import("node:zlib");
      return nodeTransform(createGunzip({ chunkSize: 256 * 1024 }), format);
    }
    case "zstd": {
      const { createZstdDecompress } = await import("node:zlib");
      // Node's zstd decoder ends quietly on a cut stream: walk the frames to see it end whole.
      const check = zstdFrames();
      const inflate = nodeTransform(createZstdDecompress({ chunkSize: 256 * 1024 }), format);
      check.readable.pipeTo(inflate.writable).catch(() => {});
      return { writable: check.writable, readable: inflate.readable } as TransformStream<
        Uint8Array,
        Uint8Array
      >;
    }
    case "xz": {
      const { default: xz } = await import("xz-decompress");
      const ts = new TransformStream<Uint8Array, Uint8Array>();
      const inner = new xz.XzReadableStream(ts.readable) as ReadableStream<Uint8Array>;
      return {
        writable: ts.writable,
        readable: asDecompressionErrors(inner, "xz"),
      } as TransformStream<
        Uint8Array,
        Uint8Array
      >;
    }
    default:
      return new TransformStream();
  }
}

/**
 * Peeks at the first bytes of a stream, detects compression and returns the decompressed stream
 * (limited to `maxBytes` decompressed bytes, which stops decompression bombs).
 */
export async function decompressed(
  input: ReadableStream<Uint8Array>,
  maxBytes: number,
): Promise<{ format: Compression; stream: ReadableStream<Uint8Array> }> {
  const { head, stream: replay } = await peek(input, 6);
  const format = detectCompression(head);
  const stream = format === "none" ? replay : replay.pipeThrough(await decompressor(format));
  return { format, stream: stream.pipeThrough(byteLimit(maxBytes, "decompressed core")) };
}

/**
 * Reads at least `min` bytes from the start of a stream (fewer only if it ends) and returns them
 * with a stream that replays them followed by the rest, unbuffered.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const { head, stream } = await peek(ReadableStream.from([new Uint8Array([1, 2]), new Uint8Array([3])]), 3);
 * assert.deepEqual(head, new Uint8Array([1, 2, 3]));
 * assert.deepEqual(await readAtMost(stream, 10, "test"), new Uint8Array([1, 2, 3]));
 * ```
 */
export async function peek(
  input: ReadableStream<Uint8Array>,
  min: number,
): Promise<{ head: Uint8Array; stream: ReadableStream<Uint8Array> }> {
  const reader = input.getReader();
  const parts: Uint8Array[] = [];
  let have = 0;
  let done = false;
  while (have < min && !done) {
    const r = await reader.read();
    if (r.done) done = true;
    else {
      parts.push(r.value);
      have += r.value.length;
    }
  }
  const head = concat(parts);
  const stream = new ReadableStream<Uint8Array>({
    start(ctl) {
      if (head.length > 0) ctl.enqueue(head);
      if (done) ctl.close();
    },
    async pull(ctl) {
      const r = await reader.read();
      if (r.done) ctl.close();
      else ctl.enqueue(r.value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
  return { head, stream };
}

/**
 * Reads a small stream whole, failing with {@link TooLargeError} past `max` bytes.
 *
 * @param stream the bytes
 * @param max largest size accepted
 * @param what what is read (for the error)
 * @returns the bytes
 */
export async function readAtMost(
  stream: ReadableStream<Uint8Array>,
  max: number,
  what: string,
): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const c of stream) {
    size += c.length;
    if (size > max) throw new TooLargeError(what, max);
    parts.push(c);
  }
  return concat(parts);
}

/** Concatenates byte arrays. */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
