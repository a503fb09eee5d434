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
import { digestPositional, digestPositionalAll } from "../lib/digest/positional.ts";
import type { CoreDigest } from "../lib/digest/model.ts";
import { InputError } from "../lib/errors.ts";
import { createPageHasher } from "../wasm/mod.ts";
import { MAX_DECOMPRESSED, positionalFile } from "./files.ts";
import { dataExtents, extentSource } from "./holes.ts";
import { libc, openReadOnly } from "./libc.ts";
import { startPageWorker, twoThreads } from "./page_helper.ts";
import { tempFileSpill } from "./spill.ts";
import { type PackedSegments, unpackSegments } from "../lib/digest/packed.ts";
import { parseCore } from "../lib/elf/core.ts";
import { sparseSource } from "../lib/digest/sparse.ts";
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
  /**
   * Whether a second thread hashes half of a plain file: `auto` (default) from
   * {@link SPLIT_MIN_BYTES} on when a CPU is spare, `always`, or `never` (`diff`: its two files
   * already use both cores).
   */
  readonly split?: "auto" | "always" | "never";
}

/**
 * Plain cores from this size on (together, in one command) are read and hashed by two threads on a
 * machine of two CPUs or more: a Worker costs about 10 ms of this thread and 30 ms of CPU to
 * start, which hashing part of 256 MiB on the other CPU pays back.
 */
export const SPLIT_MIN_BYTES = 256 * 1024 * 1024;

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

/** A file opened for digesting: `size` is set when it holds a plain core, read by position. */
interface OpenedCore {
  readonly path: string;
  readonly file: Deno.FsFile;
  /** Bytes of a plain core; absent for a stream (pipe, compressed core, serialized digest). */
  readonly size?: number;
}

/**
 * Opens `path` and tells a plain core (read by position) from what is read as a stream: a pipe,
 * socket or character device (`/dev/stdin`), a compressed core, a serialized digest. Closes the
 * file on error (a directory, a core over `maxBytes`).
 */
async function openCore(path: string, options: DigestInputOptions): Promise<OpenedCore> {
  const file = await Deno.open(path, { read: true });
  try {
    const info = await file.stat();
    if (info.isDirectory) {
      throw new InputError("not-a-file", `${path} is a directory, not a core or digest`);
    }
    if (!info.isFile) return { path, file };
    const head = new Uint8Array(8);
    let n = 0;
    while (n < head.length) {
      const r = file.readSync(head.subarray(n));
      if (r === null) break;
      n += r;
    }
    file.seekSync(0, Deno.SeekMode.Start);
    if (detectCompression(head.subarray(0, n)) !== "none" || isDigest(head.subarray(0, n))) {
      return { path, file };
    }
    const max = options.maxBytes ?? MAX_DECOMPRESSED;
    if (info.size > max) throw new TooLargeError("decompressed core", max);
    return { path, file, size: info.size };
  } catch (e) {
    file.close();
    throw e;
  }
}

/**
 * True when plain cores are worth hashing on two threads: together at least
 * {@link SPLIT_MIN_BYTES}, each with enough bytes per segment (`worker_rule.ts`), on a machine of
 * two CPUs or more (`twoThreads`).
 */
function helperPays(cores: readonly OpenedCore[]): boolean {
  const total = cores.reduce((sum, c) => sum + (c.size ?? 0), 0);
  return total >= SPLIT_MIN_BYTES && twoThreads() &&
    cores.every((c) => workerPaysPerSegment(c.size ?? 0, programHeaderCount(c.path)));
}

/**
 * Digests plain cores by position: the parser reads their tables where they are (no spill, whatever
 * the layout), page bytes go straight into the hasher's memory and holes are skipped. With libc
 * (FFI permission) bytes are read by `pread` and extents found by FIEMAP, and with `helped` a page
 * Worker claims windows of their data beside this thread. Closes the files.
 */
async function digestPlain(
  cores: readonly OpenedCore[],
  helped: boolean,
): Promise<CoreDigest[]> {
  const meta = () => ({ spilled: false, compression: "none" });
  const c = libc();
  const fds: number[] = [];
  try {
    if (c) { for (const { path } of cores) fds.push(openReadOnly(c, path)); }
    if (c && fds.every((fd) => fd >= 0)) {
      // Started first: its isolate loads (about 10 ms of this thread, then its own) while this
      // thread parses the cores.
      const worker = helped ? startPageWorker() : undefined;
      try {
        const sizes = cores.map((core) => core.size!);
        // Holes are found as the pages are read: by window when shared (each thread finds those
        // of the windows it claims), or for the whole file at once.
        const positional = cores.map((_, i) => ({
          src: extentSource(c, fds[i]!, sizes[i]!),
          meta: meta(),
        }));
        return await digestPositionalAll(
          positional,
          createPageHasher(),
          worker?.helper(fds, sizes),
        );
      } finally {
        worker?.stop();
      }
    }
    const out: CoreDigest[] = [];
    for (const { path, file, size } of cores) {
      out.push(
        await digestPositional(
          positionalFile(file, size!),
          createPageHasher(),
          meta(),
          dataExtents(path, size!),
        ),
      );
    }
    return out;
  } finally {
    for (const fd of fds) if (fd >= 0) c!.close(fd);
    for (const { file } of cores) file.close();
  }
}

/** Digests a file holding a core (plain or compressed) or a serialized digest. */
export async function digestFile(
  path: string,
  options: DigestInputOptions = {},
): Promise<CoreDigest> {
  const core = await openCore(path, options);
  if (core.size === undefined) {
    return await digestInput(fileChunks(core.file, { chunk: 1 << 20 }), options);
  }
  const split = options.split ?? "auto";
  const [digest] = await digestPlain(
    [core],
    split === "always" || (split === "auto" && helperPays([core])),
  );
  return digest!;
}

/** An input error reported by a digest Worker, re-raised in the caller with the same message. */
export class WorkerInputError extends InputError {}

/**
 * Streamed files (compressed cores, serialized digests) smaller than this are digested one after
 * the other on the calling thread: a digest Worker costs about 30 ms of CPU to start plus cloning
 * its digest back (per segment), which only a larger file pays back.
 */
export const WORKER_MIN_BYTES = 512 * 1024 * 1024;

/**
 * Digests several files. Plain cores are opened first and digested together (`digestPlain`): with
 * `threads` `always`, or `auto` when they pay for it (`helperPays`), a page Worker claims windows
 * of all their data beside this thread, so both stay busy to the end whatever the sizes. Otherwise
 * (a compressed core, a digest, a pipe) each file past the first goes to a digest Worker when the
 * smallest is at least {@link WORKER_MIN_BYTES} (on two CPUs or more), else all in turn here.
 * Errors keep their message; input errors stay input errors.
 */
export async function digestFiles(
  paths: readonly string[],
  options: DigestInputOptions = {},
  threads: "auto" | "always" | "never" = "auto",
): Promise<CoreDigest[]> {
  const opened: OpenedCore[] = [];
  try {
    for (const path of paths) opened.push(await openCore(path, options));
  } catch (e) {
    for (const { file } of opened) file.close();
    throw e;
  }
  if (opened.every((o) => o.size !== undefined)) {
    const helped = threads === "always" || (threads === "auto" && helperPays(opened));
    return await digestPlain(opened, helped);
  }
  for (const { file } of opened) file.close();
  const sizes = await Promise.all(paths.map((p) => Deno.stat(p).then((s) => s.size, () => 0)));
  const parallel = threads === "always" ||
    (threads === "auto" && Math.min(...sizes) >= WORKER_MIN_BYTES && twoThreads());
  if (paths.length < 2 || !parallel) {
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
            digest?: CoreDigest;
            pages?: PackedSegments;
            error?: { name: string; message: string; code?: string };
          }
        >,
      ) => {
        worker.terminate();
        const m = e.data;
        if (m.ok && m.digest && m.pages) {
          const { digest, pages } = m;
          parseCore(sparseSource(digest.skeleton, digest.size)).then(
            (core) => resolve({ ...digest, core, segments: unpackSegments(pages) }),
            reject,
          );
        } else if (m.error?.code) reject(new WorkerInputError(m.error.code, m.error.message));
        else if (m.error?.name === "NotFound") reject(new Deno.errors.NotFound(m.error.message));
        else reject(new Error(m.error?.message ?? "digest worker failed"));
      };
      worker.onerror = (e) => {
        e.preventDefault();
        worker.terminate();
        reject(new Error(`digest worker crashed: ${e.message}`));
      };
      workers.push(worker);
      worker.postMessage({ path, ...options, split: "never" });
    });
  // The first file on this thread (no Worker to start, no digest to encode and decode), the others
  // in Workers, started first so they load while this thread works.
  const workers: Worker[] = [];
  const others = paths.slice(1).map(one);
  for (const p of others) p.catch(() => {}); // seen by Promise.all below, or dropped after an error
  try {
    const first = await digestFile(paths[0]!, { ...options, split: "never" });
    return [first, ...await Promise.all(others)];
  } catch (e) {
    for (const w of workers) w.terminate();
    throw e;
  }
}
