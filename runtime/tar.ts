/**
 * A streaming tar writer (POSIX ustar, with pax extended headers for long names and sizes of 8 GiB
 * and more): entries are read in chunks as the consumer pulls, so a multi-GiB core passes through
 * in constant memory.
 *
 * @module
 */

/** One file to put in the archive. */
export interface TarEntry {
  /** Path inside the archive (relative, `/`-separated). */
  readonly name: string;
  /** Exact size in bytes; the writer fails if the content differs. */
  readonly size: number;
  /** Permission bits (default 0o644). */
  readonly mode?: number;
  /** Modification time in seconds (default 0). */
  readonly mtime?: number;
  /** Chunks of the content, read on demand. */
  readonly content: () => AsyncIterable<Uint8Array>;
}

const BLOCK = 512;
const enc = new TextEncoder();

function octal(out: Uint8Array, at: number, width: number, value: number): void {
  const s = value.toString(8).padStart(width - 1, "0");
  out.set(enc.encode(s), at);
  out[at + width - 1] = 0;
}

function header(name: string, size: number, mode: number, mtime: number, type: string): Uint8Array {
  const h = new Uint8Array(BLOCK);
  h.set(enc.encode(name).subarray(0, 100), 0);
  octal(h, 100, 8, mode);
  octal(h, 108, 8, 0);
  octal(h, 116, 8, 0);
  octal(h, 124, 12, size < 8 * 1024 ** 3 ? size : 0);
  octal(h, 136, 12, mtime);
  h.fill(0x20, 148, 156);
  h[156] = type.charCodeAt(0);
  h.set(enc.encode("ustar\0" + "00"), 257);
  h.set(enc.encode("root"), 265);
  h.set(enc.encode("root"), 297);
  let sum = 0;
  for (const b of h) sum += b;
  const cs = sum.toString(8).padStart(6, "0");
  h.set(enc.encode(cs), 148);
  h[154] = 0;
  h[155] = 0x20;
  return h;
}

/** One pax record `"<len> key=value\n"`, where len counts the whole record. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let len = enc.encode(body).length + 1;
  while (String(len).length + enc.encode(body).length !== len) len++;
  return `${len}${body}`;
}

function padding(size: number): Uint8Array {
  const rest = size % BLOCK;
  return new Uint8Array(rest === 0 ? 0 : BLOCK - rest);
}

function isPlainName(name: string): boolean {
  return enc.encode(name).length <= 100 && /^[\x20-\x7e]*$/.test(name);
}

async function* records(entries: AsyncIterable<TarEntry> | Iterable<TarEntry>) {
  for await (const e of entries) {
    const mode = e.mode ?? 0o644, mtime = e.mtime ?? 0;
    const pax: string[] = [];
    if (!isPlainName(e.name)) pax.push(paxRecord("path", e.name));
    if (e.size >= 8 * 1024 ** 3) pax.push(paxRecord("size", String(e.size)));
    if (pax.length > 0) {
      const body = enc.encode(pax.join(""));
      yield header(
        `PaxHeader/${e.name.slice(-80).replace(/[^\x20-\x7e]/g, "_")}`,
        body.length,
        0o644,
        mtime,
        "x",
      );
      yield body;
      yield padding(body.length);
    }
    yield header(
      isPlainName(e.name) ? e.name : e.name.slice(-100).replace(/[^\x20-\x7e]/g, "_"),
      e.size,
      mode,
      mtime,
      "0",
    );
    let n = 0;
    for await (const chunk of e.content()) {
      n += chunk.length;
      if (n > e.size) {
        throw new Error(`${e.name} grew while it was archived (expected ${e.size} bytes)`);
      }
      yield chunk;
    }
    if (n !== e.size) throw new Error(`${e.name} has ${n} bytes, expected ${e.size}`);
    yield padding(e.size);
  }
  yield new Uint8Array(2 * BLOCK);
}

/**
 * A tar archive of `entries` as a byte stream; each entry's content is pulled only when the
 * consumer reads that far.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const bytes = new Uint8Array(await new Response(tarStream([{
 *   name: "a.txt", size: 2, content: async function* () { yield new TextEncoder().encode("hi"); },
 * }])).arrayBuffer());
 * assert.equal(bytes.length, 512 + 512 + 1024); // header, data padded to a block, end marker
 * ```
 */
export function tarStream(
  entries: AsyncIterable<TarEntry> | Iterable<TarEntry>,
): ReadableStream<Uint8Array> {
  return ReadableStream.from(records(entries));
}

/** Chunks of a file, read in 1 MiB pieces (for {@link TarEntry.content}). */
export async function* fileContent(path: string): AsyncIterable<Uint8Array> {
  const file = await Deno.open(path, { read: true });
  // The stream closes the file at its end, and when the consumer stops early (cancel).
  for await (const chunk of file.readable) yield chunk;
}
