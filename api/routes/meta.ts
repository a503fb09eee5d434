/**
 * Service routes: `/health` (always open, for load balancers and the container HEALTHCHECK), the
 * contract at `/openapi.yaml` and its reference page at `/docs`. (The web form is `api/form.ts`.)
 *
 * @module
 */

import { Hono } from "hono";
import type { AppEnv } from "../deps.ts";
import { renderDocs } from "../docs.ts";

/** Where the contract lives in the repository. */
export const OPENAPI_URL: URL = new URL("../../openapi.yaml", import.meta.url);

/** Options of {@link metaRoutes}. */
export interface MetaOptions {
  /** The OpenAPI text (default: read {@link OPENAPI_URL} once, on first use). */
  readonly openapi?: string | undefined;
  /** Version reported by `/health`. */
  readonly version: string;
  /** True once the server is draining (health answers 503). */
  readonly draining: () => boolean;
  /** Resolves when the store is reachable (health answers 503 `degraded` otherwise). */
  readonly store?: () => Promise<void>;
}

/** Longest wait for the store's answer in `/health`. */
export const STORE_PING_MS = 2000;

/** Whether the store answers within {@link STORE_PING_MS}. */
async function reachable(ping: () => Promise<void>): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      ping().then(() => true),
      new Promise<boolean>((r) => timer = setTimeout(() => r(false), STORE_PING_MS)),
    ]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The service routes.
 *
 * @param options spec text, version, draining state
 * @returns a sub-app mounted at `/`
 */
export function metaRoutes(options: MetaOptions): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  let spec: Promise<string> | undefined = options.openapi === undefined
    ? undefined
    : Promise.resolve(options.openapi);
  const loadSpec = () => (spec ??= Deno.readTextFile(OPENAPI_URL));
  let docs: Promise<string> | undefined;

  app.get("/health", async (c) => {
    const draining = options.draining();
    const store = options.store ? await reachable(options.store) : true;
    const status = draining ? "draining" : store ? "ok" : "degraded";
    return c.json(
      { status, version: options.version, store: store ? "ok" : "unreachable" },
      status === "ok" ? 200 : 503,
      status === "degraded" ? { "retry-after": "5" } : {},
    );
  });
  app.get(
    "/openapi.yaml",
    async (c) =>
      c.body(await loadSpec(), 200, { "content-type": "application/yaml; charset=utf-8" }),
  );
  app.get("/docs", async (c) => c.html(await (docs ??= loadSpec().then(renderDocs))));
  return app;
}
