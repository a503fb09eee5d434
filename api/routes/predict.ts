/**
 * `POST /v1/predict`: from a process's smaps and `coredump_filter`, what the kernel's core dumper and
 * GDB's `gcore` would write for each mapping (the `coredelta predict` command over HTTP). Takes
 * multipart (`smaps` file, `filter` field: the web form, `curl -F`) or JSON.
 *
 * @module
 */

import { Hono } from "hono";
import type { AppEnv, Services } from "../deps.ts";
import { predictDump, type PredictRequest, renderPrediction } from "../engine.ts";
import { booleanParam, requestBody } from "../ingest.ts";
import { isMultipart, readMultipart } from "../multipart.ts";
import { chooseFormat } from "../negotiate.ts";
import { ProblemError } from "../problem.ts";
import { booleanMember, isJson, readJsonObject, stringMember } from "./json_body.ts";

const MEMBERS = ["smaps", "filter", "producer", "kernelProfile", "gdbUseFilter", "gdbDumpExcluded"];

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
    let req: PredictRequest;
    if (isMultipart(contentType)) {
      const small = limits.maxFieldBytes;
      const form = await readMultipart(requestBody(c, services), contentType!, {
        streams: [],
        texts: {
          smaps: limits.maxSmapsBytes,
          filter: small,
          producer: small,
          kernelProfile: small,
          gdbUseFilter: small,
          gdbDumpExcluded: small,
        },
        required: ["smaps", "filter"],
        maxParts: limits.maxParts,
        consume: () => Promise.reject(new Error("no streamed parts")),
      });
      const t = form.texts;
      req = {
        smaps: t.smaps!,
        filter: t.filter!,
        producer: t.producer?.trim() || undefined,
        kernelProfile: t.kernelProfile?.trim() || undefined,
        gdbUseFilter: booleanParam("gdbUseFilter", t.gdbUseFilter || undefined, true),
        gdbDumpExcluded: booleanParam("gdbDumpExcluded", t.gdbDumpExcluded || undefined, false),
      };
    } else if (isJson(contentType)) {
      const obj = await readJsonObject(c, services, MEMBERS);
      req = {
        smaps: stringMember(obj, "smaps", true, services.limits.maxSmapsBytes)!,
        filter: stringMember(obj, "filter", true, services.limits.maxFieldBytes)!,
        producer: stringMember(obj, "producer", false, services.limits.maxFieldBytes),
        kernelProfile: stringMember(obj, "kernelProfile", false, services.limits.maxFieldBytes),
        gdbUseFilter: booleanMember(obj, "gdbUseFilter"),
        gdbDumpExcluded: booleanMember(obj, "gdbDumpExcluded"),
      };
    } else {
      throw new ProblemError(
        "unsupported-media-type",
        "POST /v1/predict takes multipart/form-data (smaps, filter) or application/json",
      );
    }
    const result = predictDump(req);
    return c.body(renderPrediction(result, format), 200, {
      "content-type": format === "json" ? "application/json" : "text/plain; charset=utf-8",
    });
  });

  return app;
}
