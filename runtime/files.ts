/**
 * The CLI's file access: random-access file sources, and opening a core that may be compressed
 * (decompressed into a private temporary file that is removed on every path).
 *
 * @module
 */

import type { ByteSource } from "../lib/bytes/source.ts";
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
 * Opens a core for random access. Plain files are read in place; gzip, zstd and xz inputs are
 * streamed into a temporary file (mode 0600) that `close()` deletes.
 */
export async function openCore(path: string, maxBytes = MAX_DECOMPRESSED): Promise<ClosableSource> {
  const file = await Deno.open(path, { read: true });
  const { format, stream } = await decompressed(file.readable, maxBytes);
  if (format === "none") {
    await stream.cancel();
    const src = await fileSource(path);
    return { ...src, compression: format, close: () => Promise.resolve(src.close()) };
  }
  const dir = await Deno.makeTempDir({ prefix: "coredelta-" });
  try {
    const tmp = `${dir}/core`;
    const out = await Deno.open(tmp, { write: true, createNew: true, mode: 0o600 });
    await stream.pipeThrough(byteLimit(maxBytes, "decompressed core")).pipeTo(out.writable);
    const src = await fileSource(tmp);
    return {
      ...src,
      compression: format,
      async close() {
        src.close();
        await Deno.remove(dir, { recursive: true });
      },
    };
  } catch (e) {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    throw e;
  }
}
