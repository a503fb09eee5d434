/**
 * Test helpers: an app on a throw-away data directory with a capturing logger, and a check that no
 * temporary file is left behind.
 *
 * @module
 */

import { createApp } from "../api/app.ts";
import type { AppDeps, Limits, LogRecord } from "../api/deps.ts";
import { type LocalStorage, openLocalStorage, type Retention } from "../api/storage.ts";
import { SPEC_TEXT } from "./_spec.ts";

/** An app under test. */
export interface TestApp {
  /** The app. */
  readonly app: ReturnType<typeof createApp>;
  /** Its storage. */
  readonly storage: LocalStorage;
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

/** Makes an app on a fresh temporary data directory. */
export async function testApp(options: TestAppOptions = {}): Promise<TestApp> {
  const dir = await Deno.makeTempDir({ prefix: "coredelta-api-test-" });
  const storage = await openLocalStorage(dir, {
    ...(options.retention ? { retention: options.retention } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
  });
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
    cleanup: () => Deno.remove(dir, { recursive: true }),
    leftovers: () => filesUnder(`${dir}/tmp`),
  };
}

/** A file of a fixture set as a Blob (for FormData). */
export async function fixtureBlob(set: string, file: string): Promise<Blob> {
  const url = new URL(`../test/fixtures/cores/${set}/${file}`, import.meta.url);
  return new Blob([await Deno.readFile(url)]);
}
