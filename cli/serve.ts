/**
 * `coredelta serve`: the HTTP API and web form on `Deno.serve`, with embedded defaults (port 8931,
 * data in `./.coredelta-data` or `$COREDELTA_DATA`) and no other set-up. `$COREDELTA_TOKENS`
 * (comma-separated) turns on bearer auth. On SIGTERM or SIGINT the server stops accepting, lets
 * requests in flight finish (up to the drain time, then aborts uploads, which clean up), removes
 * temporary files and exits 0.
 *
 * @module
 */

import { createApp } from "../api/app.ts";
import { DEFAULT_LIMITS, jsonLogger, type Limits, type Logger } from "../api/deps.ts";
import { ProblemError } from "../api/problem.ts";
import { DEFAULT_RETENTION, openLocalStorage } from "../api/storage.ts";
import { type CommandIO, parse, UsageError } from "./args.ts";

/** Help text of `serve`. */
export const SERVE_HELP = `Usage: coredelta serve [options]

Serves the HTTP API (/v1/...), its reference (/docs, /openapi.yaml) and the web form (/).

Options:
  --port N             port (default $PORT or 8931; 0 picks a free one)
  --hostname H         address to listen on (default 127.0.0.1; 0.0.0.0 for every interface)
  --data DIR           data directory (default $COREDELTA_DATA or ./.coredelta-data)
  --max-upload BYTES   largest request body (default ${DEFAULT_LIMITS.maxUploadBytes})
  --max-core BYTES     largest core after decompression (default ${DEFAULT_LIMITS.maxCoreBytes})
  --timeout SECONDS    time allowed to receive a body (default ${
  DEFAULT_LIMITS.requestTimeoutMs / 1000
})
  --idle-timeout SECONDS  longest pause in a request body before a 408 (default ${
  DEFAULT_LIMITS.idleTimeoutMs / 1000
})
  --digests N          digests computed at once; more uploads wait unread (default ${DEFAULT_LIMITS.maxConcurrentDigests})
  --keep-count N       digests and reports kept, each (default ${DEFAULT_RETENTION.maxCount})
  --keep-days N        days they are kept (default ${DEFAULT_RETENTION.maxAgeMs / 86_400_000})
  --drain SECONDS      time requests in flight get at shutdown (default 30)
  -h, --help           this help

Environment: COREDELTA_DATA, COREDELTA_TOKENS (comma-separated bearer tokens), PORT.
`;

/** Options of {@link startServer}. */
export interface ServeOptions {
  /** Port (0: any free port). */
  readonly port: number;
  /** Listen address. */
  readonly hostname: string;
  /** Data directory. */
  readonly dataDir: string;
  /** Bearer tokens (empty: no auth). */
  readonly tokens: readonly string[];
  /** Limit overrides. */
  readonly limits?: Partial<Limits>;
  /** Retention overrides. */
  readonly retention?: { maxCount?: number; maxAgeMs?: number };
  /** Drain time at shutdown, in ms. */
  readonly drainMs?: number;
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

/**
 * Starts the API.
 *
 * @param options where to listen, where data goes, limits
 * @returns the running server
 */
export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const logger = options.logger ?? jsonLogger;
  const storage = await openLocalStorage(options.dataDir, {
    ...(options.retention ? { retention: options.retention } : {}),
  });
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
  let url = "";
  const listening = Promise.withResolvers<void>();
  const server = Deno.serve({
    port: options.port,
    hostname: options.hostname,
    onListen({ hostname, port }) {
      url = `http://${hostname.includes(":") ? `[${hostname}]` : hostname}:${port}`;
      logger.log({ time: new Date().toISOString(), level: "info", msg: "listening", url });
      listening.resolve();
    },
  }, async (req, info) => {
    inflight++;
    try {
      return await app.fetch(req, info);
    } finally {
      if (--inflight === 0) idle?.resolve();
    }
  });
  await listening.promise;
  let stopping: Promise<void> | undefined;
  const finished = server.finished.then(() => storage.close());
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
    "max-upload": { type: "string" },
    "max-core": { type: "string" },
    timeout: { type: "string" },
    "idle-timeout": { type: "string" },
    digests: { type: "string" },
    "keep-count": { type: "string" },
    "keep-days": { type: "string" },
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
  const env = (k: string) => Deno.env.get(k);
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
  const digests = bytesOption("digests", values.digests);
  if (digests) limits.maxConcurrentDigests = digests;
  const retention: { maxCount?: number; maxAgeMs?: number } = {};
  const keepCount = bytesOption("keep-count", values["keep-count"]);
  if (keepCount) retention.maxCount = keepCount;
  const keepDays = bytesOption("keep-days", values["keep-days"]);
  if (keepDays) retention.maxAgeMs = keepDays * 86_400_000;
  const drain = bytesOption("drain", values.drain);

  const server = await startServer({
    port,
    hostname: values.hostname ?? "127.0.0.1",
    dataDir: values.data ?? env("COREDELTA_DATA") ?? "./.coredelta-data",
    tokens: (env("COREDELTA_TOKENS") ?? "").split(",").map((t) => t.trim()).filter(Boolean),
    limits,
    retention,
    ...(drain ? { drainMs: drain * 1000 } : {}),
  });
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
