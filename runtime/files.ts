/**
 * The CLI's file access: random-access file sources, and opening a core that may be compressed
 * (decompressed into a private temporary file that is unlinked as soon as it is created).
 *
 * @module
 */

import { type ByteSource, type PositionalSource, readerSource } from "../lib/bytes/source.ts";
import { byteLimit, decompressed } from "../lib/bytes/streams.ts";

/** A {@link ByteSource} that must be closed. */
export interface ClosableSource extends ByteSource {
  /** Releases the file (and removes any temporary copy). */
  close(): Promise<void>;
  /** The compression the input had. */
  readonly compression: string;
}

/** Largest decompressed core the CLI accepts (64 GiB). */
export const MAX_DECOMPRESSED = 64 * 1024 ** 3;

/** Opens a file as a random-access source; reads are serialized. */
export async function fileSource(path: string): Promise<ByteSource & { close(): void }> {
  const file = await Deno.open(path, { read: true });
  const size = (await file.stat()).size;
  let queue: Promise<unknown> = Promise.resolve();
  const readAt = async (offset: number, length: number): Promise<Uint8Array> => {
    const buf = new Uint8Array(Math.max(0, Math.min(length, size - offset)));
    await file.seek(offset, Deno.SeekMode.Start);
    let n = 0;
    while (n < buf.length) {
      const r = await file.read(buf.subarray(n));
      if (r === null) break;
      n += r;
    }
    return buf.subarray(0, n);
  };
  return {
    size,
    read(offset: number, length: number): Promise<Uint8Array> {
      const p = queue.then(() => readAt(offset, length));
      queue = p.catch(() => {});
      return p;
    },
    close() {
      file.close();
    },
  };
}

/**
 * Opens a new private file under `dir` (default: the system temp dir), read-write, and removes its
 * name (and its directory) before returning: only the descriptor reaches the bytes.
 */
export async function anonymousTempFile(dir?: string, prefix = "coredelta-"): Promise<Deno.FsFile> {
  const folder = await Deno.makeTempDir({ prefix, ...(dir ? { dir } : {}) });
  try {
    const path = `${folder}/data`;
    const file = await Deno.open(path, { read: true, write: true, createNew: true, mode: 0o600 });
    await Deno.remove(path);
    return file;
  } finally {
    await Deno.remove(folder, { recursive: true }).catch(() => {});
  }
}

/** Reads into `target` at `offset` (synchronously); returns the bytes read (fewer only at EOF). */
export function readAtSync(file: Deno.FsFile, offset: number, target: Uint8Array): number {
  file.seekSync(offset, Deno.SeekMode.Start);
  let n = 0;
  while (n < target.length) {
    const r = file.readSync(target.subarray(n));
    if (r === null) break;
    n += r;
  }
  return n;
}

/** A {@link PositionalSource} over an open file of `size` bytes (reads are synchronous). */
export function positionalFile(file: Deno.FsFile, size: number): PositionalSource {
  return readerSource(size, (offset, target) => readAtSync(file, offset, target));
}

/**
 * Opens a core for random access. Plain files are read in place; gzip, zstd and xz inputs are
 * streamed into an unlinked temporary file (mode 0600) that `close()` releases.
 */
export async function openCore(path: string, maxBytes = MAX_DECOMPRESSED): Promise<ClosableSource> {
  const file = await Deno.open(path, { read: true });
  const { format, stream } = await decompressed(file.readable, maxBytes);
  if (format === "none") {
    await stream.cancel();
    const src = await fileSource(path);
    return { ...src, compression: format, close: () => Promise.resolve(src.close()) };
  }
  const tmp = await anonymousTempFile(undefined, "coredelta-");
  try {
    let size = 0;
    for await (const chunk of stream.pipeThrough(byteLimit(maxBytes, "decompressed core"))) {
      for (let at = 0; at < chunk.length;) at += await tmp.write(chunk.subarray(at));
      size += chunk.length;
    }
    const src = positionalFile(tmp, size);
    return {
      size,
      read: src.read,
      compression: format,
      close() {
        tmp.close();
        return Promise.resolve();
      },
    };
  } catch (e) {
    tmp.close();
    throw e;
  }
}
