/**
 * `GET /v1/reports/{id}`: a stored report in any format (`?format=` or `Accept`). Reports are
 * content-addressed, so each id names fixed bytes: the `ETag` is the id and caches may keep it.
 *
 * @module
 */

import { Hono } from "hono";
import { REPORT_MEDIA_TYPES } from "../../lib/report/render.ts";
import type { AppEnv, Services } from "../deps.ts";
import { REPORT_FORMATS } from "../engine.ts";
import { chooseFormat } from "../negotiate.ts";
import { ProblemError } from "../problem.ts";
import type { StoredReport } from "./diff.ts";

/**
 * The report routes.
 *
 * @param services storage
 * @returns a sub-app mounted at `/v1/reports`
 */
export function reportsRoutes(services: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get("/:id", async (c) => {
    const format = chooseFormat(REPORT_FORMATS, c.req.query("format"), c.req.header("accept"));
    const id = c.req.param("id");
    const bytes = await services.storage.get("report", id);
    if (!bytes) {
      throw new ProblemError("not-found", `No stored report has id ${JSON.stringify(id)}`);
    }
    const stored = JSON.parse(new TextDecoder().decode(bytes)) as StoredReport;
    return c.body(stored.formats[format], 200, {
      "content-type": REPORT_MEDIA_TYPES[format],
      etag: `"${id}-${format}"`,
      vary: "Accept",
      "cache-control": "private, max-age=31536000, immutable",
      "coredelta-verdict": stored.verdict,
    });
  });

  return app;
}
