/**
 * Test helpers: an app on a throw-away data directory with a capturing logger, and a check that no
 * temporary file is left behind.
 *
 * @module
 */

import { createApp } from "../api/app.ts";
import type { AppDeps, Limits, LogRecord } from "../api/deps.ts";
import postgres from "postgres";
import { openPgStorage } from "../api/pg/store.ts";
import { openLocalStorage, type Retention, type Storage } from "../api/storage.ts";
import { SPEC_TEXT } from "./_spec.ts";

/** An app under test. */
export interface TestApp {
  /** The app. */
  readonly app: ReturnType<typeof createApp>;
  /** Its storage (local, or PostgreSQL when `COREDELTA_TEST_STORE` is set). */
  readonly storage: Storage;
  /** Its data directory. */
  readonly dir: string;
  /** Log records written so far. */
  readonly logs: LogRecord[];
  /** Removes the data directory. */
  cleanup(): Promise<void>;
  /** Files left under `tmp/` (should be none between requests). */
  leftovers(): Promise<string[]>;
}

/** Options of {@link testApp}. */
export interface TestAppOptions {
  /** Limit overrides. */
  readonly limits?: Partial<Limits>;
  /** Bearer tokens. */
  readonly tokens?: readonly string[];
  /** Retention of the store. */
  readonly retention?: Partial<Retention>;
  /** Clock. */
  readonly clock?: AppDeps["clock"];
  /** Shutdown signal. */
  readonly signal?: AbortSignal;
}

/** Lists every file under `dir`, recursively. */
export async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) {
      const p = `${dir}/${e.name}`;
      if (e.isDirectory) out.push(p + "/", ...(await filesUnder(p)));
      else out.push(p);
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return out;
}

/**
 * The store API tests run against: `COREDELTA_TEST_STORE` (the URL of a PostgreSQL database whose
 * user may create databases; test/api_postgres_test.ts sets it) gives each app a fresh database
 * there; unset, a local directory. Returns the store and how to remove what it made.
 */
async function testStorage(
  dir: string,
  options: TestAppOptions,
): Promise<{ storage: Storage; drop: () => Promise<void> }> {
  const common = {
    ...(options.retention ? { retention: options.retention } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
  };
  const db = await testDatabase();
  if (!db) return { storage: await openLocalStorage(dir, common), drop: async () => {} };
  const storage = await openPgStorage(db.url, { ...common, tempDir: `${dir}/tmp` });
  return {
    storage,
    drop: async () => {
      await storage.close();
      await db.drop();
    },
  };
}

/**
 * A fresh database on the cluster `COREDELTA_TEST_STORE` names, or undefined when it is unset (the
 * tests then use a local data directory).
 *
 * @returns its URL and how to drop it
 */
export async function testDatabase(): Promise<{ url: string; drop(): Promise<void> } | undefined> {
  const url = Deno.env.get("COREDELTA_TEST_STORE");
  if (!url) return undefined;
  const name = `api_${crypto.randomUUID().replaceAll("-", "")}`;
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  const dbUrl = new URL(url);
  dbUrl.pathname = `/${name}`;
  return {
    url: dbUrl.href,
    drop: async () => {
      await admin.unsafe(`DROP DATABASE ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}

/** Makes an app on a fresh temporary data directory (or database, see {@link testStorage}). */
export async function testApp(options: TestAppOptions = {}): Promise<TestApp> {
  const dir = await Deno.makeTempDir({ prefix: "coredelta-api-test-" });
  const { storage, drop } = await testStorage(dir, options);
  const logs: LogRecord[] = [];
  const app = createApp({
    storage,
    logger: { log: (r) => void logs.push(r) },
    openapi: SPEC_TEXT,
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.tokens ? { tokens: options.tokens } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return {
    app,
    storage,
    dir,
    logs,
    cleanup: async () => {
      await drop();
      await Deno.remove(dir, { recursive: true });
    },
    leftovers: () => filesUnder(`${dir}/tmp`),
  };
}

/** A file of a fixture set as a Blob (for FormData). */
export async function fixtureBlob(set: string, file: string): Promise<Blob> {
  const url = new URL(`../test/fixtures/cores/${set}/${file}`, import.meta.url);
  return new Blob([await Deno.readFile(url)]);
}
