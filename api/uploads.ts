/**
 * Request bodies as streams, never buffered whole: a byte-counted reader that stops at the upload
 * limit, the request deadline, client disconnect or shutdown; a push-to-pull stream with one-chunk
 * backpressure (to feed a multipart part into the digester); a tap that copies bytes to a file on
 * their way through; and a bounded reader for small bodies (JSON, smaps).
 *
 * @module
 */

import { TooLargeError } from "../lib/bytes/streams.ts";
import { IdleTimer } from "./idle_timer.ts";
import { ProblemError } from "./problem.ts";

/** Where a body ends up when it stops early. */
function abortReason(signal: AbortSignal): unknown {
  return signal.reason instanceof Error ? signal.reason : new ProblemError(
    "timeout",
    "The request body was not received in time",
  );
}

/**
 * Reads `body` chunk by chunk, counting bytes against `maxBytes` and stopping with the signal's
 * reason when `signal` aborts. The returned stream pulls only when its consumer pulls, so a slow
 * consumer slows the client down (TCP backpressure) instead of filling memory.
 *
 * @param body the request body
 * @param maxBytes largest body accepted
 * @param signal aborts reading (deadline, shutdown)
 * @param onBytes called with each chunk's size
 * @param idleMs longest wait for the next chunk: past it the body stops with a 408 `timeout`
 * @returns the counted body
 */
export function countedBody(
  body: ReadableStream<Uint8Array>,
  maxBytes: number,
  signal: AbortSignal,
  onBytes: (n: number) => void = () => {},
  idleMs = Infinity,
): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let total = 0;
  let stopped: unknown;
  // Cancelling the reader ends a pending read at once. (Racing each read against a never-settling
  // abort promise would keep every chunk reachable from that promise: a leak of the whole body.)
  const onAbort = () => {
    stopped ??= abortReason(signal);
    reader.cancel(stopped).catch(() => {});
  };
  if (signal.aborted) onAbort();
  else signal.addEventListener("abort", onAbort, { once: true });
  // A client that stops sending is cut off after `idleMs`, however long the whole body may take.
  const idle = new IdleTimer(idleMs, () => {
    stopped ??= new ProblemError(
      "timeout",
      `No request body bytes arrived for ${Math.round(idleMs / 1000)} s`,
      { limit: idleMs },
      { connection: "close" },
    );
    reader.cancel(stopped).catch(() => {});
  });
  const release = (reason?: unknown) => {
    idle.stop();
    signal.removeEventListener("abort", onAbort);
    reader.cancel(reason).catch(() => {});
  };
  return new ReadableStream<Uint8Array>({
    async pull(ctl) {
      let r: ReadableStreamReadResult<Uint8Array>;
      idle.arm();
      try {
        r = await reader.read();
      } catch {
        release();
        ctl.error(
          stopped ??
            new ProblemError("client-closed", "The request body ended before it was complete"),
        );
        return;
      } finally {
        idle.disarm();
      }
      if (stopped !== undefined) {
        release();
        ctl.error(stopped);
        return;
      }
      if (r.done) {
        idle.stop();
        signal.removeEventListener("abort", onAbort);
        ctl.close();
        return;
      }
      total += r.value.length;
      onBytes(r.value.length);
      if (total > maxBytes) {
        const e = new TooLargeError("upload", maxBytes);
        release(e);
        ctl.error(e);
        return;
      }
      ctl.enqueue(r.value);
    },
    cancel(reason) {
      release(reason);
    },
  }, { highWaterMark: 0 });
}

/** A stream whose failure is reported aside, see {@link softEnd}. */
export interface SoftEnded {
  /** The bytes; ends normally even when the source failed. */
  readonly stream: ReadableStream<Uint8Array>;
  /** Why the source stopped early, if it did. */
  failure(): unknown;
  /** Aborted when the source fails (client gone, timeout): work on what already arrived stops. */
  readonly signal: AbortSignal;
}

/**
 * Bytes of the body read ahead of the digester, so that a client that hangs up is noticed while the
 * digester is still busy with what came before (a decompression bomb's first kilobytes).
 */
const READ_AHEAD = 1024 * 1024;

/**
 * Turns a failure of `source` into a normal end of stream, remembering the error. A consumer that
 * pipes through decompressors then always settles (it sees truncated input), and the caller
 * reports the real cause (413, 408, client gone) from {@link SoftEnded.failure}.
 *
 * @param source the stream that may fail
 * @returns the softened stream and its failure
 */
export function softEnd(source: ReadableStream<Uint8Array>): SoftEnded {
  const reader = source.getReader();
  let failure: unknown;
  const failed = new AbortController();
  // The consumer may cancel (a bad header seen in the first chunk) while a read is pending: the
  // read then settles into a closed stream, which is neither a failure nor a reason to throw.
  let cancelled = false;
  const stream = new ReadableStream<Uint8Array>({
    async pull(ctl) {
      let r: ReadableStreamReadResult<Uint8Array>;
      try {
        r = await reader.read();
      } catch (e) {
        if (cancelled) return;
        failure ??= e;
        failed.abort(e);
        ctl.close();
        return;
      }
      if (cancelled) return;
      if (r.done) ctl.close();
      else ctl.enqueue(r.value);
    },
    cancel: (reason) => {
      cancelled = true;
      return reader.cancel(reason);
    },
  }, new ByteLengthQueuingStrategy({ highWaterMark: READ_AHEAD }));
  return { stream, failure: () => failure, signal: failed.signal };
}

/**
 * A stream fed by `push()` whose promise settles when the consumer has taken the chunk, so the
 * producer (the multipart parser loop, which awaits every push before reading more of the request)
 * is held back by the consumer (the digester). When the consumer cancels, pushes resolve at once and
 * their chunks are dropped.
 */
export class PushStream {
  /** The consumer's side. */
  readonly readable: ReadableStream<Uint8Array>;
  #queue: { chunk: Uint8Array; done: () => void }[] = [];
  #puller: (() => void) | undefined;
  #ctl!: ReadableStreamDefaultController<Uint8Array>;
  #ending = false;
  #finished = false;
  #cancelled = false;

  /** Creates an empty stream. */
  constructor() {
    this.readable = new ReadableStream<Uint8Array>({
      start: (ctl) => {
        this.#ctl = ctl;
      },
      pull: () => {
        if (this.#deliver()) return;
        return new Promise<void>((resolve) => {
          this.#puller = () => {
            this.#puller = undefined;
            this.#deliver();
            resolve();
          };
        });
      },
      cancel: () => {
        this.#cancelled = true;
        this.#flushWaiters();
      },
    }, { highWaterMark: 0 });
  }

  #flushWaiters(): void {
    const q = this.#queue;
    this.#queue = [];
    for (const w of q) w.done();
  }

  /** Hands the next queued chunk to the consumer, or ends the stream; false when idle. */
  #deliver(): boolean {
    if (this.#finished) return true;
    const w = this.#queue.shift();
    if (w) {
      this.#ctl.enqueue(w.chunk);
      w.done();
      return true;
    }
    if (this.#ending) {
      this.#finished = true;
      try {
        this.#ctl.close();
      } catch { /* cancelled meanwhile */ }
      return true;
    }
    return false;
  }

  /** Whether the consumer cancelled (it failed or needs no more bytes). */
  get cancelled(): boolean {
    return this.#cancelled;
  }

  /**
   * Offers a chunk; resolves once the consumer took it (or cancelled).
   *
   * @param chunk bytes; the stream keeps a reference, so the caller must not reuse the buffer
   * @returns settles when the chunk is delivered
   */
  push(chunk: Uint8Array): Promise<void> {
    if (this.#cancelled || this.#ending) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.#queue.push({ chunk, done: resolve });
      this.#puller?.();
    });
  }

  /** Ends the stream after the chunks already pushed. */
  close(): void {
    if (this.#ending || this.#cancelled) return;
    this.#ending = true;
    this.#puller?.();
  }

  /**
   * Fails the stream (chunks not yet taken are dropped).
   *
   * @param reason the error the consumer sees
   */
  error(reason: unknown): void {
    if (this.#cancelled || this.#finished) return;
    this.#ending = true;
    this.#finished = true;
    this.#flushWaiters();
    try {
      this.#ctl.error(reason);
    } catch { /* already closed */ }
    this.#puller?.();
  }
}

/**
 * A pass-through that writes every chunk to `file` before passing it on (the raw core of a
 * `keep=true` upload). The file is closed when the stream ends or fails, a failed write included.
 *
 * @param file an open, writable file
 * @returns the transform
 */
export function tapToFile(file: Deno.FsFile): TransformStream<Uint8Array, Uint8Array> {
  let open = true;
  const close = () => {
    if (open) {
      open = false;
      file.close();
    }
  };
  return new TransformStream<Uint8Array, Uint8Array>(
    {
      async transform(chunk, ctl) {
        try {
          let at = 0;
          while (at < chunk.length) at += await file.write(chunk.subarray(at));
        } catch (e) {
          // A failed write (ENOSPC) errors the stream without calling flush or cancel: close here,
          // or the unlinked file stays open and keeps its blocks (the disk stays full).
          close();
          throw e;
        }
        ctl.enqueue(chunk);
      },
      flush: close,
      cancel: close,
    },
    { highWaterMark: 1 },
    { highWaterMark: 0 },
  );
}

export { readAtMost } from "../lib/bytes/streams.ts";

/** Collects text up to a byte limit, chunk by chunk (a multipart text part). */
export class TextCollector {
  #parts: Uint8Array[] = [];
  #size = 0;
  readonly #max: number;
  readonly #what: string;

  /**
   * Creates an empty collector.
   *
   * @param max largest size in bytes
   * @param what what is collected (for the error)
   */
  constructor(max: number, what: string) {
    this.#max = max;
    this.#what = what;
  }

  /**
   * Adds bytes; throws {@link TooLargeError} past the limit.
   *
   * @param chunk more bytes (copied)
   */
  add(chunk: Uint8Array): void {
    this.#size += chunk.length;
    if (this.#size > this.#max) throw new TooLargeError(this.#what, this.#max);
    this.#parts.push(chunk.slice());
  }

  /** The text so far, decoded as UTF-8 (invalid sequences replaced). */
  text(): string {
    const d = new TextDecoder();
    return this.#parts.map((p, i) => d.decode(p, { stream: i < this.#parts.length - 1 })).join("");
  }
}
