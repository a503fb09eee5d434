/**
 * What every store shares about its objects: kinds, content addresses (SHA-256, also of a stream
 * computed one piece at a time), the error for bytes that no longer match, and objects read by
 * position (a report file: its header, a section, a page of ranges).
 *
 * @module
 */

import { createHash } from "node:crypto";

/** What a store holds. */
export type Kind = "digest" | "report";

/** A stored object whose bytes no longer hash to its id (disk corruption, tampering). */
export class StoredDataCorruptError extends Error {
  /** What kind of object. */
  readonly kind: Kind;
  /** Its id. */
  readonly id: string;

  /**
   * Creates the error.
   *
   * @param kind what kind of object
   * @param id its id
   */
  constructor(kind: Kind, id: string) {
    super(`The stored ${kind} ${id} does not match its SHA-256`);
    this.name = "StoredDataCorruptError";
    this.kind = kind;
    this.id = id;
  }
}

const ID = /^[0-9a-f]{64}$/;

/** Whether `id` has the shape of a content address. */
export function isId(id: string): boolean {
  return ID.test(id);
}

/**
 * SHA-256 of `bytes` in lower-case hex.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(sha256Hex(new Uint8Array()).slice(0, 8), "e3b0c442");
 * ```
 */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** A stored object read by position. */
export interface StoredObject {
  /** Size in bytes. */
  readonly size: number;
  /** `length` bytes from `offset` (fewer only past the end). */
  read(offset: number, length: number): Promise<Uint8Array>;
  /** `length` bytes from `offset` as a stream, read as it is pulled. */
  stream(offset: number, length: number): ReadableStream<Uint8Array>;
}

/**
 * SHA-256 of a stream in lower-case hex, and its length, holding one piece at a time.
 *
 * @param stream the bytes
 * @returns hash and size
 */
export async function sha256Stream(
  stream: ReadableStream<Uint8Array>,
): Promise<{ id: string; size: number }> {
  const h = createHash("sha256");
  let size = 0;
  for await (const chunk of stream) {
    h.update(chunk);
    size += chunk.length;
  }
  return { id: h.digest("hex"), size };
}

/** Pieces a stored file is read in. */
const READ_PIECE = 256 * 1024;

/**
 * A {@link StoredObject} over a reader by position: its stream pulls `piece` bytes at a time and
 * fails, naming `name` and the byte, where the reader comes back short.
 *
 * @param size the object's size
 * @param read reads `length` bytes from `offset` (fewer only past the end)
 * @param piece bytes per pulled chunk
 * @param name what the object is, for the error
 * @returns the object
 */
export function positionalObject(
  size: number,
  read: (offset: number, length: number) => Promise<Uint8Array>,
  piece: number,
  name: string,
): StoredObject {
  return {
    size,
    read,
    stream(offset, length) {
      let at = offset;
      const end = Math.min(size, offset + length);
      return new ReadableStream<Uint8Array>({
        async pull(ctl) {
          if (at >= end) return ctl.close();
          const bytes = await read(at, Math.min(piece, end - at));
          if (bytes.length === 0) return ctl.error(new Error(`${name} ended at byte ${at}`));
          at += bytes.length;
          ctl.enqueue(bytes);
        },
      }, { highWaterMark: 0 });
    },
  };
}

/**
 * A local file as a {@link StoredObject} (opened per read, so a file removed by retention meanwhile
 * fails that read only).
 *
 * @param path the file
 * @param size its size
 */
export function fileObject(path: string, size: number): StoredObject {
  const read = async (offset: number, length: number) => {
    using f = await Deno.open(path);
    await f.seek(offset, Deno.SeekMode.Start);
    const out = new Uint8Array(Math.max(0, Math.min(length, size - offset)));
    for (let at = 0; at < out.length;) {
      const n = await f.read(out.subarray(at));
      if (n === null) return out.subarray(0, at);
      at += n;
    }
    return out;
  };
  return positionalObject(size, read, READ_PIECE, path);
}

/**
 * Bytes in memory as a {@link StoredObject}.
 *
 * @param bytes the bytes
 */
export function memoryObject(bytes: Uint8Array): StoredObject {
  const read = (offset: number, length: number) =>
    Promise.resolve(bytes.subarray(offset, Math.min(bytes.length, offset + length)));
  return {
    size: bytes.length,
    read,
    stream: (offset, length) => ReadableStream.from([bytes.subarray(offset, offset + length)]),
  };
}
