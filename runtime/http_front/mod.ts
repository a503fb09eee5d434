/**
 * The HTTP/1.1 front of `coredelta serve`. Deno's HTTP server has no request-head timeout
 * (denoland/deno#3515), answers heads over its own limits with a bare 400, and reads the rest of a
 * request body after a response that says `Connection: close`. The front listens on the public
 * address and, per connection, reads each request head with a deadline and size limits (answering
 * 408, 414, 431 or 400 as problem+json itself), forwards the request to the app's `Deno.serve` on a
 * private address, and closes the client connection when a closing response is complete.
 *
 * @module
 */

import { type ConnectionSettings, FrontConnection } from "./connection.ts";

export type { FrontProblemCode } from "./connection.ts";
export { HeadError, type HeadLimits } from "./head.ts";

/** Defaults of {@link FrontOptions}. */
export const FRONT_DEFAULTS = {
  headerTimeoutMs: 10_000,
  limits: { lineBytes: 9216, headBytes: 32768, fields: 96 },
  lingerMs: 2000,
} as const;

/** Options of {@link startFront}. */
export interface FrontOptions
  extends Partial<Omit<ConnectionSettings, "upstream" | "problem" | "onRefused">> {
  /** Public address. */
  readonly hostname: string;
  /** Public port (0: any free one). */
  readonly port: number;
  /** Opens a connection to the internal server. */
  readonly upstream: ConnectionSettings["upstream"];
  /** Problem bodies the front answers. */
  readonly problem: ConnectionSettings["problem"];
  /** Told of every problem the front answers. */
  readonly onRefused?: ConnectionSettings["onRefused"];
}

/** A running front. */
export interface Front {
  /** Where it listens. */
  readonly addr: Deno.NetAddr;
  /** Stops accepting; connections waiting for a request close, the others after their answer. */
  stop(): void;
  /** Closes every connection in a request head now (the others end with their answer). */
  abort(): void;
  /** Settles when it no longer accepts and every connection is closed. */
  readonly finished: Promise<void>;
}

/**
 * Starts the front.
 *
 * @param options where to listen, where to forward, limits
 * @returns the running front
 */
export function startFront(options: FrontOptions): Front {
  const settings: ConnectionSettings = {
    headerTimeoutMs: options.headerTimeoutMs ?? FRONT_DEFAULTS.headerTimeoutMs,
    limits: options.limits ?? FRONT_DEFAULTS.limits,
    lingerMs: options.lingerMs ?? FRONT_DEFAULTS.lingerMs,
    upstream: options.upstream,
    problem: options.problem,
    ...(options.onRefused ? { onRefused: options.onRefused } : {}),
  };
  const listener = Deno.listen({ hostname: options.hostname, port: options.port });
  const open = new Set<FrontConnection>();
  const running = new Set<Promise<void>>();
  let stopped = false;
  const accepting = (async () => {
    for (;;) {
      let conn: Deno.TcpConn;
      try {
        conn = await listener.accept();
      } catch {
        if (stopped) return;
        // A failed accept (EMFILE, a reset) must not stop the server, nor spin while it lasts.
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      try {
        conn.setNoDelay(true);
      } catch { /* closed already */ }
      const c = new FrontConnection(conn, settings);
      open.add(c);
      const p = c.run().catch(() => {}).finally(() => {
        open.delete(c);
        running.delete(p);
      });
      running.add(p);
    }
  })();
  return {
    addr: listener.addr,
    stop() {
      if (stopped) return;
      stopped = true;
      listener.close();
      for (const c of open) c.stop();
    },
    abort() {
      for (const c of open) c.abort();
    },
    finished: (async () => {
      await accepting;
      while (running.size) await Promise.all(running);
    })(),
  };
}
