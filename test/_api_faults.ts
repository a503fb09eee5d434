/**
 * Fault-injection helpers for `api/faults_test.ts` and `api/logs_secrets_test.ts`: the app on a real
 * loopback socket, a raw HTTP/1.1 client that can stop half-way through a body and hang up, `coredelta
 * serve` as a child process, and small request helpers. Disk-full helpers are in `_disk_faults.ts`.
 *
 * Every wait here is bounded in time; nothing listens anywhere but 127.0.0.1.
 *
 * @module
 */

import { gzipSync } from "node:zlib";
import { concat } from "../lib/bytes/streams.ts";
import { buildCore, prstatusX86_64 } from "./_elf_writer.ts";
import { loadCore } from "./_fixtures.ts";
import type { createApp } from "../api/app.ts";
import { filesUnder } from "./_api.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;
const enc = new TextEncoder();

/** Sleeps `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Polls `check` every 20 ms until it returns true, failing after `ms`.
 *
 * @param what what is awaited (for the error)
 * @param check the condition
 * @param ms most time to wait
 */
export async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  ms = 5000,
): Promise<void> {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    if (await check()) return;
    await sleep(20);
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}`);
}

/** Waits until `dir/tmp` holds nothing, and fails naming what is left. */
export async function assertTmpEmpty(dataDir: string, ms = 5000): Promise<void> {
  try {
    await waitFor(
      "an empty tmp/",
      async () => (await filesUnder(`${dataDir}/tmp`)).length === 0,
      ms,
    );
  } catch {
    throw new Error(`temporary files left: ${(await filesUnder(`${dataDir}/tmp`)).join(", ")}`);
  }
}

/**
 * Files under `dir` this process still holds open (Linux: `/proc/self/fd`). A deleted file kept
 * open still takes its space on disk, and keeps a file system busy.
 *
 * @param dir a directory
 * @returns the open paths (`(deleted)` marks unlinked ones)
 */
export async function openFilesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  try {
    for await (const e of Deno.readDir("/proc/self/fd")) {
      const target = await Deno.readLink(`/proc/self/fd/${e.name}`).catch(() => "");
      if (target.startsWith(`${dir}/`)) out.push(target);
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e; // no /proc: nothing to check
  }
  return out;
}

/** An app listening on a free loopback port. */
export interface Listening {
  /** `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** The port. */
  readonly port: number;
  /** Stops the server. */
  close(): Promise<void>;
}

/**
 * Serves `app` on 127.0.0.1 with a free port.
 *
 * @param app the app
 * @returns where it listens
 */
export async function listen(app: ReturnType<typeof createApp>): Promise<Listening> {
  const ready = Promise.withResolvers<number>();
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    onListen: ({ port }) => ready.resolve(port),
  }, app.fetch);
  const port = await ready.promise;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    async close() {
      await server.shutdown();
    },
  };
}

/** A raw HTTP/1.1 exchange on one connection, driven piece by piece. */
export class RawClient {
  readonly #conn: Deno.TcpConn;
  #closed = false;

  private constructor(conn: Deno.TcpConn) {
    this.#conn = conn;
  }

  /**
   * Connects to 127.0.0.1.
   *
   * @param port the server's port
   * @returns the client
   */
  static async connect(port: number): Promise<RawClient> {
    return new RawClient(await Deno.connect({ hostname: "127.0.0.1", port }));
  }

  /** Writes text or bytes. Fails if the server closed the connection. */
  async write(data: string | Uint8Array): Promise<void> {
    let bytes = typeof data === "string" ? enc.encode(data) : data;
    while (bytes.length) bytes = bytes.subarray(await this.#conn.write(bytes));
  }

  /** Writes `data` in pieces of `piece` bytes, `gapMs` apart (a slow client). */
  async writeSlowly(data: Uint8Array, piece: number, gapMs: number): Promise<void> {
    for (let at = 0; at < data.length; at += piece) {
      await this.write(data.subarray(at, at + piece));
      if (gapMs) await sleep(gapMs);
    }
  }

  /**
   * Reads until the server closes the connection or `ms` pass; returns the status and body.
   *
   * @param ms most time to wait
   * @returns status line code, headers and body text
   */
  async response(ms = 8000): Promise<{ status: number; headers: string; body: string }> {
    const parts: Uint8Array[] = [];
    const timer = setTimeout(() => this.close(), ms);
    try {
      const buf = new Uint8Array(65536);
      for (;;) {
        const n = await this.#conn.read(buf).catch(() => null);
        if (n === null) break;
        parts.push(buf.slice(0, n));
        const text = new TextDecoder().decode(concat(parts));
        const split = text.indexOf("\r\n\r\n");
        if (split < 0) continue;
        const head = text.slice(0, split);
        const len = /^content-length:\s*(\d+)/im.exec(head);
        if (len && text.length - split - 4 >= Number(len[1])) break;
      }
    } finally {
      clearTimeout(timer);
    }
    const text = new TextDecoder().decode(concat(parts));
    const split = text.indexOf("\r\n\r\n");
    const head = split < 0 ? text : text.slice(0, split);
    return {
      status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0),
      headers: head,
      body: split < 0 ? "" : text.slice(split + 4),
    };
  }

  /** Hangs up (idempotent). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#conn.close();
    } catch { /* already closed */ }
  }
}

/** One chunk of `Transfer-Encoding: chunked` framing. */
export function httpChunk(bytes: Uint8Array): Uint8Array {
  return concat([enc.encode(`${bytes.length.toString(16)}\r\n`), bytes, enc.encode("\r\n")]);
}

/** The request line and headers of an upload. */
export function requestHead(
  method: string,
  path: string,
  headers: Record<string, string | number>,
): string {
  const lines = [`${method} ${path} HTTP/1.1`, "Host: 127.0.0.1"];
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  return `${lines.join("\r\n")}\r\n\r\n`;
}

/** The boundary the multipart helpers use. */
export const BOUNDARY = "coredelta-fault-boundary";

/** The opening of one multipart part (headers and blank line). */
export function partHead(name: string, filename?: string): Uint8Array {
  const file = filename === undefined ? "" : `; filename="${filename}"`;
  return enc.encode(
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"${file}\r\n` +
      `Content-Type: application/octet-stream\r\n\r\n`,
  );
}

/** A whole multipart body of the given parts (file parts when a filename is given). */
export function multipartBody(parts: [string, Uint8Array, string?][]): Uint8Array {
  const out: Uint8Array[] = [];
  for (const [name, bytes, filename] of parts) {
    out.push(partHead(name, filename), bytes, enc.encode("\r\n"));
  }
  out.push(enc.encode(`--${BOUNDARY}--\r\n`));
  return concat(out);
}

/** `content-type` of {@link multipartBody}. */
export const MULTIPART_TYPE = `multipart/form-data; boundary=${BOUNDARY}`;

/** A gzip of `bytes` (level 1: fast, still compressed). */
export function gzip(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(gzipSync(bytes, { level: 1 }));
}

/** `coredelta serve` running as a child process. */
export interface ServeProcess {
  /** The child. */
  readonly child: Deno.ChildProcess;
  /** Base URL. */
  readonly url: string;
  /** Port. */
  readonly port: number;
  /** Log lines so far (JSON). */
  readonly lines: string[];
  /** Settles when stdout ended. */
  readonly done: Promise<void>;
  /** Kills the child if it still runs (SIGKILL) and waits for it. */
  kill(): Promise<void>;
}

/**
 * Starts `deno run main.ts serve --port 0 --data DIR ...extra` on loopback.
 *
 * @param dataDir the data directory
 * @param extra more `serve` options
 * @returns the running child
 */
export async function spawnServe(dataDir: string, extra: string[] = []): Promise<ServeProcess> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-net=127.0.0.1",
      "--allow-read",
      `--allow-write=${dataDir}`,
      "--allow-env",
      MAIN,
      "serve",
      "--hostname",
      "127.0.0.1",
      "--port",
      "0",
      "--data",
      dataDir,
      ...extra,
    ],
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const lines: string[] = [];
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const done = (async () => {
    let buf = "";
    for (;;) {
      const r = await reader.read();
      if (r.done) break;
      buf += r.value;
      const parts = buf.split("\n");
      buf = parts.pop()!;
      lines.push(...parts);
    }
  })();
  let exited = false;
  child.status.then(() => (exited = true));
  const kill = async () => {
    if (!exited) {
      try {
        child.kill("SIGKILL");
      } catch { /* gone */ }
    }
    await child.status;
    await done;
  };
  try {
    await waitFor("the server to listen", () => lines.length > 0 || exited, 15_000);
  } catch (e) {
    await kill();
    throw e;
  }
  if (!lines.length) throw new Error("serve exited before listening");
  const url = JSON.parse(lines[0]!).url as string;
  return { child, url, port: Number(new URL(url).port), lines, done, kill };
}

/** Prefix of every problem `type`. */
export const PROBLEM = "https://coredelta.dev/problems/";

/** `GET /health` on its own connection (`Connection: close`, so no pooled socket outlives it). */
export async function health(port: number): Promise<{ status: number; body: string }> {
  const c = await RawClient.connect(port);
  try {
    await c.write(requestHead("GET", "/health", { Connection: "close" }));
    return await c.response(5000);
  } finally {
    c.close();
  }
}

/** Sends a whole request on its own connection and reads the answer. */
export async function send(
  port: number,
  method: string,
  path: string,
  body: Uint8Array,
  headers: Record<string, string | number> = {},
): Promise<{ status: number; headers: string; body: string }> {
  const c = await RawClient.connect(port);
  try {
    await c.write(
      requestHead(method, path, { "Content-Length": body.length, Connection: "close", ...headers }),
    );
    await c.write(body).catch(() => {}); // the server may answer (and close) early
    return await c.response(8000);
  } finally {
    c.close();
  }
}

/** `app.request` as a promise, with a byte body. */
export function request(
  app: ReturnType<typeof createApp>,
  path: string,
  body?: Uint8Array | string,
  headers: Record<string, string> = {},
): Promise<Response> {
  const init: RequestInit = body === undefined
    ? {}
    : { method: "POST", body: body as BodyInit, headers };
  return Promise.resolve(app.request(path, init));
}

/** How many objects of a kind are stored. */
export async function stored(dir: string, kind: "digests" | "reports" | "cores"): Promise<number> {
  return (await filesUnder(`${dir}/${kind}`)).length;
}

/**
 * A core whose layout forces a stream to spill (its second PT_LOAD's file range overlaps the
 * first's: random access is needed), of about `mib` MiB of saved pages.
 */
export function spillingCore(mib: number): Uint8Array {
  const data = new Uint8Array(mib * 1024 * 1024);
  for (let i = 0; i < data.length; i += 4096) data[i] = (i >> 12) & 0xff;
  const built = buildCore({
    notes: [{ owner: "CORE", type: 1, desc: prstatusX86_64(7, 11, 0x1000n) }],
    loads: [
      { vaddr: 0x10000000n, memsz: BigInt(data.length), data },
      { vaddr: 0x20000000n, memsz: 0x1000n, data: new Uint8Array(4096) },
    ],
  });
  // PT_LOAD 2 (after PT_NOTE and PT_LOAD 1) points at PT_LOAD 1's data.
  new DataView(built.bytes.buffer).setBigUint64(
    built.phoff + 2 * built.phentsize + 8,
    BigInt(built.dataOffset),
    true,
  );
  return built.bytes;
}

/** The `type` and `status` of a problem+json body. */
export function problemOf(body: string): { type: string; status: number } {
  return JSON.parse(body);
}

/**
 * The fuzzer's out-of-memory case: f023's kernel core with 5 bytes changed, so that a note's
 * `n_namesz` is 0xffffdbff. Rounding it up with a 32-bit mask wrapped to a negative size, the note
 * walk went backwards and cycled, collecting notes until the heap (4 GiB) was gone.
 */
export function wrappingNoteCore(): Uint8Array {
  const core = loadCore("f023", "kernel");
  for (const [at, v] of [[0x2fa, 255], [0x4470, 255], [0x4471, 0], [0x4474, 0], [0x4475, 0]]) {
    core[at!] = v!;
  }
  return core;
}
