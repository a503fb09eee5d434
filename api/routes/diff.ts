/**
 * Diffs: `POST /v1/diff` takes two cores (or digests) in one multipart upload, streamed and hashed
 * as they arrive; `POST /v1/diffs` takes the ids of two stored digests as JSON. Both store the
 * report (one file: JSON, model, every range; `report_file.ts`) under its SHA-256 and answer 201
 * with the report in the negotiated format, its `Location`, and the verdict in a header.
 *
 * @module
 */

import { type Context, Hono } from "hono";
import type { CoreDigest } from "../../lib/digest/model.ts";
import { RangeSink } from "../range_sink.ts";
import {
  readStoredReport,
  type ReportHeader,
  storedModel,
  writeReportFile,
} from "../report_file.ts";
import { renderReport, REPORT_MEDIA_TYPES } from "../../lib/report/render.ts";
import type { AppEnv, Services } from "../deps.ts";
import {
  type AnalysisContext,
  CONTEXT_MEMBERS,
  contextFromJson,
  contextFromTexts,
  diff,
  prepare,
  REPORT_FORMATS,
  type ReportFormat,
} from "../engine.ts";
import { booleanParam, ingest, requestBody, storeDigest, withTempDir } from "../ingest.ts";
import { SmapsCollector } from "../smaps_part.ts";
import { SmapsMember } from "../smaps_member.ts";
import { isMultipart, readMultipart } from "../multipart.ts";
import { chooseFormat } from "../negotiate.ts";
import { ProblemError } from "../problem.ts";
import { loadDigest } from "./cores.ts";
import { readJsonObject, stringMember } from "./json_body.ts";

/**
 * Diffs, stores the report and builds the 201 response. Every range goes to a temporary file as
 * the diff makes it (only ranges that differ stay in memory); the report file (header, JSON,
 * ranges: `report_file.ts`) is written as a stream and stored whole before the status line, and
 * the JSON answer is streamed back from the store with its `Content-Length`: nothing can fail
 * half-way through an answer that looks whole.
 *
 * @param c the request context
 * @param services storage
 * @param dir the request's temporary directory
 * @param a first digest
 * @param b second digest
 * @param req options and labels
 * @param format the negotiated format
 * @param headers extra headers (digest ids)
 * @returns the response
 */
async function answerDiff(
  c: Context<AppEnv>,
  services: Services,
  dir: string,
  a: CoreDigest,
  b: CoreDigest,
  context: AnalysisContext,
  labels: { readonly a: string; readonly b: string },
  format: ReportFormat,
  headers: Record<string, string>,
): Promise<Response> {
  const sink = new RangeSink(`${dir}/ranges-${crypto.randomUUID()}`);
  let report;
  let rangesBytes;
  try {
    report = sink.collapse(diff(a, b, context, labels, sink.add));
    rangesBytes = sink.finish();
  } catch (e) {
    sink.abort();
    throw e;
  }
  const path = `${dir}/report-${crypto.randomUUID()}`;
  const header = await writeReportFile(path, report, sink, rangesBytes);
  const entry = await services.storage.putFile("report", path);
  const common = {
    location: `/v1/reports/${entry.id}`,
    "coredelta-report-id": entry.id,
    "coredelta-verdict": report.verdict,
    ...headers,
  };
  if (format !== "json") {
    // Rendered from the report in hand; later fetches render it from the stored model.
    return c.body(renderReport(report, format), 201, {
      "content-type": REPORT_MEDIA_TYPES[format],
      ...common,
    });
  }
  return await reportResponse(c, services, entry.id, header, format, 201, common);
}

/**
 * The response with a stored report in `format`: JSON streamed from the store (with its length),
 * the other renderings made from the stored model (an older report: from its header).
 *
 * @param c the request context
 * @param services storage
 * @param id the report id
 * @param header its header (`report_file.ts`) when known
 * @param format the format
 * @param status 200 or 201
 * @param extra other headers
 */
export async function reportResponse(
  c: Context<AppEnv>,
  services: Services,
  id: string,
  header: ReportHeader | undefined,
  format: ReportFormat,
  status: 200 | 201,
  extra: Record<string, string>,
): Promise<Response> {
  const object = await services.storage.open("report", id);
  if (!object) {
    throw new ProblemError("not-found", `No stored report has id ${JSON.stringify(id)}`);
  }
  const open = await readStoredReport(object);
  const h = header ?? open.header;
  const base = { "content-type": REPORT_MEDIA_TYPES[format], ...extra };
  const text = h.formats[format];
  if (text !== undefined) return c.body(text, status, base);
  if (format === "json" && h.json) {
    const [offset, length] = h.json;
    return c.body(object.stream(open.body + offset, length), status, {
      ...base,
      "content-length": String(length),
    });
  }
  const model = await storedModel({ ...open, header: h });
  if (!model) {
    throw new ProblemError("stored-data-corrupt", `The stored report ${id} has no ${format}`, {
      id,
    });
  }
  return c.body(renderReport(model, format), status, base);
}

/** Longest digest id accepted in a JSON body (ids are 64 hex digits). */
const ID_CHARS = 128;

/** The format a diff answers in (checked before any upload is read). */
function reportFormat(c: Context<AppEnv>): ReportFormat {
  return chooseFormat(REPORT_FORMATS, c.req.query("format"), c.req.header("accept"));
}

/**
 * The diff routes.
 *
 * @param services storage and limits
 * @returns a sub-app mounted at `/v1`
 */
export function diffRoutes(services: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { limits } = services;

  app.post("/diff", async (c) => {
    const format = reportFormat(c);
    const keep = booleanParam("keep", c.req.query("keep"), false);
    const contentType = c.req.header("content-type");
    if (!isMultipart(contentType)) {
      throw new ProblemError(
        "unsupported-media-type",
        "POST /v1/diff takes multipart/form-data with parts a and b (curl -F a=@core -F b=@core)",
      );
    }
    const body = requestBody(c, services);
    return await withTempDir(services, async (dir) => {
      const form = await readMultipart(body, contentType!, {
        streams: ["a", "b"],
        texts: Object.fromEntries(
          CONTEXT_MEMBERS.filter((m) => m !== "smaps").map((m) => [m, limits.maxFieldBytes]),
        ),
        // Parsed as it arrives: the text (50 MB at 70,000 mappings) is never held whole.
        parsed: { smaps: () => new SmapsCollector(limits.maxSmapsBytes, 'part "smaps"') },
        required: ["a", "b"],
        maxParts: limits.maxParts,
        consume: (name, _info, stream) =>
          ingest(stream, services, dir, keep ? `raw-${name}` : undefined),
      });
      const pa = form.streams.a!, pb = form.streams.b!;
      const context = prepare(contextFromTexts(form.texts, form.parsed.smaps));
      const [sa, sb] = [
        await storeDigest(services, pa.value),
        await storeDigest(services, pb.value),
      ];
      return await answerDiff(
        c,
        services,
        dir,
        sa.digest,
        sb.digest,
        context,
        { a: pa.filename ?? "a", b: pb.filename ?? "b" },
        format,
        { "coredelta-digest-a": sa.id, "coredelta-digest-b": sb.id },
      );
    });
  });

  app.post("/diffs", async (c) => {
    const format = reportFormat(c);
    // smaps is parsed as the body streams in (the web form sends it so): never held whole.
    const smaps = new SmapsMember(limits.maxSmapsBytes);
    const allowed = ["a", "b", ...CONTEXT_MEMBERS, "labels"];
    const obj = await readJsonObject(c, services, allowed, smaps);
    // Every member is checked (and bounded) before any stored digest is read.
    const context = prepare(contextFromJson(obj, limits, smaps));
    delete obj.smaps;
    const ida = stringMember(obj, "a", true, ID_CHARS)!;
    const idb = stringMember(obj, "b", true, ID_CHARS)!;
    let labels = { a: ida, b: idb };
    if (obj.labels !== undefined) {
      const l = obj.labels as Record<string, unknown>;
      if (
        typeof l !== "object" || l === null || typeof l.a !== "string" || typeof l.b !== "string"
      ) {
        throw new ProblemError("bad-request", "labels must be an object {a: string, b: string}", {
          field: "labels",
        });
      }
      labels = {
        a: stringMember(l, "a", true, limits.maxFieldBytes)!,
        b: stringMember(l, "b", true, limits.maxFieldBytes)!,
      };
    }
    const [a, b] = [
      await loadDigest(services, ida, "unknown-id", "a"),
      await loadDigest(services, idb, "unknown-id", "b"),
    ];
    return await withTempDir(
      services,
      (dir) =>
        answerDiff(c, services, dir, a, b, context, labels, format, {
          "coredelta-digest-a": ida,
          "coredelta-digest-b": idb,
        }),
    );
  });

  return app;
}
