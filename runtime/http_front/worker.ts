/**
 * The front in a worker of its own: its event loop never waits behind the app's work (a digest
 * running on the main thread), so heads are timed, `/health` is passed on and bytes are copied
 * while the app is busy. {@link spawnFront} starts it; messages carry start, stop and abort.
 *
 * @module
 */

import type { FrontProblemCode } from "./connection.ts";
import { type Front, FRONT_DEFAULTS, type HeadLimits, startFront } from "./mod.ts";

/** Where the app listens: a Unix socket path or a loopback port. */
export type UpstreamAddress = { readonly path: string } | { readonly port: number };

/** The problem kinds the front answers: `type` URI, `title` and `status` of each. */
export type ProblemTable = Record<
  FrontProblemCode,
  { readonly type: string; readonly title: string; readonly status: number }
>;

/** Options of {@link spawnFront} (plain data: they cross to the worker). */
export interface FrontWorkerOptions {
  /** Public address. */
  readonly hostname: string;
  /** Public port (0: any free one). */
  readonly port: number;
  /** The app's private address. */
  readonly upstream: UpstreamAddress;
  /** The problems the front answers. */
  readonly problems: ProblemTable;
  /** Time allowed for a request head, in ms. */
  readonly headerTimeoutMs?: number;
  /** Request head limits. */
  readonly limits?: HeadLimits;
  /** Lingering time of a closed connection, in ms. */
  readonly lingerMs?: number;
}

/** Told of every problem the front answers: its code and status (never request bytes). */
export type RefusalListener = (code: FrontProblemCode, status: number) => void;

type ToWorker = { start: FrontWorkerOptions } | { stop: true } | { abort: true };
type FromWorker =
  | { listening: Deno.NetAddr }
  | { failed: { name: string; message: string } }
  | { refused: { code: FrontProblemCode; status: number } }
  | { finished: true };

function connectTo(a: UpstreamAddress): () => Promise<Deno.Conn> {
  return "path" in a
    ? () => Deno.connect({ transport: "unix", path: a.path })
    : () => Deno.connect({ hostname: "127.0.0.1", port: a.port });
}

/** The worker side: runs one front. */
function serveInWorker(scope: {
  onmessage: ((e: MessageEvent<ToWorker>) => void) | null;
  postMessage(m: FromWorker): void;
  close(): void;
}): void {
  let front: Front | undefined;
  scope.onmessage = ({ data }) => {
    if ("start" in data) {
      const o = data.start;
      try {
        front = startFront({
          hostname: o.hostname,
          port: o.port,
          headerTimeoutMs: o.headerTimeoutMs ?? FRONT_DEFAULTS.headerTimeoutMs,
          limits: o.limits ?? FRONT_DEFAULTS.limits,
          lingerMs: o.lingerMs ?? FRONT_DEFAULTS.lingerMs,
          upstream: connectTo(o.upstream),
          onRefused: (code, status) => scope.postMessage({ refused: { code, status } }),
          problem: (code, detail, limit) => {
            const t = o.problems[code];
            const body = { ...t, detail, ...(limit === undefined ? {} : { limit }) };
            return { status: t.status, body: JSON.stringify(body) };
          },
        });
      } catch (e) {
        const err = e instanceof Error ? e : new Error(String(e));
        scope.postMessage({ failed: { name: err.name, message: err.message } });
        return scope.close();
      }
      scope.postMessage({ listening: front.addr });
      front.finished.then(() => {
        scope.postMessage({ finished: true });
        scope.close();
      });
    } else if ("stop" in data) front?.stop();
    else front?.abort();
  };
}

/**
 * Starts the front in a worker.
 *
 * @param options where to listen and forward, the problems, limits
 * @param onRefused told of every problem the front answers
 * @returns the running front
 */
export async function spawnFront(
  options: FrontWorkerOptions,
  onRefused?: RefusalListener,
): Promise<Front> {
  const worker = new Worker(import.meta.url, { type: "module" });
  const listening = Promise.withResolvers<Deno.NetAddr>();
  const finished = Promise.withResolvers<void>();
  worker.onmessage = ({ data }: MessageEvent<FromWorker>) => {
    if ("refused" in data) onRefused?.(data.refused.code, data.refused.status);
    else if ("listening" in data) listening.resolve(data.listening);
    else if ("failed" in data) {
      // The same class as in the worker (AddrInUse, NotCapable, ...) where Deno has it.
      const Class = (Deno.errors as unknown as Record<string, ErrorConstructor>)[data.failed.name];
      const e = new (Class ?? Error)(data.failed.message);
      e.name = data.failed.name;
      listening.reject(e);
      worker.terminate();
    } else {
      finished.resolve();
      worker.terminate();
    }
  };
  worker.onerror = (e) => {
    e.preventDefault();
    listening.reject(new Error(`the HTTP front failed: ${e.message}`));
    finished.resolve();
    worker.terminate();
  };
  worker.postMessage({ start: options } satisfies ToWorker);
  const addr = await listening.promise;
  return {
    addr,
    stop: () => worker.postMessage({ stop: true } satisfies ToWorker),
    abort: () => worker.postMessage({ abort: true } satisfies ToWorker),
    finished: finished.promise,
  };
}

// deno-lint-ignore no-explicit-any
const scope = globalThis as any;
if (typeof scope.WorkerGlobalScope !== "undefined" && scope instanceof scope.WorkerGlobalScope) {
  serveInWorker(scope);
}
