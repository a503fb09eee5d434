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

  app.get("/health", (c) => {
    const draining = options.draining();
    return c.json(
      { status: draining ? "draining" : "ok", version: options.version },
      draining ? 503 : 200,
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
