/**
 * The coredelta HTTP API as a Hono app factory. `createApp(deps)` wires the request context
 * (id, deadline, log line), optional bearer auth, the routes, and one error handler that turns
 * everything into RFC 9457 problems. `cli/serve.ts` only calls `Deno.serve` on it; tests call
 * `app.request()` with no port.
 *
 * @module
 */

import { createHash, timingSafeEqual } from "node:crypto";
import { Hono, type MiddlewareHandler } from "hono";
import { type AppDeps, type AppEnv, DEFAULT_LIMITS, jsonLogger, type Services } from "./deps.ts";
import { systemClock } from "./clock.ts";
import { formRoutes } from "./form.ts";
import { countRequests, countStoreErrors, Metrics, metricsRoutes } from "./metrics.ts";
import { Slots } from "./slots.ts";
import { echo, ProblemError, problemResponse, toProblem } from "./problem.ts";
import { coresRoutes } from "./routes/cores.ts";
import { diffRoutes } from "./routes/diff.ts";
import { metaRoutes } from "./routes/meta.ts";
import { predictRoutes } from "./routes/predict.ts";
import { reportsRoutes } from "./routes/reports.ts";

/** The version `/health` reports by default. */
export const VERSION = "0.2.0";

/** Sets the request id and deadline, and writes one JSON log line when the request ends. */
function requestContext(services: Services, shutdown: AbortSignal | undefined): MiddlewareHandler<
  AppEnv
> {
  return async function requestContext(c, next) {
    const started = services.clock.now();
    const t0 = performance.now();
    const id = crypto.randomUUID();
    const timer = new AbortController();
    const timeout = setTimeout(
      () =>
        timer.abort(
          new ProblemError("timeout", "The request body was not received in time", {
            limit: services.limits.requestTimeoutMs,
          }),
        ),
      services.limits.requestTimeoutMs,
    );
    // A client that goes away errors the body stream itself; `request.signal` is not used because
    // Deno's legacy behaviour also aborts it after every successful response.
    const signals = [timer.signal];
    if (shutdown) signals.push(shutdown);
    c.set("requestId", id);
    c.set("deadline", AbortSignal.any(signals));
    c.set("bytesIn", 0);
    c.set("problem", undefined);
    try {
      await next();
    } finally {
      clearTimeout(timeout);
      c.header("x-request-id", id);
      const problem = c.get("problem");
      services.logger.log({
        time: new Date(started).toISOString(),
        level: c.res.status >= 500 ? "error" : "info",
        msg: "request",
        id,
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        ms: Math.round((performance.now() - t0) * 10) / 10,
        bytesIn: c.get("bytesIn"),
        ...(problem ? { problem } : {}),
      });
    }
  };
}

/** The Content-Security-Policy of HTML that sets none itself (the report, `/docs`): inline style only. */
export const HTML_CSP: string = [
  "default-src 'none'",
  "style-src 'unsafe-inline'",
  "img-src data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

/**
 * Security headers on every response: `nosniff` and no referrer everywhere; HTML without its own
 * policy (the HTML report, `/docs`) gets {@link HTML_CSP}, so nothing a core holds can run script
 * or be framed.
 */
const securityHeaders: MiddlewareHandler<AppEnv> = async function securityHeaders(c, next) {
  await next();
  const h = c.res.headers;
  if (!h.has("x-content-type-options")) h.set("x-content-type-options", "nosniff");
  if (!h.has("referrer-policy")) h.set("referrer-policy", "no-referrer");
  if (/^text\/html/i.test(h.get("content-type") ?? "") && !h.has("content-security-policy")) {
    h.set("content-security-policy", HTML_CSP);
  }
};

/** Longest request target, total header bytes and header count served (below the HTTP server's own). */
export const HEAD_LIMITS = { targetBytes: 8192, headerBytes: 16384, headerCount: 64 } as const;

/** Refuses over-long request targets and headers with a problem (and closes the connection). */
const headLimits: MiddlewareHandler<AppEnv> = async function headLimits(c, next) {
  const url = c.req.url;
  const target = url.length - new URL(url).origin.length;
  if (target > HEAD_LIMITS.targetBytes) {
    throw new ProblemError(
      "uri-too-long",
      `The request target is longer than the limit of ${HEAD_LIMITS.targetBytes} bytes`,
      { limit: HEAD_LIMITS.targetBytes },
      { connection: "close" },
    );
  }
  let bytes = 0, count = 0;
  c.req.raw.headers.forEach((v, k) => {
    bytes += k.length + v.length + 4;
    count++;
  });
  if (bytes > HEAD_LIMITS.headerBytes || count > HEAD_LIMITS.headerCount) {
    throw new ProblemError(
      "headers-too-large",
      `The request headers are over the limit of ${HEAD_LIMITS.headerBytes} bytes or ${HEAD_LIMITS.headerCount} fields`,
      { limit: HEAD_LIMITS.headerBytes },
      { connection: "close" },
    );
  }
  await next();
};

/** The methods routed for `path` (empty: no route at all), from the app's route table. */
function allowedMethods(app: Hono<AppEnv>, path: string): string[] {
  const out = new Set<string>();
  for (const r of app.routes) {
    if (r.method === "ALL" || r.path.includes("*")) continue;
    const re = new RegExp(
      `^${r.path.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/:[^/]+/g, "[^/]+")}/?$`,
    );
    if (re.test(path)) out.add(r.method);
  }
  if (out.has("GET")) out.add("HEAD");
  return [...out].sort();
}

/** The web form's static page: the same document at `/` and `/reports/{id}`. */
function isPageShell(method: string, path: string): boolean {
  return (method === "GET" || method === "HEAD") &&
    (path === "/" || path === "/favicon.ico" ||
      /^\/reports\/[0-9a-f]{64}$/.test(path));
}

/**
 * Requires `Authorization: Bearer <token>` on every path but `/health` and the web form's page shell
 * (`GET /`, `GET /reports/{id}`): the shell holds no data, and its script sends the token the user
 * enters on every API call, so the form stays usable when tokens are configured.
 */
function bearerAuth(tokens: readonly string[]): MiddlewareHandler<AppEnv> {
  const sha = (t: string) => createHash("sha256").update(t).digest();
  const digests = tokens.map(sha);
  return async function bearerAuth(c, next) {
    if (c.req.path === "/health" || isPageShell(c.req.method, c.req.path)) return await next();
    const m = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header("authorization") ?? "");
    const given = m ? sha(m[1]!) : undefined;
    // Compare digests in constant time, and every one of them, so timing reveals nothing.
    let ok = false;
    for (const d of digests) if (given && timingSafeEqual(d, given)) ok = true;
    if (!ok) {
      throw new ProblemError(
        "unauthorized",
        m ? "The bearer token is not valid" : "This endpoint needs Authorization: Bearer <token>",
        {},
        { "www-authenticate": `Bearer realm="coredelta"` },
      );
    }
    await next();
  };
}

/** Routes that store what they receive: refused (503, unread) while the store is unreachable. */
const STORING = /^\/v1\/(cores\/?|diffs?\/?)$/;

/**
 * Checks the store before an upload is read, so a client whose upload cannot be stored learns at
 * once (503 with `Retry-After`) instead of after sending gigabytes.
 */
function refuseUploadsWhileStoreDown(services: Services): MiddlewareHandler<AppEnv> {
  return async function refuseUploadsWhileStoreDown(c, next) {
    if ((c.req.method === "POST" || c.req.method === "PUT") && STORING.test(c.req.path)) {
      await services.storage.ping();
    }
    await next();
  };
}

/**
 * Builds the app.
 *
 * @param deps storage, limits, tokens, logger, clock, shutdown signal
 * @returns the Hono app
 *
 * @example
 * ```ts ignore
 * const app = createApp({ storage: await openLocalStorage("./.coredelta-data") });
 * Deno.serve({ port: 8931 }, app.fetch);
 * ```
 */
export function createApp(deps: AppDeps): Hono<AppEnv> {
  const limits = { ...DEFAULT_LIMITS, ...deps.limits };
  const metrics = new Metrics();
  const services: Services = {
    storage: countStoreErrors(deps.storage, metrics),
    limits,
    logger: deps.logger ?? jsonLogger,
    clock: deps.clock ?? systemClock,
    digestSlots: new Slots(limits.maxConcurrentDigests),
  };
  const app = new Hono<AppEnv>();
  app.use(requestContext(services, deps.signal));
  app.use(countRequests(metrics));
  app.use(securityHeaders);
  app.use(headLimits);
  const draining = deps.draining ?? (() => deps.signal?.aborted ?? false);
  app.use(async function refuseWhileDraining(c, next) {
    if (draining() && c.req.path !== "/health") {
      throw new ProblemError("unavailable", "The server is shutting down", {}, {
        connection: "close",
        "retry-after": "5",
      });
    }
    await next();
  });
  const tokens = (deps.tokens ?? []).filter((t) => t !== "");
  if (tokens.length) app.use(bearerAuth(tokens));
  app.use(refuseUploadsWhileStoreDown(services));

  app.route("/", formRoutes());
  app.route(
    "/",
    metaRoutes({
      openapi: deps.openapi,
      version: deps.version ?? VERSION,
      draining,
      store: () => services.storage.ping(),
    }),
  );
  app.route("/", metricsRoutes(metrics, services.digestSlots));
  app.route("/v1/cores", coresRoutes(services));
  app.route("/v1", diffRoutes(services));
  app.route("/v1", predictRoutes(services));
  app.route("/v1/reports", reportsRoutes(services));

  app.notFound((c) => {
    const allow = allowedMethods(app, c.req.path);
    if (allow.length > 0) {
      c.set("problem", "method-not-allowed");
      return problemResponse({
        ...toProblem(
          new ProblemError(
            "method-not-allowed",
            `${echo(c.req.method, 16)} is not allowed here; use ${allow.join(", ")}`,
            { allow },
          ),
        ).problem,
        instance: `urn:uuid:${c.get("requestId")}`,
      }, { allow: allow.join(", ") });
    }
    c.set("problem", "not-found");
    return problemResponse({
      ...toProblem(
        new ProblemError("not-found", `No route for ${c.req.method} ${echo(c.req.path, 120)}`),
      )
        .problem,
      instance: `urn:uuid:${c.get("requestId")}`,
    });
  });
  app.onError((err, c) => {
    const { problem, headers } = toProblem(err);
    c.set("problem", problem.type.split("/").pop());
    if (problem.status >= 500) {
      services.logger.log({
        time: new Date(services.clock.now()).toISOString(),
        level: "error",
        msg: "unhandled error",
        id: c.get("requestId"),
        error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
      });
    }
    return problemResponse({ ...problem, instance: `urn:uuid:${c.get("requestId")}` }, headers);
  });
  return app;
}
