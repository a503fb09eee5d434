/**
 * `POST /v1/predict`: from a process's smaps and `coredump_filter`, what the kernel's core dumper and
 * GDB's `gcore` would write for each mapping (the `coredelta predict` command over HTTP). Takes
 * multipart (`smaps` file, `filter` field: the web form, `curl -F`) or JSON.
 *
 * @module
 */

import { Hono } from "hono";
import type { AppEnv, Services } from "../deps.ts";
import { renderPrediction } from "../../lib/report/predict.ts";
import {
  CONTEXT_MEMBERS,
  contextFromJson,
  contextFromTexts,
  type ContextInput,
  predictDump,
  smapsMember,
} from "../engine.ts";
import { requestBody } from "../ingest.ts";
import { isMultipart, readMultipart } from "../multipart.ts";
import { chooseFormat } from "../negotiate.ts";
import { ProblemError } from "../problem.ts";
import { isJson, readJsonObject, stringMember } from "./json_body.ts";
import { SmapsCollector } from "../smaps_part.ts";
import { SmapsMember } from "../smaps_member.ts";

const MEMBERS = CONTEXT_MEMBERS.filter((m) => m !== "expect");

/**
 * The predict route.
 *
 * @param services limits
 * @returns a sub-app mounted at `/v1`
 */
export function predictRoutes(services: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { limits } = services;

  app.post("/predict", async (c) => {
    const format = chooseFormat(
      ["json", "text"] as const,
      c.req.query("format"),
      c.req.header("accept"),
    );
    const contentType = c.req.header("content-type");
    let input: ContextInput;
    if (isMultipart(contentType)) {
      const small = limits.maxFieldBytes;
      const form = await readMultipart(requestBody(c, services), contentType!, {
        streams: [],
        texts: {
          filter: small,
          producer: small,
          kernelProfile: small,
          gdbUseFilter: small,
          gdbDumpExcluded: small,
        },
        // Parsed as it arrives: the text is never held whole.
        parsed: { smaps: () => new SmapsCollector(limits.maxSmapsBytes, 'part "smaps"') },
        required: ["smaps", "filter"],
        maxParts: limits.maxParts,
        consume: () => Promise.reject(new Error("no streamed parts")),
      });
      input = contextFromTexts(form.texts, form.parsed.smaps);
    } else if (isJson(contentType)) {
      // smaps is parsed as the body streams in: never held whole.
      const smaps = new SmapsMember(limits.maxSmapsBytes);
      const obj = await readJsonObject(c, services, MEMBERS, smaps);
      smapsMember(obj, limits.maxSmapsBytes, true, smaps);
      stringMember(obj, "filter", true, services.limits.maxFieldBytes);
      input = contextFromJson(obj, services.limits, smaps);
    } else {
      throw new ProblemError(
        "unsupported-media-type",
        "POST /v1/predict takes multipart/form-data (smaps, filter) or application/json",
      );
    }
    if (input.smaps === undefined) {
      throw new ProblemError("bad-request", "smaps is required", { field: "smaps" });
    }
    if (input.filter === undefined) {
      throw new ProblemError("bad-request", "filter is required", { field: "filter" });
    }
    const result = predictDump(input);
    return c.body(renderPrediction(result, format), 200, {
      "content-type": format === "json" ? "application/json" : "text/plain; charset=utf-8",
    });
  });

  return app;
}
