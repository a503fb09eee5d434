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
import { dataExtents, dataExtentsOf, joinExtents } from "./holes.ts";
import { libc, openReadOnly, preadSource } from "./libc.ts";
import type { PageHelper, PageShare } from "../lib/digest/positional.ts";
import type { DataExtents } from "../lib/bytes/source.ts";
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
 * Plain files from this size on are read and hashed by two threads (when this machine has two
 * CPUs and they are not both busy): a Worker costs about 40 ms to start and 30 ms of CPU, which
 * hashing half of 256 MiB on the other core pays back.
 */
export const SPLIT_MIN_BYTES = 256 * 1024 * 1024;

/**
 * True when a second thread is likely to find a CPU of its own: at most as many tasks runnable
 * right now as CPUs (the running count of `/proc/loadavg`, this process's own threads included),
 * and a 1-minute load average below CPUs + 0.5 (a benchmark's own runs keep it near 1 on an
 * otherwise idle machine; at 2.7 on 2 CPUs two threads still measured faster, at 5.7 slower). `COREDELTA_SPLIT=always` or `never` overrides this (benchmarks measure
 * both).
 */
function spareCpu(): boolean {
  // Only what is already permitted: never a permission prompt for this.
  const granted = (d: Deno.PermissionDescriptor) => {
    try {
      return Deno.permissions.querySync(d).state === "granted";
    } catch {
      return false;
    }
  };
  const force = granted({ name: "env", variable: "COREDELTA_SPLIT" })
    ? Deno.env.get("COREDELTA_SPLIT")
    : undefined;
  if (force === "always" || force === "never") return force === "always";
  const cpus = navigator.hardwareConcurrency ?? 1;
  if (cpus < 2) return false;
  if (granted({ name: "read", path: "/proc/loadavg" })) {
    try {
      // "0.52 0.61 0.70 2/345 6789": the 1-minute average, then running (this thread too)/total.
      const [avg, , , running] = Deno.readTextFileSync("/proc/loadavg").split(" ");
      const now = Number(running?.split("/")[0]);
      if (Number.isFinite(now) && Number.isFinite(Number(avg))) {
        return now <= cpus && Number(avg) < cpus + 0.5;
      }
    } catch {
      // not Linux: below
    }
  }
  // Without the permission to read the load average, assume a CPU is spare.
  return !granted({ name: "sys", kind: "loadavg" }) || Deno.loadavg()[0]! < cpus - 1;
}

/** A page Worker at work on one file (see `page_worker.ts`). */
interface PageWorker {
  /** The extents of `[from, size)` it was asked for; `null` if it failed to answer. */
  readonly extents: Promise<DataExtents | undefined | null>;
  /** Hands it its share of the pages. */
  readonly helper: PageHelper;
  /** Ends it. */
  stop(): void;
}

/**
 * Starts a page Worker at once (it loads while this thread parses) and asks it for the data extents
 * of `[from, size)` of descriptor `fd`; its share of the pages follows through `helper`.
 */
function pageWorker(fd: number, size: number, from: number): PageWorker {
  const worker = new Worker(new URL("./page_worker.ts", import.meta.url), { type: "module" });
  let gotExtents: (x: DataExtents | undefined | null) => void = () => {};
  let done: ((ok: boolean, message?: string) => void) | undefined;
  const extents = new Promise<DataExtents | undefined | null>((resolve) => gotExtents = resolve);
  worker.onmessage = (
    e: MessageEvent<{ kind: string; extents?: DataExtents; ok?: boolean; message?: string }>,
  ) => {
    if (e.data.kind === "extents") gotExtents(e.data.extents);
    else done?.(e.data.ok === true, e.data.message);
  };
  let crashed: string | undefined;
  worker.onerror = (e) => {
    e.preventDefault();
    crashed = e.message || "page worker crashed";
    gotExtents(null);
    done?.(false, crashed);
  };
  worker.postMessage({ kind: "extents", fd, size, from, to: size });
  return {
    extents,
    helper: (share: PageShare) =>
      new Promise<void>((resolve, reject) => {
        if (crashed !== undefined) return reject(new Error(crashed));
        done = (ok, message) => (ok ? resolve() : reject(new Error(message ?? "page worker")));
        worker.postMessage({ kind: "share", fd, size, share });
      }),
    stop: () => worker.terminate(),
  };
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
  let regular: boolean;
  try {
    const info = await file.stat();
    if (info.isDirectory) {
      throw new InputError("not-a-file", `${path} is a directory, not a core or digest`);
    }
    regular = info.isFile;
  } catch (e) {
    file.close();
    throw e;
  }
  // A pipe, socket or character device (`/dev/stdin`) cannot be read by position: a stream (which
  // closes the file).
  if (!regular) return await digestInput(fileChunks(file, { chunk: 1 << 20 }), options);
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
    const meta = { spilled: false, compression: "none" };
    // With libc (FFI permission): pread straight into the hasher's memory, extents by FIEMAP.
    const c = libc();
    const fd = c ? openReadOnly(c, path) : -1;
    if (c && fd >= 0) {
      const split = options.split ?? "auto";
      // With a helper, each thread finds the extents of one half of the file (FIEMAP costs about
      // 20 ms per GiB of a kernel core), then each hashes half of the data bytes.
      const half = Math.floor(size / 2 / 4096) * 4096;
      const helper = split === "always" ||
          (split === "auto" && size >= SPLIT_MIN_BYTES && spareCpu() &&
            workerPaysPerSegment(size, programHeaderCount(path)))
        ? pageWorker(fd, size, half)
        : undefined;
      try {
        let extents = dataExtentsOf(c, fd, size, "fiemap", [0, helper ? half : size]);
        if (helper) {
          const second = (await helper.extents) ??
            dataExtentsOf(c, fd, size, "fiemap", [half, size]);
          extents = joinExtents(extents, second);
        }
        return await digestPositional(preadSource(c, fd, size), createPageHasher(), meta, {
          ...(extents ? { extents } : {}),
          ...(helper ? { helper: helper.helper } : {}),
        });
      } finally {
        helper?.stop();
        c.close(fd);
      }
    }
    return await digestPositional(
      positionalFile(file, size),
      createPageHasher(),
      meta,
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
 * about 30 ms of CPU to start plus cloning its digest back (per segment), which only hashing a
 * larger file pays back (a 1 GiB kernel core and gcore: 0.37 s with the Worker vs 0.50 s on one
 * thread; a 290 MB pair of 70,000-segment cores: 0.76-1.16 s vs 0.50-0.75 s, and 0.5 s more CPU
 * and 150 MB more memory for the clone).
 */
export const WORKER_MIN_BYTES = 512 * 1024 * 1024;

/**
 * Digests several files: when the smallest is at least {@link WORKER_MIN_BYTES}, each has enough
 * bytes per segment (`worker_rule.ts`) and a CPU is spare (or `threads` is `always`), at once, the
 * first on this thread and each other one in a Worker (each with its own WASM instance, posting its
 * digest back with the page arrays transferred); otherwise in turn on this thread (a Worker on a
 * busy machine only adds its cost). Errors keep their message; input errors stay input errors.
 */
export async function digestFiles(
  paths: readonly string[],
  options: DigestInputOptions = {},
  threads: "auto" | "always" | "never" = "auto",
): Promise<CoreDigest[]> {
  const sizes = await Promise.all(paths.map((p) => Deno.stat(p).then((s) => s.size, () => 0)));
  // Many small segments: a Worker's isolate and per-segment work cost more than it saves.
  const parallel = threads === "always" ||
    (threads === "auto" && Math.min(...sizes) >= WORKER_MIN_BYTES && spareCpu() &&
      paths.every((p, i) => workerPaysPerSegment(sizes[i]!, programHeaderCount(p))));
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
