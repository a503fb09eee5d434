/**
 * `coredelta serve`: the HTTP API and web form on `Deno.serve` behind an HTTP/1.1 front
 * (`runtime/http_front/`: request-head timeout and limits, closing answers close), with embedded
 * defaults (port 8931, data in `./.coredelta-data` or `$COREDELTA_DATA`) and no other set-up.
 * `$COREDELTA_TOKENS` (comma-separated) turns on bearer auth. On SIGTERM or SIGINT the server
 * lets requests in flight finish (new ones get 503; after the drain time uploads are aborted and
 * clean up), then stops accepting, removes temporary files and exits 0.
 *
 * @module
 */

import { createApp } from "../api/app.ts";
import { DEFAULT_LIMITS, jsonLogger, type Limits, type Logger } from "../api/deps.ts";
import { PROBLEM_BASE, PROBLEM_TYPES, ProblemError } from "../api/problem.ts";
import { FRONT_DEFAULTS } from "../runtime/http_front/mod.ts";
import { type ProblemTable, spawnFront } from "../runtime/http_front/worker.ts";
import { servePrivately } from "../runtime/http_front/socket_dir.ts";
import {
  DEFAULT_RETENTION,
  openLocalStorage,
  type Storage,
  StoreUnavailableError,
} from "../api/storage.ts";
import { type CommandIO, parse, UsageError } from "./args.ts";

/** Help text of `serve`. */
export const SERVE_HELP = `Usage: coredelta serve [options]

Serves the HTTP API (/v1/...), its reference (/docs, /openapi.yaml) and the web form (/).

Options:
  --port N             port (default $PORT or 8931; 0 picks a free one)
  --hostname H         address to listen on (default 127.0.0.1; 0.0.0.0 for every interface)
  --data DIR           data directory (default $COREDELTA_DATA or ./.coredelta-data; with --store
                       it holds only this replica's temporary files)
  --store URL          keep digests, reports and kept cores in PostgreSQL instead
                       (postgres://user:pass@host:5432/db?sslmode=require; default $COREDELTA_STORE);
                       replicas on one database serve any id. $COREDELTA_STORE_CA: CA file for TLS
  --store-wait SECONDS how long to wait at start for an unreachable database (default 30)
  --max-upload BYTES   largest request body (default ${DEFAULT_LIMITS.maxUploadBytes})
  --max-core BYTES     largest core after decompression (default ${DEFAULT_LIMITS.maxCoreBytes})
  --timeout SECONDS    time allowed to receive a body (default ${
  DEFAULT_LIMITS.requestTimeoutMs / 1000
})
  --idle-timeout SECONDS  longest pause in a request body before a 408 (default ${
  DEFAULT_LIMITS.idleTimeoutMs / 1000
})
  --header-timeout SECONDS  time allowed for each request's line and headers before a 408
                       (default ${
  FRONT_DEFAULTS.headerTimeoutMs / 1000
}); an idle keep-alive connection closes after it
  --digests N          digests computed at once; more uploads wait unread (default ${DEFAULT_LIMITS.maxConcurrentDigests})
  --keep-count N       digests and reports kept, each (default ${DEFAULT_RETENTION.maxCount})
  --keep-days N        days they are kept (default ${DEFAULT_RETENTION.maxAgeMs / 86_400_000})
  --keep-bytes BYTES   bytes kept per kind, kept cores included (default unlimited)
  --drain SECONDS      time requests in flight get at shutdown (default 30)
  -h, --help           this help

Environment: COREDELTA_DATA, COREDELTA_STORE, COREDELTA_STORE_CA, COREDELTA_TOKENS
(comma-separated bearer tokens), PORT.
`;

/** Options of {@link startServer}. */
export interface ServeOptions {
  /** Port (0: any free port). */
  readonly port: number;
  /** Listen address. */
  readonly hostname: string;
  /** Data directory (the local store). */
  readonly dataDir: string;
  /** PostgreSQL URL: the shared store instead of the data directory. */
  readonly store?: string | undefined;
  /** CA file for the PostgreSQL TLS connection. */
  readonly storeCa?: string | undefined;
  /** How long to wait at start for an unreachable database, in ms (default 30 s). */
  readonly storeWaitMs?: number | undefined;
  /** Bearer tokens (empty: no auth). */
  readonly tokens: readonly string[];
  /** Limit overrides. */
  readonly limits?: Partial<Limits>;
  /** Retention overrides. */
  readonly retention?: { maxCount?: number; maxAgeMs?: number; maxBytes?: number };
  /** Drain time at shutdown, in ms. */
  readonly drainMs?: number;
  /** Time allowed for a request head, in ms (default 10 s). */
  readonly headerTimeoutMs?: number;
  /** Log sink (default: JSON lines on stdout). */
  readonly logger?: Logger;
}

/** A running server. */
export interface RunningServer {
  /** Base URL, e.g. `http://127.0.0.1:8931`. */
  readonly url: string;
  /** Stops accepting, drains, cleans up; resolves when done. */
  shutdown(): Promise<void>;
  /** Settles when the server has stopped and cleaned up. */
  readonly finished: Promise<void>;
}

/** Whether `store` names a PostgreSQL database. */
export function isPostgresUrl(store: string): boolean {
  return /^postgres(ql)?:\/\//.test(store);
}

/** Opens the store the options name: PostgreSQL when `store` is set, else the data directory. */
async function openStore(options: ServeOptions): Promise<Storage> {
  const retention = options.retention ? { retention: options.retention } : {};
  if (!options.store) return await openLocalStorage(options.dataDir, retention);
  if (!isPostgresUrl(options.store)) {
    throw new UsageError("--store must be a postgres:// or postgresql:// URL");
  }
  const { openPgStorage } = await import("../api/pg/store.ts");
  return await openPgStorage(options.store, {
    ...retention,
    ...(options.storeCa ? { caFile: options.storeCa } : {}),
    ...(options.storeWaitMs !== undefined ? { startupWaitMs: options.storeWaitMs } : {}),
    tempDir: `${options.dataDir.replace(/\/+$/, "")}/tmp`,
  });
}

/**
 * Starts the API.
 *
 * @param options where to listen, where data goes, limits
 * @returns the running server
 */
export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const logger = options.logger ?? jsonLogger;
  const storage = await openStore(options);
  const stop = new AbortController();
  let draining = false;
  const app = createApp({
    storage,
    tokens: options.tokens,
    logger,
    signal: stop.signal,
    draining: () => draining,
    ...(options.limits ? { limits: options.limits } : {}),
  });
  // Deno's server.shutdown() cuts request bodies still being received, so shutdown first waits
  // for the requests in flight (new ones get 503), and calls it only when none is left.
  let inflight = 0;
  let idle: PromiseWithResolvers<void> | undefined;
  // The app listens on a private address; the public one is the front's, which times out and
  // bounds request heads and closes the connections the app's answers say it closes.
  const inner = await servePrivately(options.dataDir, async (req, info) => {
    inflight++;
    try {
      return await app.fetch(req, info);
    } finally {
      if (--inflight === 0) idle?.resolve();
    }
  }).catch(async (e) => {
    await storage.close();
    throw e;
  });
  const server = inner.server;
  const problems = Object.fromEntries(
    (["header-timeout", "uri-too-long", "headers-too-large", "bad-request", "unavailable"] as const)
      .map((code) => [code, { type: PROBLEM_BASE + code, ...PROBLEM_TYPES[code] }]),
  ) as ProblemTable;
  let front;
  try {
    front = await spawnFront(
      {
        hostname: options.hostname,
        port: options.port,
        upstream: inner.address,
        problems,
        ...(options.headerTimeoutMs ? { headerTimeoutMs: options.headerTimeoutMs } : {}),
      },
      (problem, status) =>
        logger.log({
          time: new Date().toISOString(),
          level: "info",
          msg: "refused",
          status,
          problem,
        }),
    );
  } catch (e) {
    await server.shutdown();
    await inner.remove();
    await storage.close();
    throw e;
  }
  const { hostname, port } = front.addr;
  const url = `http://${hostname.includes(":") ? `[${hostname}]` : hostname}:${port}`;
  logger.log({ time: new Date().toISOString(), level: "info", msg: "listening", url });
  let stopping: Promise<void> | undefined;
  const finished = server.finished.then(async () => {
    // Connections still in their request head when the app stopped are cut.
    front.stop();
    front.abort();
    await front.finished;
    await inner.remove();
    await storage.close();
  });
  const shutdown = () =>
    stopping ??= (async () => {
      logger.log({ time: new Date().toISOString(), level: "info", msg: "draining" });
      const drain = setTimeout(
        () => stop.abort(new ProblemError("unavailable", "The server is shutting down")),
        options.drainMs ?? 30_000,
      );
      draining = true;
      try {
        if (inflight > 0) {
          idle = Promise.withResolvers<void>();
          await idle.promise;
        }
        // New connections were still taken (and told 503) while requests drained; no longer.
        front.stop();
        await server.shutdown();
        await finished;
      } finally {
        clearTimeout(drain);
      }
      logger.log({ time: new Date().toISOString(), level: "info", msg: "stopped" });
    })();
  return { url, shutdown, finished };
}

function bytesOption(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n <= 0) {
    throw new UsageError(`--${name} must be a positive integer`);
  }
  return n;
}

/**
 * Runs `serve` until SIGTERM or SIGINT; returns the exit code.
 *
 * @param args the arguments after `serve`
 * @param io output streams (help only; the server logs JSON lines on stdout)
 * @returns 0 after a clean shutdown
 */
export async function serveCommand(args: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parse(args, {
    port: { type: "string" },
    hostname: { type: "string" },
    data: { type: "string" },
    store: { type: "string" },
    "store-wait": { type: "string" },
    "max-upload": { type: "string" },
    "max-core": { type: "string" },
    timeout: { type: "string" },
    "idle-timeout": { type: "string" },
    "header-timeout": { type: "string" },
    digests: { type: "string" },
    "keep-count": { type: "string" },
    "keep-days": { type: "string" },
    "keep-bytes": { type: "string" },
    drain: { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    io.stdout(SERVE_HELP);
    return 0;
  }
  if (positionals.length) {
    throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  }
  // A variable the process may not read (a scoped --allow-env, as in the Docker image) is unset.
  const env = (k: string) => {
    try {
      return Deno.env.get(k);
    } catch {
      return undefined;
    }
  };
  const port = Number(values.port ?? env("PORT") ?? 8931);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError("--port must be 0-65535");
  }
  const limits: { -readonly [K in keyof Limits]?: Limits[K] } = {};
  const maxUpload = bytesOption("max-upload", values["max-upload"]);
  if (maxUpload) limits.maxUploadBytes = maxUpload;
  const maxCore = bytesOption("max-core", values["max-core"]);
  if (maxCore) limits.maxCoreBytes = maxCore;
  const timeout = bytesOption("timeout", values.timeout);
  if (timeout) limits.requestTimeoutMs = timeout * 1000;
  const idle = bytesOption("idle-timeout", values["idle-timeout"]);
  if (idle) limits.idleTimeoutMs = idle * 1000;
  const headerTimeout = bytesOption("header-timeout", values["header-timeout"]);
  const digests = bytesOption("digests", values.digests);
  if (digests) limits.maxConcurrentDigests = digests;
  const retention: { maxCount?: number; maxAgeMs?: number; maxBytes?: number } = {};
  const keepCount = bytesOption("keep-count", values["keep-count"]);
  if (keepCount) retention.maxCount = keepCount;
  const keepDays = bytesOption("keep-days", values["keep-days"]);
  if (keepDays) retention.maxAgeMs = keepDays * 86_400_000;
  const keepBytes = bytesOption("keep-bytes", values["keep-bytes"]);
  if (keepBytes) retention.maxBytes = keepBytes;
  const drain = bytesOption("drain", values.drain);
  const storeWait = values["store-wait"] === undefined ? undefined : Number(values["store-wait"]);
  if (storeWait !== undefined && !(Number.isFinite(storeWait) && storeWait >= 0)) {
    throw new UsageError("--store-wait must be a number of seconds >= 0");
  }

  const server = await startServer({
    port,
    hostname: values.hostname ?? "127.0.0.1",
    dataDir: values.data ?? env("COREDELTA_DATA") ?? "./.coredelta-data",
    store: values.store ?? env("COREDELTA_STORE"),
    storeCa: env("COREDELTA_STORE_CA"),
    ...(storeWait !== undefined ? { storeWaitMs: storeWait * 1000 } : {}),
    tokens: (env("COREDELTA_TOKENS") ?? "").split(",").map((t) => t.trim()).filter(Boolean),
    limits,
    retention,
    ...(drain ? { drainMs: drain * 1000 } : {}),
    ...(headerTimeout ? { headerTimeoutMs: headerTimeout * 1000 } : {}),
  }).catch((e) => {
    if (!(e instanceof StoreUnavailableError)) throw e;
    // The database stayed unreachable for the whole start-up wait: one line, exit 1.
    const cause = e.cause instanceof Error ? `: ${e.cause.message}` : "";
    io.stderr(`coredelta serve: ${e.message}${cause}\n`);
    return undefined;
  });
  if (!server) return 1;
  let stopping: Promise<void> | undefined;
  const onSignal = () => void (stopping = server.shutdown());
  const signals: Deno.Signal[] = ["SIGTERM", "SIGINT"];
  for (const s of signals) Deno.addSignalListener(s, onSignal);
  try {
    await server.finished;
    await stopping;
  } finally {
    for (const s of signals) Deno.removeSignalListener(s, onSignal);
  }
  return 0;
}
