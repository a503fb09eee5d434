/**
 * Where the service keeps what it computed: digests and reports, content-addressed by the SHA-256 of
 * their bytes, plus (only on request) the raw core an upload came from. The embedded default is a
 * local directory with atomic writes (temporary file, then rename) and a retention limit by count
 * and age; a kept core is deleted together with its digest.
 *
 * Layout under the data directory: `digests/<sha256>`, `reports/<sha256>`, `cores/<digest id>`,
 * `tmp/` (upload spills and half-written files; emptied at start and on close).
 *
 * @module
 */

import { type Clock, systemClock } from "./clock.ts";
import { listItem, matches, pageOf, type ReportListItem, type ReportQuery } from "./report_list.ts";
import { listSource, readStoredReport } from "./report_file.ts";
import {
  fileObject,
  isId,
  type Kind,
  sha256Hex,
  sha256Stream,
  StoredDataCorruptError,
  type StoredObject,
} from "./stored_object.ts";
export {
  fileObject,
  isId,
  type Kind,
  sha256Hex,
  sha256Stream,
  StoredDataCorruptError,
  type StoredObject,
};
export type { ReportListItem, ReportQuery };

/** One stored object. */
export interface Entry {
  /** SHA-256 of the bytes, lower-case hex. */
  readonly id: string;
  /** Size in bytes. */
  readonly size: number;
  /** When it was stored (ms since the epoch). */
  readonly created: number;
}

/** The storage the app needs. */
export interface Storage {
  /**
   * Stores `bytes` under their SHA-256 (idempotent), with the raw core of a digest from
   * `options.corePath` (a finished temporary file) in the same step: both or neither.
   */
  put(kind: Kind, bytes: Uint8Array, options?: PutOptions): Promise<Entry>;
  /**
   * Stores a finished file in a {@link Storage.tempDir} directory (moved or streamed in, never read
   * whole) under the SHA-256 of its bytes; the file is gone afterwards.
   */
  putFile(kind: Kind, path: string): Promise<Entry>;
  /**
   * The bytes stored under `id`, or undefined; throws {@link StoredDataCorruptError} when they no
   * longer hash to `id`.
   */
  get(kind: Kind, id: string): Promise<Uint8Array | undefined>;
  /**
   * The object stored under `id` for reads by position, or undefined; its hash is checked first
   * (read in pieces), {@link StoredDataCorruptError} when it no longer matches.
   */
  open(kind: Kind, id: string): Promise<StoredObject | undefined>;
  /** Every stored object of `kind`, newest first. */
  list(kind: Kind): Promise<Entry[]>;
  /** Deletes an object (a digest takes its kept core with it); false when absent. */
  delete(kind: Kind, id: string): Promise<boolean>;
  /** Adopts a finished temporary file as the raw core of digest `id` (moved, not copied). */
  keepCore(id: string, tempPath: string): Promise<void>;
  /** Whether a raw core is kept for digest `id`. */
  hasCore(id: string): Promise<boolean>;
  /** The kept raw core of digest `id` as a stream, or undefined. */
  readCore(id: string): Promise<ReadableStream<Uint8Array> | undefined>;
  /** Stored reports, newest first, filtered and paged (`GET /v1/reports`, CONTRACTS.md 5). */
  listReports(query: ReportQuery): Promise<{ items: ReportListItem[]; nextCursor?: string }>;
  /** Applies retention to `kind` (never deleting `keep`); returns the ids it deleted. */
  prune(kind: Kind, keep?: string): Promise<string[]>;
  /** Resolves when the store is reachable; throws {@link StoreUnavailableError} otherwise. */
  ping(): Promise<void>;
  /** A fresh private directory for one request's temporary files; the caller removes it. */
  tempDir(): Promise<string>;
  /** Removes every temporary file (at shutdown). */
  close(): Promise<void>;
}

/** Options of {@link Storage.put}. */
export interface PutOptions {
  /** A finished temporary file holding the raw core of the digest being stored (moved, not copied). */
  readonly corePath?: string;
}

/** The store cannot be reached (database down): the request may be retried later (503). */
export class StoreUnavailableError extends Error {
  /**
   * Creates the error.
   *
   * @param detail what failed
   * @param options the underlying error
   */
  constructor(detail: string, options?: ErrorOptions) {
    super(detail, options);
    this.name = "StoreUnavailableError";
  }
}

/** Retention of a store. */
export interface Retention {
  /** Most objects kept per kind (oldest go first). */
  readonly maxCount: number;
  /** Oldest object kept, in ms. */
  readonly maxAgeMs: number;
  /** Most bytes kept per kind, kept cores included (oldest go first; default unlimited). */
  readonly maxBytes?: number;
}

/** Default retention: 1000 objects per kind, 7 days, no byte limit. */
export const DEFAULT_RETENTION: Retention = { maxCount: 1000, maxAgeMs: 7 * 24 * 3600 * 1000 };

const DIRS: Record<Kind, string> = { digest: "digests", report: "reports" };

/** Options of {@link LocalStorage}. */
export interface LocalStorageOptions {
  /** Retention (default {@link DEFAULT_RETENTION}). */
  readonly retention?: Partial<Retention>;
  /** Clock for ages. */
  readonly clock?: Clock;
}

/** A {@link Storage} in a local directory. Create it with {@link openLocalStorage}. */
export class LocalStorage implements Storage {
  /** The data directory. */
  readonly root: string;
  readonly #retention: Retention;
  readonly #clock: Clock;
  /** List items of stored reports (immutable by id), so listing reads each report once. */
  readonly #listed = new Map<string, ReportListItem>();

  /**
   * Uses `root` as it is; {@link openLocalStorage} also creates the layout and empties `tmp/`.
   *
   * @param root the data directory
   * @param options retention and clock
   */
  constructor(root: string, options: LocalStorageOptions = {}) {
    this.root = root.replace(/\/+$/, "") || "/";
    this.#retention = { ...DEFAULT_RETENTION, ...options.retention };
    this.#clock = options.clock ?? systemClock;
  }

  #path(kind: Kind | "core" | "tmp", id = ""): string {
    const dir = kind === "core" ? "cores" : kind === "tmp" ? "tmp" : DIRS[kind];
    return `${this.root}/${dir}${id ? `/${id}` : ""}`;
  }

  /** Creates the layout and removes temporary files left by an earlier process. */
  async init(): Promise<void> {
    await Deno.remove(this.#path("tmp"), { recursive: true }).catch(() => {});
    for (const d of ["digests", "reports", "cores", "tmp"]) {
      await Deno.mkdir(`${this.root}/${d}`, { recursive: true, mode: 0o700 });
    }
  }

  async put(kind: Kind, bytes: Uint8Array, options: PutOptions = {}): Promise<Entry> {
    const id = sha256Hex(bytes);
    const path = this.#path(kind, id);
    const tmp = `${this.#path("tmp")}/put-${crypto.randomUUID()}`;
    try {
      await Deno.writeFile(tmp, bytes, { mode: 0o600, createNew: true });
      await Deno.rename(tmp, path);
    } catch (e) {
      await Deno.remove(tmp).catch(() => {});
      throw e;
    }
    if (kind === "digest" && options.corePath !== undefined) {
      await Deno.rename(options.corePath, this.#path("core", id));
    }
    const now = this.#clock.now();
    // A re-upload refreshes the age of an existing object.
    await Deno.utime(path, now / 1000, now / 1000).catch(() => {});
    await this.prune(kind, id);
    return { id, size: bytes.length, created: now };
  }

  async putFile(kind: Kind, path: string): Promise<Entry> {
    let id: string, size: number;
    try {
      using f = await Deno.open(path);
      ({ id, size } = await sha256Stream(f.readable));
    } catch (e) {
      await Deno.remove(path).catch(() => {});
      throw e;
    }
    const to = this.#path(kind, id);
    try {
      await Deno.rename(path, to);
    } catch (e) {
      await Deno.remove(path).catch(() => {});
      throw e;
    }
    const now = this.#clock.now();
    await Deno.utime(to, now / 1000, now / 1000).catch(() => {});
    await this.prune(kind, id);
    return { id, size, created: now };
  }

  async open(kind: Kind, id: string): Promise<StoredObject | undefined> {
    if (!isId(id)) return undefined;
    const path = this.#path(kind, id);
    let hashed: { id: string; size: number };
    try {
      using f = await Deno.open(path);
      hashed = await sha256Stream(f.readable);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return undefined;
      throw e;
    }
    if (hashed.id !== id) throw new StoredDataCorruptError(kind, id);
    return fileObject(path, hashed.size);
  }

  async get(kind: Kind, id: string): Promise<Uint8Array | undefined> {
    if (!isId(id)) return undefined;
    let bytes: Uint8Array;
    try {
      bytes = await Deno.readFile(this.#path(kind, id));
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return undefined;
      throw e;
    }
    // Content-addressed: a flipped byte on disk is caught here, not served or decoded.
    if (sha256Hex(bytes) !== id) throw new StoredDataCorruptError(kind, id);
    return bytes;
  }

  async list(kind: Kind): Promise<Entry[]> {
    const out: Entry[] = [];
    for await (const e of Deno.readDir(this.#path(kind))) {
      if (!e.isFile || !isId(e.name)) continue;
      try {
        const st = await Deno.stat(this.#path(kind, e.name));
        out.push({ id: e.name, size: st.size, created: st.mtime?.getTime() ?? 0 });
      } catch { /* deleted meanwhile */ }
    }
    return out.sort((x, y) => y.created - x.created || x.id.localeCompare(y.id));
  }

  async delete(kind: Kind, id: string): Promise<boolean> {
    if (!isId(id)) return false;
    if (kind === "report") this.#listed.delete(id);
    if (kind === "digest") await Deno.remove(this.#path("core", id)).catch(() => {});
    try {
      await Deno.remove(this.#path(kind, id));
      return true;
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return false;
      throw e;
    }
  }

  async keepCore(id: string, tempPath: string): Promise<void> {
    if (!isId(id)) throw new Error("not a digest id");
    await Deno.rename(tempPath, this.#path("core", id));
  }

  async hasCore(id: string): Promise<boolean> {
    if (!isId(id)) return false;
    try {
      return (await Deno.stat(this.#path("core", id))).isFile;
    } catch {
      return false;
    }
  }

  async readCore(id: string): Promise<ReadableStream<Uint8Array> | undefined> {
    if (!isId(id)) return undefined;
    try {
      return (await Deno.open(this.#path("core", id))).readable;
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return undefined;
      throw e;
    }
  }

  async listReports(
    query: ReportQuery,
  ): Promise<{ items: ReportListItem[]; nextCursor?: string }> {
    const items: ReportListItem[] = [];
    for (const e of await this.list("report")) {
      let it = this.#listed.get(e.id);
      if (!it || it.createdAt !== new Date(e.created).toISOString()) {
        try {
          const object = await this.open("report", e.id);
          if (!object) continue;
          it = listItem(e.id, e.created, listSource((await readStoredReport(object)).header));
        } catch {
          continue; // not a report this version can list
        }
        this.#listed.set(e.id, it);
      }
      if (matches(it, query)) items.push(it);
    }
    return pageOf(items, query);
  }

  async ping(): Promise<void> {
    await Deno.stat(this.root);
  }

  async tempDir(): Promise<string> {
    return await Deno.makeTempDir({ dir: this.#path("tmp"), prefix: "req-" });
  }

  async close(): Promise<void> {
    for await (const e of Deno.readDir(this.#path("tmp"))) {
      await Deno.remove(`${this.#path("tmp")}/${e.name}`, { recursive: true }).catch(() => {});
    }
  }

  /**
   * Applies retention to `kind`: deletes objects older than the age limit, then the oldest beyond
   * the count limit. Kept cores go with their digests; orphaned cores are removed too.
   *
   * @param kind what to prune
   * @param keep an id never to delete (the one just stored)
   * @returns the deleted ids
   */
  async prune(kind: Kind, keep?: string): Promise<string[]> {
    const now = this.#clock.now();
    const entries = await this.list(kind);
    const gone: string[] = [];
    let kept = 0;
    let bytes = 0;
    const maxBytes = this.#retention.maxBytes ?? Infinity;
    for (const e of entries) {
      const old = now - e.created > this.#retention.maxAgeMs;
      bytes += e.size + (kind === "digest" ? await this.#coreSize(e.id) : 0);
      if (e.id !== keep && (old || kept >= this.#retention.maxCount || bytes > maxBytes)) {
        if (await this.delete(kind, e.id)) gone.push(e.id);
      } else kept++;
    }
    if (kind === "digest") {
      for await (const c of Deno.readDir(this.#path("core"))) {
        if (!(await this.#exists(this.#path("digest", c.name)))) {
          await Deno.remove(this.#path("core", c.name)).catch(() => {});
        }
      }
    }
    return gone;
  }

  async #coreSize(id: string): Promise<number> {
    try {
      return (await Deno.stat(this.#path("core", id))).size;
    } catch {
      return 0;
    }
  }

  async #exists(path: string): Promise<boolean> {
    try {
      await Deno.stat(path);
      return true;
    } catch {
      return false;
    }
  }
}

/**
 * Opens (creating if needed) a local store at `root` and empties its `tmp/`.
 *
 * @param root the data directory
 * @param options retention and clock
 * @returns the store
 */
export async function openLocalStorage(
  root: string,
  options: LocalStorageOptions = {},
): Promise<LocalStorage> {
  const s = new LocalStorage(root, options);
  await s.init();
  return s;
}
