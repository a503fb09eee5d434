/**
 * `GET /v1/reports`: the report history, newest first, with cursor paging and filters
 * (CONTRACTS.md item 5), answered by whichever store the replica uses.
 *
 * @module
 */

import { Hono } from "hono";
import type { AppEnv, Services } from "../deps.ts";
import type { ReportQuery } from "../history.ts";
import { decodeCursor } from "../history.ts";
import { ProblemError } from "../problem.ts";

/** Most items on one page. */
export const MAX_PAGE = 100;

function dateParam(name: string, v: string | undefined): Date | undefined {
  if (v === undefined || v === "") return undefined;
  const t = Date.parse(v);
  if (Number.isNaN(t)) {
    throw new ProblemError(
      "option",
      `${name} must be an ISO 8601 time (got ${JSON.stringify(v)})`,
      {
        field: name,
      },
    );
  }
  return new Date(t);
}

/**
 * Reads the query of `GET /v1/reports`.
 *
 * @param q the query parameters
 * @returns the store query
 */
export function reportQuery(q: Record<string, string | undefined>): ReportQuery {
  const limit = q.limit === undefined || q.limit === "" ? 20 : Number(q.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) {
    throw new ProblemError("option", `limit must be 1-${MAX_PAGE}`, { field: "limit" });
  }
  if (q.verdict && q.verdict !== "pass" && q.verdict !== "fail") {
    throw new ProblemError("option", "verdict must be pass or fail", { field: "verdict" });
  }
  if (q.cursor && !decodeCursor(q.cursor)) {
    throw new ProblemError("option", "cursor is not one this server gave out", { field: "cursor" });
  }
  const since = dateParam("since", q.since);
  const until = dateParam("until", q.until);
  return {
    limit,
    ...(q.cursor ? { cursor: q.cursor } : {}),
    ...(q.verdict ? { verdict: q.verdict as "pass" | "fail" } : {}),
    ...(q.expectation ? { expectation: q.expectation } : {}),
    ...(q.q?.trim() ? { text: q.q.trim() } : {}),
    ...(q.producer ? { producer: q.producer } : {}),
    ...(since ? { since } : {}),
    ...(until ? { until } : {}),
  };
}

/**
 * The history route.
 *
 * @param services storage
 * @returns a sub-app mounted at `/v1/reports`
 */
export function historyRoutes(services: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get("/", async (c) => {
    const page = await services.storage.listReports(reportQuery(c.req.query()));
    return c.json(page, 200, { "cache-control": "no-store" });
  });
  return app;
}
