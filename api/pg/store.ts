/**
 * A {@link Storage} in PostgreSQL, shared by stateless replicas: digests and reports in tables
 * keyed by their SHA-256, each written in one transaction once complete (a crashed writer leaves
 * nothing); a kept raw core in 1 MiB rows of `core_chunks`, streamed in from the upload's temporary
 * file inside the same transaction as its digest, and streamed out with a cursor; retention (count,
 * age, bytes) as one `DELETE ... RETURNING` per kind that locks rows in id order and skips rows
 * another replica is pruning, so replicas pruning at once delete each object once and never
 * deadlock; the schema from {@link MIGRATIONS}, applied at open.
 *
 * The pool is ./client.ts. Connection failures become {@link StoreUnavailableError} (503 with
 * `Retry-After`). Temporary files of uploads stay on the replica that receives them, in its own
 * directory, emptied at open and removed at close.
 *
 * @module
 */

import type postgres from "postgres";
import { Buffer } from "node:buffer";
import { listSource, readStoredReport } from "../report_file.ts";
import { memoryObject } from "../stored_object.ts";
import { chunkedReport } from "./report_chunks.ts";
import { type Clock, systemClock } from "../clock.ts";
import type { ReportListItem, ReportQuery } from "../report_list.ts";
import { connect, isConnectionError } from "./client.ts";
import { insertReport, selectReports } from "./history.ts";
import {
  DEFAULT_RETENTION,
  type Entry,
  fileObject,
  isId,
  type Kind,
  type PutOptions,
  type Retention,
  sha256Hex,
  sha256Stream,
  type Storage,
  StoredDataCorruptError,
  type StoredObject,
  StoreUnavailableError,
} from "../storage.ts";
import { MIGRATION_LOCK, MIGRATIONS } from "./migrations.ts";

/** Options of {@link openPgStorage}. */
export interface PgStorageOptions {
  /** Retention (default {@link DEFAULT_RETENTION}). */
  readonly retention?: Partial<Retention>;
  /** Clock for ages. */
  readonly clock?: Clock;
  /** Pool size (default 10). */
  readonly maxConnections?: number;
  /** PEM file of the CA that signed the server's certificate (turns on verified TLS). */
  readonly caFile?: string;
  /** Seconds to wait for a connection (default 5). */
  readonly connectTimeout?: number;
  /** How long to keep retrying an unreachable database at open, in ms (default 30 s). */
  readonly startupWaitMs?: number;
  /**
   * This replica's own directory for upload temporary files, emptied at open (default: a new one in
   * the system's).
   */
  readonly tempDir?: string;
}

/** Bytes in one row of a kept core. */
export const CORE_CHUNK_BYTES = 1024 * 1024;

const TABLES: Record<Kind, string> = { digest: "digests", report: "reports" };

/** A {@link Storage} in PostgreSQL. Open it with {@link openPgStorage}. */
export class PgStorage implements Storage {
  readonly #sql: postgres.Sql;
  readonly #retention: Retention;
  readonly #clock: Clock;
  readonly #tmp: string;

  /**
   * Wraps an open pool; {@link openPgStorage} also migrates and makes the temporary directory.
   *
   * @param sql the pool
   * @param tmp this replica's private temporary directory
   * @param options retention and clock
   */
  constructor(sql: postgres.Sql, tmp: string, options: PgStorageOptions = {}) {
    this.#sql = sql;
    this.#tmp = tmp;
    this.#retention = { ...DEFAULT_RETENTION, ...options.retention };
    this.#clock = options.clock ?? systemClock;
  }

  /** Runs `op`, turning connection failures into {@link StoreUnavailableError}. */
  async #db<T>(what: string, op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (e) {
      if (isConnectionError(e)) {
        throw new StoreUnavailableError(`The database could not be reached (${what})`, {
          cause: e,
        });
      }
      throw e;
    }
  }

  /** Applies every migration newer than the database's version; returns the versions applied. */
  migrate(): Promise<number[]> {
    return this.#db("migrate", () =>
      this.#sql.begin(async (tx) => {
        await tx`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`;
        await tx.unsafe(`CREATE TABLE IF NOT EXISTS coredelta_migrations (
          version integer PRIMARY KEY, name text NOT NULL, applied timestamptz NOT NULL DEFAULT now())`);
        const [row] =
          await tx`SELECT coalesce(max(version), 0)::int AS v FROM coredelta_migrations`;
        const done: number[] = [];
        for (const m of MIGRATIONS) {
          if (m.version <= (row?.v ?? 0)) continue;
          for (const s of m.statements) await tx.unsafe(s);
          await tx`INSERT INTO coredelta_migrations (version, name) VALUES (${m.version}, ${m.name})`;
          done.push(m.version);
        }
        return done;
      }));
  }

  put(kind: Kind, bytes: Uint8Array, options: PutOptions = {}): Promise<Entry> {
    const id = sha256Hex(bytes);
    const now = this.#clock.now();
    const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return this.#db(`store ${kind}`, async () => {
      await this.#sql.begin(async (tx) => {
        if (kind === "digest") {
          // A re-upload refreshes the age of an existing object, as in the local store.
          await tx`INSERT INTO digests (id, bytes, size, created) VALUES
            (${id}, ${data}, ${bytes.length}, ${now})
            ON CONFLICT (id) DO UPDATE SET created = excluded.created`;
          if (options.corePath !== undefined) await this.#writeCore(tx, id, options.corePath);
        } else {
          await insertReport(tx, id, data, now);
        }
      });
      if (options.corePath !== undefined) await Deno.remove(options.corePath).catch(() => {});
      // The object is stored: a failed retention pass must not fail the request (the next put
      // prunes again).
      await this.prune(kind, id).catch(() => {});
      return { id, size: bytes.length, created: now };
    });
  }

  async putFile(kind: Kind, path: string): Promise<Entry> {
    try {
      let hashed: { id: string; size: number };
      {
        using f = await Deno.open(path);
        hashed = await sha256Stream(f.readable);
      }
      const { id, size } = hashed;
      if (kind === "digest") return await this.put(kind, await Deno.readFile(path));
      const source = listSource((await readStoredReport(fileObject(path, size))).header);
      const now = this.#clock.now();
      return await this.#db("store report", async () => {
        await this.#sql.begin(async (tx) => {
          await insertReport(tx, id, Buffer.alloc(0), now, { size, source });
          await this.#writeChunks(tx, "report_chunks", "report_id", id, path);
        });
        await this.prune(kind, id).catch(() => {});
        return { id, size, created: now };
      });
    } finally {
      await Deno.remove(path).catch(() => {});
    }
  }

  async open(kind: Kind, id: string): Promise<StoredObject | undefined> {
    if (!isId(id)) return undefined;
    const [row] = await this.#db(
      `read ${kind}`,
      () =>
        this.#sql`SELECT size::float8 AS size, octet_length(bytes)::float8 AS inline
        FROM ${this.#sql(TABLES[kind])} WHERE id = ${id}`,
    );
    if (!row) return undefined;
    if (kind === "digest" || row.inline > 0 || row.size === 0) {
      const bytes = await this.get(kind, id);
      return bytes ? memoryObject(bytes) : undefined;
    }
    // Chunked: the hash is checked over every chunk, one at a time.
    return await this.#db(
      "read report",
      () => chunkedReport(this.#sql, id, row.size as number, (op) => this.#db("read report", op)),
    );
  }

  /** Streams a file into `core_chunks` of digest `id` (replacing any earlier copy). */
  async #writeCore(tx: postgres.TransactionSql, id: string, path: string): Promise<void> {
    const total = await this.#writeChunks(tx, "core_chunks", "digest_id", id, path);
    await tx`UPDATE digests SET core_size = ${total} WHERE id = ${id}`;
  }

  /** Streams a file into 1 MiB rows of `table` under `key` = `id` (replacing earlier rows). */
  async #writeChunks(
    tx: postgres.TransactionSql,
    table: string,
    key: string,
    id: string,
    path: string,
  ): Promise<number> {
    await tx`DELETE FROM ${tx(table)} WHERE ${tx(key)} = ${id}`;
    using file = await Deno.open(path);
    let seq = 0;
    let total = 0;
    for (;;) {
      const buf = new Uint8Array(CORE_CHUNK_BYTES);
      let n = 0;
      while (n < buf.length) {
        const r = await file.read(buf.subarray(n));
        if (r === null) break;
        n += r;
      }
      if (n === 0) break;
      await tx`INSERT INTO ${tx(table)} (${tx(key)}, seq, bytes)
        VALUES (${id}, ${seq++}, ${Buffer.from(buf.buffer, 0, n)})`;
      total += n;
      if (n < buf.length) break;
    }
    return total;
  }

  get(kind: Kind, id: string): Promise<Uint8Array | undefined> {
    if (!isId(id)) return Promise.resolve(undefined);
    return this.#db(`read ${kind}`, async () => {
      const [row] = await this.#sql`SELECT bytes, size::float8 AS size
        FROM ${this.#sql(TABLES[kind])} WHERE id = ${id}`;
      if (!row) return undefined;
      let b = row.bytes as Uint8Array;
      if (kind === "report" && b.length === 0 && row.size > 0) {
        // Stored in chunks (putFile): the whole report, for callers that want it whole.
        const rows = await this.#sql`SELECT bytes FROM report_chunks WHERE report_id = ${id}
          ORDER BY seq`;
        b = Buffer.concat(rows.map((r) => r.bytes as Uint8Array));
      }
      const bytes = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
      if (sha256Hex(bytes) !== id) throw new StoredDataCorruptError(kind, id);
      return bytes;
    });
  }

  list(kind: Kind): Promise<Entry[]> {
    return this.#db(`list ${kind}s`, async () => {
      const rows = await this.#sql`SELECT id, size::float8 AS size, created::float8 AS created
        FROM ${this.#sql(TABLES[kind])} ORDER BY created DESC, id`;
      return rows.map((r) => ({ id: r.id as string, size: r.size as number, created: r.created }));
    });
  }

  delete(kind: Kind, id: string): Promise<boolean> {
    if (!isId(id)) return Promise.resolve(false);
    return this.#db(`delete ${kind}`, async () => {
      const r = await this.#sql`DELETE FROM ${this.#sql(TABLES[kind])} WHERE id = ${id}`;
      return r.count > 0;
    });
  }

  keepCore(id: string, tempPath: string): Promise<void> {
    if (!isId(id)) throw new Error("not a digest id");
    return this.#db("store core", async () => {
      await this.#sql.begin(async (tx) => {
        const [d] = await tx`SELECT 1 FROM digests WHERE id = ${id} FOR UPDATE`;
        if (!d) throw new Error(`no digest ${id} to keep a core for`);
        await this.#writeCore(tx, id, tempPath);
      });
      await Deno.remove(tempPath).catch(() => {});
    });
  }

  hasCore(id: string): Promise<boolean> {
    if (!isId(id)) return Promise.resolve(false);
    return this.#db("read core", async () => {
      const [r] = await this.#sql`SELECT 1 FROM core_chunks WHERE digest_id = ${id} LIMIT 1`;
      return r !== undefined;
    });
  }

  async readCore(id: string): Promise<ReadableStream<Uint8Array> | undefined> {
    if (!(await this.hasCore(id))) return undefined;
    const rows = this.#sql`SELECT bytes FROM core_chunks WHERE digest_id = ${id} ORDER BY seq`
      .cursor(4)[Symbol.asyncIterator]();
    return new ReadableStream<Uint8Array>({
      pull: async (ctl) => {
        const r = await this.#db("read core", () => rows.next());
        if (r.done) return ctl.close();
        for (const row of r.value) ctl.enqueue(new Uint8Array(row.bytes as Uint8Array));
      },
      cancel: async () => void (await rows.return?.()),
    }, { highWaterMark: 0 });
  }

  /** The history, in SQL, with the local store's semantics (see {@link selectReports}). */
  listReports(q: ReportQuery): Promise<{ items: ReportListItem[]; nextCursor?: string }> {
    return this.#db("list reports", () => selectReports(this.#sql, q));
  }

  /**
   * Applies retention to `kind` in one statement: deletes objects older than the age limit, beyond
   * the count limit, or beyond the byte limit (kept cores count), oldest first, never `keep`.
   * Concurrent calls delete each object once: a row another call deleted is skipped.
   */
  prune(kind: Kind, keep = ""): Promise<string[]> {
    const { maxCount, maxAgeMs, maxBytes } = this.#retention;
    const oldest = this.#clock.now() - maxAgeMs;
    const table = this.#sql(TABLES[kind]);
    const bytes = kind === "digest" ? this.#sql`size + core_size` : this.#sql`size`;
    const limitBytes = maxBytes !== undefined && Number.isFinite(maxBytes) ? maxBytes : null;
    return this.#db(`prune ${kind}s`, async () => {
      // Rows are locked in id order and rows another pruner holds are skipped (it deletes them):
      // no deadlock between replicas and no row deleted twice.
      const rows = await this.#sql`WITH ranked AS (
          SELECT id, created,
            row_number() OVER (ORDER BY created DESC, id) AS n,
            sum(${bytes}) OVER (ORDER BY created DESC, id) AS total
          FROM ${table}),
        doomed AS (
          SELECT t.id FROM ${table} t JOIN ranked r ON r.id = t.id
          WHERE t.id <> ${keep} AND (r.created < ${oldest} OR r.n > ${maxCount}
            OR (${limitBytes}::bigint IS NOT NULL AND r.total > ${limitBytes}::bigint))
          ORDER BY t.id FOR UPDATE OF t SKIP LOCKED)
        DELETE FROM ${table} t USING doomed d WHERE t.id = d.id
        RETURNING t.id`;
      return rows.map((r) => r.id as string);
    });
  }

  async ping(): Promise<void> {
    await this.#db("ping", () => this.#sql`SELECT 1`);
  }

  async tempDir(): Promise<string> {
    return await Deno.makeTempDir({ dir: this.#tmp, prefix: "req-" });
  }

  async close(): Promise<void> {
    await this.#sql.end({ timeout: 5 }).catch(() => {});
    await Deno.remove(this.#tmp, { recursive: true }).catch(() => {});
  }
}

/**
 * Connects to `url` (`postgres://user:pass@host:port/db?sslmode=...`), applies migrations and
 * makes this replica's temporary directory.
 *
 * @param url the database URL
 * @param options retention, clock, pool size, TLS CA
 * @returns the store
 */
export async function openPgStorage(
  url: string,
  options: PgStorageOptions = {},
): Promise<PgStorage> {
  const ca = options.caFile ? await Deno.readTextFile(options.caFile) : undefined;
  const sql = connect(url, options.maxConnections ?? 10, options.connectTimeout ?? 5, ca);
  let tmp = options.tempDir;
  if (tmp) {
    // Left by an earlier process of this replica (a crash): never adopted, so removed.
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
    await Deno.mkdir(tmp, { recursive: true, mode: 0o700 });
  } else tmp = await Deno.makeTempDir({ prefix: "coredelta-tmp-" });
  const store = new PgStorage(sql, tmp, options);
  // A replica may start before its database (compose, Kubernetes): wait for it, then migrate.
  const until = Date.now() + (options.startupWaitMs ?? 30_000);
  for (let delay = 250;; delay = Math.min(delay * 2, 4000)) {
    try {
      await store.migrate();
      return store;
    } catch (e) {
      if (!(e instanceof StoreUnavailableError) || Date.now() + delay > until) {
        await store.close();
        throw e;
      }
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}
