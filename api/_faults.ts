/**
 * Fault-injection helpers for `api/faults_test.ts` and `api/logs_secrets_test.ts`: the app on a real
 * loopback socket, a raw HTTP/1.1 client that can stop half-way through a body and hang up, `coredelta
 * serve` as a child process, a small tmpfs as a data directory that really fills up, and a storage
 * whose writes fail with ENOSPC where no tmpfs can be mounted.
 *
 * Every wait here is bounded in time; nothing listens anywhere but 127.0.0.1.
 *
 * @module
 */

import { gzipSync } from "node:zlib";
import type { createApp } from "./app.ts";
import type { Entry, Kind, LocalStorage, Storage } from "./storage.ts";
import { filesUnder } from "./_testing.ts";

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
        const text = new TextDecoder().decode(concatBytes(parts));
        const split = text.indexOf("\r\n\r\n");
        if (split < 0) continue;
        const head = text.slice(0, split);
        const len = /^content-length:\s*(\d+)/im.exec(head);
        if (len && text.length - split - 4 >= Number(len[1])) break;
      }
    } finally {
      clearTimeout(timer);
    }
    const text = new TextDecoder().decode(concatBytes(parts));
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

function concatBytes(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** One chunk of `Transfer-Encoding: chunked` framing. */
export function httpChunk(bytes: Uint8Array): Uint8Array {
  return concatBytes([enc.encode(`${bytes.length.toString(16)}\r\n`), bytes, enc.encode("\r\n")]);
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
  return concatBytes(out);
}

/** `content-type` of {@link multipartBody}. */
export const MULTIPART_TYPE = `multipart/form-data; boundary=${BOUNDARY}`;

/** A gzip of `bytes` (level 1: fast, still compressed). */
export function gzip(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(gzipSync(bytes, { level: 1 }));
}

/** An error shaped like the one Deno throws when the disk is full. */
export function noSpaceError(path: string): Error {
  return Object.assign(new Error(`No space left on device (os error 28): write '${path}'`), {
    code: "ENOSPC",
  });
}

/** A storage that fails every write with ENOSPC while {@link FullStorage.full} is set. */
export class FullStorage implements Storage {
  /** Whether writes fail. */
  full = false;
  /** Writes refused so far. */
  refused = 0;
  readonly #inner: LocalStorage;

  /** Wraps a real store. */
  constructor(inner: LocalStorage) {
    this.#inner = inner;
  }

  #check(what: string): void {
    if (!this.full) return;
    this.refused++;
    throw noSpaceError(`${this.#inner.root}/${what}`);
  }

  /** Stores, unless full. */
  put(kind: Kind, bytes: Uint8Array): Promise<Entry> {
    try {
      this.#check(`tmp/put-${kind}`);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.#inner.put(kind, bytes);
  }
  /** Reads. */
  get(kind: Kind, id: string): Promise<Uint8Array | undefined> {
    return this.#inner.get(kind, id);
  }
  /** Lists. */
  list(kind: Kind): Promise<Entry[]> {
    return this.#inner.list(kind);
  }
  /** Deletes. */
  delete(kind: Kind, id: string): Promise<boolean> {
    return this.#inner.delete(kind, id);
  }
  /** Adopts a raw core, unless full. */
  keepCore(id: string, tempPath: string): Promise<void> {
    try {
      this.#check(`cores/${id}`);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.#inner.keepCore(id, tempPath);
  }
  /** Whether a raw core is kept. */
  hasCore(id: string): Promise<boolean> {
    return this.#inner.hasCore(id);
  }
  /** A request's temporary directory. */
  tempDir(): Promise<string> {
    return this.#inner.tempDir();
  }
  /** Removes temporary files. */
  close(): Promise<void> {
    return this.#inner.close();
  }
}

/** A tmpfs mounted for a test; {@link Tmpfs.unmount} is idempotent. */
export interface Tmpfs {
  /** The mount point (a fresh temporary directory). */
  readonly dir: string;
  /** Unmounts and removes the mount point. */
  unmount(): Promise<void>;
}

/**
 * Mounts a tmpfs of `bytes` on a fresh directory, or returns undefined where that is not allowed
 * (not root, no `mount`, a container without CAP_SYS_ADMIN).
 *
 * @param bytes the size of the file system
 * @returns the mount, or undefined
 */
export async function mountTmpfs(bytes: number): Promise<Tmpfs | undefined> {
  if (Deno.build.os !== "linux") return undefined;
  const dir = await Deno.makeTempDir({ prefix: "coredelta-tmpfs-" });
  const run = (cmd: string, args: string[]) =>
    new Deno.Command(cmd, { args, stdout: "null", stderr: "null" }).output().then(
      (o) => o.success,
      () => false,
    );
  if (!(await run("mount", ["-t", "tmpfs", "-o", `size=${bytes},mode=0700`, "tmpfs", dir]))) {
    await Deno.remove(dir).catch(() => {});
    return undefined;
  }
  let mounted = true;
  return {
    dir,
    async unmount() {
      if (mounted) {
        mounted = false;
        let done = false;
        for (let i = 0; i < 10 && !done; i++) {
          done = await run("umount", [dir]);
          if (!done) await sleep(100);
        }
        // Still busy (a file left open): detach it anyway, so no mount outlives the test.
        if (!done) await run("umount", ["-l", dir]);
      }
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}

/**
 * Writes zeros to `path` until the file system is full (at most `max` bytes).
 *
 * @param path the filler file
 * @param max most bytes written
 * @returns bytes written
 */
export async function fillDisk(path: string, max = 64 * 1024 * 1024): Promise<number> {
  const f = await Deno.open(path, { write: true, create: true, truncate: true });
  const block = new Uint8Array(4096);
  let n = 0;
  try {
    while (n < max) n += await f.write(block);
  } catch (e) {
    if ((e as { code?: string }).code !== "ENOSPC") throw e;
  } finally {
    f.close();
  }
  return n;
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
