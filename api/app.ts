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
import { Slots } from "./slots.ts";
import { ProblemError, problemResponse, toProblem } from "./problem.ts";
import { coresRoutes } from "./routes/cores.ts";
import { diffRoutes } from "./routes/diff.ts";
import { metaRoutes } from "./routes/meta.ts";
import { predictRoutes } from "./routes/predict.ts";
import { reportsRoutes } from "./routes/reports.ts";

/** The version `/health` reports by default. */
export const VERSION = "0.1.0";

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

/** The web form's static page: the same document at `/` and `/reports/{id}`. */
function isPageShell(method: string, path: string): boolean {
  return (method === "GET" || method === "HEAD") &&
    (path === "/" || /^\/reports\/[0-9a-f]{64}$/.test(path));
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
  const services: Services = {
    storage: deps.storage,
    limits,
    logger: deps.logger ?? jsonLogger,
    clock: deps.clock ?? systemClock,
    digestSlots: new Slots(limits.maxConcurrentDigests),
  };
  const app = new Hono<AppEnv>();
  app.use(requestContext(services, deps.signal));
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

  app.route("/", formRoutes());
  app.route(
    "/",
    metaRoutes({
      openapi: deps.openapi,
      version: deps.version ?? VERSION,
      draining,
    }),
  );
  app.route("/v1/cores", coresRoutes(services));
  app.route("/v1", diffRoutes(services));
  app.route("/v1", predictRoutes(services));
  app.route("/v1/reports", reportsRoutes(services));

  app.notFound((c) => {
    c.set("problem", "not-found");
    return problemResponse({
      ...toProblem(new ProblemError("not-found", `No route for ${c.req.method} ${c.req.path}`))
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
