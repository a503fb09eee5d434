/**
 * Prometheus metrics of one replica, served at `GET /metrics` (text exposition format 0.0.4,
 * behind the same bearer auth as the API): requests by method, route pattern and status, their
 * latency as a histogram by route, body bytes ingested, digests being computed and waiting, and
 * store operations that failed. Route patterns (`/v1/cores/:id`), never raw paths, are labels, so
 * the series stay few.
 *
 * @module
 */

import { Hono, type MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import type { AppEnv } from "./deps.ts";
import type { Slots } from "./slots.ts";
import type { Storage } from "./storage.ts";

/** Latency buckets in seconds. */
export const LATENCY_BUCKETS: readonly number[] = [
  0.005,
  0.01,
  0.025,
  0.05,
  0.1,
  0.25,
  0.5,
  1,
  2.5,
  5,
  10,
  30,
  60,
  300,
];

interface Histogram {
  counts: number[];
  sum: number;
  count: number;
}

const label = (v: string) => v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");

/** The counters of one replica. */
export class Metrics {
  readonly #requests = new Map<string, number>();
  readonly #latency = new Map<string, Histogram>();
  readonly #storeErrors = new Map<string, number>();
  #bytesIn = 0;

  /**
   * Counts one finished request.
   *
   * @param method HTTP method
   * @param route route pattern
   * @param status response status
   * @param seconds time taken
   * @param bytesIn body bytes received
   */
  request(method: string, route: string, status: number, seconds: number, bytesIn: number): void {
    const k = `method="${label(method)}",route="${label(route)}",status="${status}"`;
    this.#requests.set(k, (this.#requests.get(k) ?? 0) + 1);
    const hk = `method="${label(method)}",route="${label(route)}"`;
    let h = this.#latency.get(hk);
    if (!h) this.#latency.set(hk, h = { counts: LATENCY_BUCKETS.map(() => 0), sum: 0, count: 0 });
    LATENCY_BUCKETS.forEach((b, i) => {
      if (seconds <= b) h.counts[i]!++;
    });
    h.sum += seconds;
    h.count++;
    this.#bytesIn += bytesIn;
  }

  /**
   * Counts a failed store operation.
   *
   * @param op the storage method
   */
  storeError(op: string): void {
    const k = `op="${label(op)}"`;
    this.#storeErrors.set(k, (this.#storeErrors.get(k) ?? 0) + 1);
  }

  /**
   * The exposition text.
   *
   * @param slots the digest slots (in flight and waiting)
   * @returns Prometheus text format
   */
  render(slots: Slots): string {
    const out: string[] = [];
    const family = (name: string, type: string, help: string) =>
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    family(
      "coredelta_http_requests_total",
      "counter",
      "HTTP requests by method, route and status.",
    );
    for (const [k, v] of this.#requests) out.push(`coredelta_http_requests_total{${k}} ${v}`);
    family(
      "coredelta_http_request_duration_seconds",
      "histogram",
      "Time from request to response, by method and route.",
    );
    for (const [k, h] of this.#latency) {
      const name = "coredelta_http_request_duration_seconds";
      LATENCY_BUCKETS.forEach((b, i) => out.push(`${name}_bucket{${k},le="${b}"} ${h.counts[i]}`));
      out.push(`${name}_bucket{${k},le="+Inf"} ${h.count}`);
      out.push(`${name}_sum{${k}} ${h.sum}`, `${name}_count{${k}} ${h.count}`);
    }
    family("coredelta_ingested_bytes_total", "counter", "Request body bytes received.");
    out.push(`coredelta_ingested_bytes_total ${this.#bytesIn}`);
    family("coredelta_digests_in_flight", "gauge", "Digests being computed now.");
    out.push(`coredelta_digests_in_flight ${slots.busy}`);
    family("coredelta_digests_waiting", "gauge", "Uploads waiting for a digest slot.");
    out.push(`coredelta_digests_waiting ${slots.queued}`);
    family(
      "coredelta_store_errors_total",
      "counter",
      "Store operations that failed, by operation.",
    );
    for (const [k, v] of this.#storeErrors) out.push(`coredelta_store_errors_total{${k}} ${v}`);
    return out.join("\n") + "\n";
  }
}

/**
 * Counts every request (after the response is made, errors included).
 *
 * @param metrics where to count
 * @returns the middleware
 */
export function countRequests(metrics: Metrics): MiddlewareHandler<AppEnv> {
  return async function countRequests(c, next) {
    const t0 = performance.now();
    try {
      await next();
    } finally {
      const route = routePath(c, -1);
      metrics.request(
        c.req.method,
        route === "" || route.endsWith("*") ? "(unmatched)" : route,
        c.res.status,
        (performance.now() - t0) / 1000,
        c.get("bytesIn") ?? 0,
      );
    }
  };
}

/**
 * A storage whose failed operations are counted (the store itself is unchanged). A `TypeError`
 * (a bad cursor, an input error) is the caller's, not the store's, and is not counted.
 *
 * @param storage the store
 * @param metrics where to count
 * @returns the counting store
 */
export function countStoreErrors(storage: Storage, metrics: Metrics): Storage {
  return new Proxy(storage, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver);
      if (typeof v !== "function") return v;
      return (...args: unknown[]) => {
        const count = (e: unknown) => {
          if (!(e instanceof TypeError)) metrics.storeError(String(prop));
          throw e;
        };
        let r: unknown;
        try {
          r = v.apply(target, args);
        } catch (e) {
          count(e);
        }
        return r instanceof Promise ? r.catch(count) : r;
      };
    },
  });
}

/**
 * The `/metrics` route.
 *
 * @param metrics the counters
 * @param slots the digest slots
 * @returns a sub-app mounted at `/`
 */
export function metricsRoutes(metrics: Metrics, slots: Slots): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get("/metrics", (c) =>
    c.body(metrics.render(slots), 200, {
      "content-type": "text/plain; version=0.0.4; charset=utf-8",
      "cache-control": "no-store",
    }));
  return app;
}
