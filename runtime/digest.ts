/**
 * Digesting files and streams on this machine: decompression, the WASM page hasher and a temp-file
 * spill wired together, plus reading a serialized digest wherever a core is accepted.
 *
 * @module
 */

import {
  decompressed,
  detectCompression,
  peek,
  readAtMost,
  TooLargeError,
} from "../lib/bytes/streams.ts";
import { inputGuard } from "../lib/digest/input_guard.ts";
import { decodeDigest, DIGEST_MAGIC, isDigest } from "../lib/digest/codec.ts";
import { digestStream } from "../lib/digest/digest.ts";
import { digestPositional } from "../lib/digest/positional.ts";
import type { CoreDigest } from "../lib/digest/model.ts";
import { InputError } from "../lib/errors.ts";
import { createPageHasher } from "../wasm/mod.ts";
import { MAX_DECOMPRESSED, positionalFile } from "./files.ts";
import { dataExtents } from "./holes.ts";
import { tempFileSpill } from "./spill.ts";
import { programHeaderCount, workerPaysPerSegment } from "./worker_rule.ts";

/** Largest serialized digest read (a 64 GiB core gives about 130 MiB). */
export const MAX_DIGEST_BYTES = 512 * 1024 * 1024;

/** Options for {@link digestInput}. */
export interface DigestInputOptions {
  /** Largest decompressed core accepted. */
  readonly maxBytes?: number;
  /** Directory for spill files. */
  readonly tempDir?: string;
  /** Stops the work (the client hung up, shutdown). */
  readonly signal?: AbortSignal;
}

/** Options of {@link fileChunks}. */
export interface FileChunkOptions {
  /** Error with {@link TooLargeError} past this many bytes (default {@link MAX_DECOMPRESSED}). */
  readonly maxBytes?: number;
  /** Bytes per chunk (default 256 KiB). */
  readonly chunk?: number;
  /**
   * Reuse two buffers in turn instead of allocating one per chunk. Only for a consumer that hashes
   * or copies every chunk before asking for the next, as `digestStream` does (it copies the prefix
   * chunks it keeps); a decompressor may hold on to its input, so compressed input does not reuse.
   */
  readonly reuse?: boolean;
}

/**
 * A stream of a file's bytes, read synchronously (async reads with read-ahead measured slower).
 * Reusing buffers avoids allocating, page-faulting and collecting one per chunk, which cost about as
 * much as hashing; 256 KiB chunks stay in the CPU cache between the read and the two hashes. The
 * file is closed at the end, on error or on cancel.
 */
export function fileChunks(
  file: Deno.FsFile,
  options: FileChunkOptions = {},
): ReadableStream<Uint8Array> {
  const { maxBytes = MAX_DECOMPRESSED, chunk = 256 * 1024, reuse = false } = options;
  const buffers = reuse ? [new Uint8Array(chunk), new Uint8Array(chunk)] : [];
  let turn = 0;
  let total = 0;
  return new ReadableStream({
    pull(ctl) {
      const buf = reuse ? buffers[turn ^= 1]! : new Uint8Array(chunk);
      let n = 0;
      while (n < buf.length) {
        const r = file.readSync(buf.subarray(n));
        if (r === null) break;
        n += r;
      }
      total += n;
      if (total > maxBytes) {
        file.close();
        ctl.error(new TooLargeError("decompressed core", maxBytes));
        return;
      }
      if (n > 0) ctl.enqueue(n === buf.length ? buf : buf.subarray(0, n));
      if (n < buf.length) {
        ctl.close();
        file.close();
      }
    },
    cancel() {
      file.close();
    },
  }, { highWaterMark: 0 });
}

/**
 * Digests a stream that holds a core (plain or compressed) or a serialized digest.
 */
export async function digestInput(
  stream: ReadableStream<Uint8Array>,
  options: DigestInputOptions = {},
): Promise<CoreDigest> {
  const { format, stream: inflated } = await decompressed(
    stream,
    options.maxBytes ?? MAX_DECOMPRESSED,
  );
  // Yield to the event loop, stop on hang-up, stop a core that runs far past its declared end.
  const plain = inflated.pipeThrough(
    inputGuard(options.signal ? { signal: options.signal } : {}),
  );
  const { head, stream: replay } = await peek(plain, DIGEST_MAGIC.length);
  if (isDigest(head)) {
    return await decodeDigest(await readAtMost(replay, MAX_DIGEST_BYTES, "digest"));
  }
  return await digestStream(replay, createPageHasher(), {
    spill: tempFileSpill(options.tempDir),
    compression: format,
  });
}

/** Digests a file holding a core (plain or compressed) or a serialized digest. */
export async function digestFile(
  path: string,
  options: DigestInputOptions = {},
): Promise<CoreDigest> {
  const file = await Deno.open(path, { read: true });
  let head: Uint8Array;
  try {
    head = new Uint8Array(8);
    let n = 0;
    while (n < head.length) {
      const r = file.readSync(head.subarray(n));
      if (r === null) break;
      n += r;
    }
    head = head.subarray(0, n);
    file.seekSync(0, Deno.SeekMode.Start);
  } catch (e) {
    file.close();
    throw e;
  }
  if (detectCompression(head) !== "none" || isDigest(head)) {
    return await digestInput(fileChunks(file, { chunk: 1 << 20 }), options);
  }
  // A plain core is read by position: the parser reads its tables where they are (no spill, whatever
  // the layout), page bytes go straight into the hasher's memory, and holes are skipped.
  try {
    const size = (await file.stat()).size;
    const max = options.maxBytes ?? MAX_DECOMPRESSED;
    if (size > max) throw new TooLargeError("decompressed core", max);
    return await digestPositional(
      positionalFile(file, size),
      createPageHasher(),
      { spilled: false, compression: "none" },
      dataExtents(path, size),
    );
  } finally {
    file.close();
  }
}

/** An input error reported by a digest Worker, re-raised in the caller with the same message. */
export class WorkerInputError extends InputError {}

/**
 * Files smaller than this are digested one after the other on the calling thread: a Worker costs
 * about 0.3 s to start plus encoding and decoding its digest (per segment), which only hashing a
 * larger file pays back (bench: a 1 GiB pair gains 0.25 s with Workers; a 290 MB pair of
 * 70,000-segment cores loses about 1.5 s).
 */
export const WORKER_MIN_BYTES = 512 * 1024 * 1024;

/**
 * Digests several files: when the smallest is at least {@link WORKER_MIN_BYTES} and each has
 * enough bytes per segment (`worker_rule.ts`), at once, one
 * Worker per file (each with its own WASM instance), decoding the results; otherwise in turn on
 * this thread. Errors keep their message; input errors stay input errors.
 */
export async function digestFiles(
  paths: readonly string[],
  options: DigestInputOptions = {},
): Promise<CoreDigest[]> {
  const sizes = await Promise.all(paths.map((p) => Deno.stat(p).then((s) => s.size, () => 0)));
  if (
    paths.length < 2 || Math.min(...sizes) < WORKER_MIN_BYTES ||
    // Many small segments: the Workers' isolates and per-segment digests cost more than they save.
    !paths.every((p, i) => workerPaysPerSegment(sizes[i]!, programHeaderCount(p)))
  ) {
    const out: CoreDigest[] = [];
    for (const path of paths) out.push(await digestFile(path, options));
    return out;
  }
  const one = (path: string) =>
    new Promise<CoreDigest>((resolve, reject) => {
      const worker = new Worker(new URL("./digest_worker.ts", import.meta.url), { type: "module" });
      worker.onmessage = (
        e: MessageEvent<
          {
            ok: boolean;
            digest?: Uint8Array;
            error?: { name: string; message: string; code?: string };
          }
        >,
      ) => {
        worker.terminate();
        const m = e.data;
        if (m.ok && m.digest) resolve(decodeDigest(m.digest));
        else if (m.error?.code) reject(new WorkerInputError(m.error.code, m.error.message));
        else if (m.error?.name === "NotFound") reject(new Deno.errors.NotFound(m.error.message));
        else reject(new Error(m.error?.message ?? "digest worker failed"));
      };
      worker.onerror = (e) => {
        e.preventDefault();
        worker.terminate();
        reject(new Error(`digest worker crashed: ${e.message}`));
      };
      worker.postMessage({ path, ...options });
    });
  return await Promise.all(paths.map(one));
}
