/**
 * `GET /v1/reports`: the history of stored reports, newest first, filtered and paged by cursor.
 * `GET /v1/reports/{id}`: a stored report in any format (`?format=` or `Accept`). Reports are
 * content-addressed, so each id names fixed bytes: the `ETag` is the id and caches may keep it.
 * `GET /v1/reports/{id}/ranges?cursor=&limit=`: every aligned range of the report, paged.
 *
 * @module
 */

import { Hono } from "hono";
import type { AppEnv, Services } from "../deps.ts";
import { REPORT_FORMATS } from "../engine.ts";
import { chooseFormat } from "../negotiate.ts";
import { ProblemError } from "../problem.ts";
import type { ReportQuery } from "../report_list.ts";
import { reportResponse } from "./diff.ts";
import { type OpenReport, rangeLines, readStoredReport } from "../report_file.ts";

import { unpackRange } from "../ranges_store.ts";

/** Items per page of `GET /v1/reports` unless `limit` says otherwise, and the most allowed. */
const DEFAULT_LIMIT = 20, MAX_LIMIT = 100;

/**
 * The history query of a request, or a 400 problem naming the parameter.
 *
 * @param q the query parameters
 * @returns the query
 */
export function reportQuery(q: (name: string) => string | undefined): ReportQuery {
  const bad = (field: string, why: string): never => {
    throw new ProblemError("bad-request", `${field}: ${why}`, { field });
  };
  const limitText = q("limit");
  const limit = limitText === undefined ? DEFAULT_LIMIT : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    bad("limit", `must be an integer from 1 to ${MAX_LIMIT}`);
  }
  const verdict = q("verdict");
  if (verdict !== undefined && verdict !== "pass" && verdict !== "fail") {
    bad("verdict", "must be pass or fail");
  }
  const date = (name: "since" | "until") => {
    const v = q(name);
    if (v === undefined) return {};
    const d = new Date(v);
    if (Number.isNaN(d.getTime())) bad(name, "must be an ISO 8601 date or time");
    return { [name]: d };
  };
  const cursor = q("cursor");
  if (cursor !== undefined && !/^[A-Za-z0-9+/]{1,200}$/.test(cursor)) {
    bad("cursor", "is not one this server gave");
  }
  const opt = (name: string, key: string) => {
    const v = q(name);
    return v ? { [key]: v } : {};
  };
  return {
    limit,
    ...(cursor ? { cursor } : {}),
    ...(verdict ? { verdict: verdict as "pass" | "fail" } : {}),
    ...opt("expectation", "expectation"),
    ...opt("q", "text"),
    ...opt("producer", "producer"),
    ...date("since"),
    ...date("until"),
  };
}

/**
 * The report routes.
 *
 * @param services storage
 * @returns a sub-app mounted at `/v1/reports`
 */
export function reportsRoutes(services: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get("/", async (c) => {
    const query = reportQuery((name) => c.req.query(name));
    try {
      const page = await services.storage.listReports(query);
      return c.json(page, 200, { "cache-control": "no-store" });
    } catch (e) {
      if (e instanceof TypeError && /cursor/.test(e.message)) {
        throw new ProblemError("bad-request", e.message, { field: "cursor" });
      }
      throw e;
    }
  });

  app.get("/:id", async (c) => {
    const format = chooseFormat(REPORT_FORMATS, c.req.query("format"), c.req.header("accept"));
    const id = c.req.param("id");
    const open = await openReport(services, id);
    return await reportResponse(c, services, id, open.header, format, 200, {
      etag: `"${id}-${format}"`,
      vary: "Accept",
      "cache-control": "private, max-age=31536000, immutable",
      "coredelta-verdict": open.header.verdict,
    });
  });

  // Every aligned range, paged (issue: Scale; reports collapse ranges equal in both cores). Only
  // the lines of the page are read (the stored report indexes them).
  app.get("/:id/ranges", async (c) => {
    const id = c.req.param("id");
    const limit = intParam("limit", c.req.query("limit"), DEFAULT_RANGE_PAGE, 1, MAX_RANGE_PAGE);
    const cursor = intParam("cursor", c.req.query("cursor"), 0, 0, Number.MAX_SAFE_INTEGER);
    const open = await openReport(services, id);
    const { total, lines } = await rangeLines(open, cursor, limit);
    if (cursor > total) {
      throw new ProblemError("option", `cursor ${cursor} is past the last range (${total})`, {
        field: "cursor",
      });
    }
    const page = lines.map(unpackRange);
    const next = cursor + page.length < total ? String(cursor + page.length) : undefined;
    const body = `{"total":${total},"items":[${page.join(",")}]${
      next ? `,"nextCursor":"${next}"` : ""
    }}\n`;
    return c.body(body, 200, {
      "content-type": "application/json",
      "cache-control": "private, max-age=31536000, immutable",
    });
  });

  return app;
}

/** Ranges per page by default and at most. */
const DEFAULT_RANGE_PAGE = 1000;
const MAX_RANGE_PAGE = 10_000;

/** A decimal integer query parameter within `[min, max]`, or `fallback` when absent. */
function intParam(name: string, v: string | undefined, fallback: number, min: number, max: number) {
  if (v === undefined || v === "") return fallback;
  const n = /^\d{1,16}$/.test(v) ? Number(v) : NaN;
  if (!(n >= min && n <= max)) {
    throw new ProblemError("option", `${name} must be an integer from ${min} to ${max}`, {
      field: name,
    });
  }
  return n;
}

/** A stored report's header, or a 404 problem. */
async function openReport(services: Services, id: string): Promise<OpenReport> {
  const object = await services.storage.open("report", id);
  if (!object) {
    throw new ProblemError("not-found", `No stored report has id ${JSON.stringify(id)}`);
  }
  return await readStoredReport(object);
}
