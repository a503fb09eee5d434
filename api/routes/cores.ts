/**
 * `/v1/cores`: upload one core (raw body, `curl -T core URL`, also chunked; plain, gzip, zstd, xz or
 * a serialized digest) and get its digest id and summary; fetch a stored summary or digest.
 *
 * @module
 */

import { Hono } from "hono";
import { decodeDigest } from "../../lib/digest/codec.ts";
import type { CoreDigest } from "../../lib/digest/model.ts";
import { digestSummary } from "../../lib/digest/summary.ts";
import { modulesToJson } from "../../lib/digest/modules.ts";
import { toJson } from "../../lib/report/json.ts";
import type { AppEnv, Services } from "../deps.ts";
import { booleanParam, ingest, requestBody, storeDigest, withTempDir } from "../ingest.ts";
import { echo, ProblemError } from "../problem.ts";
import { softEnd } from "../uploads.ts";

/** Content types accepted for a raw core upload (none at all is fine too). */
export const CORE_MEDIA_TYPES: readonly string[] = [
  "application/octet-stream",
  "application/gzip",
  "application/x-gzip",
  "application/zstd",
  "application/x-zstd",
  "application/x-xz",
  "application/x-core",
  "application/x-coredump",
  "application/x-coredelta-digest",
];

/** Throws a 415 unless the request's Content-Type is absent or one of {@link CORE_MEDIA_TYPES}. */
function checkCoreType(contentType: string | undefined): void {
  if (contentType === undefined || contentType.trim() === "") return;
  const mt = contentType.split(";")[0]!.trim().toLowerCase();
  if (CORE_MEDIA_TYPES.includes(mt)) return;
  throw new ProblemError(
    "unsupported-media-type",
    `A core is uploaded as the raw body (application/octet-stream or a compression type), not ${
      echo(mt)
    }`,
    { accepted: CORE_MEDIA_TYPES },
  );
}

/** The JSON body of a digest response. */
export function coreBody(id: string, digest: CoreDigest, kept: boolean): string {
  return toJson({ id, kept, summary: digestSummary(digest) });
}

/**
 * Loads a stored digest or throws a problem.
 *
 * @param services storage
 * @param id the digest id
 * @param notFound the problem kind when absent (`not-found` for a path, `unknown-id` in a body)
 * @param field the body member or path parameter naming it
 * @returns the digest
 */
export async function loadDigest(
  services: Services,
  id: string,
  notFound: "not-found" | "unknown-id" = "not-found",
  field = "id",
): Promise<CoreDigest> {
  const bytes = await services.storage.get("digest", id);
  if (!bytes) {
    throw new ProblemError(notFound, `No stored digest has id ${echo(id)}`, { field });
  }
  return await decodeDigest(bytes);
}

/**
 * The `/v1/cores` routes.
 *
 * @param services storage and limits
 * @returns a sub-app mounted at `/v1/cores`
 */
export function coresRoutes(services: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  // PUT too: plain `curl -T core URL` sends PUT.
  app.on(["POST", "PUT"], "/", async (c) => {
    checkCoreType(c.req.header("content-type"));
    const keep = booleanParam("keep", c.req.query("keep"), false);
    const body = softEnd(requestBody(c, services));
    const stored = await withTempDir(services, async (dir) => {
      let got;
      try {
        // Stop when the upload fails: the client hung up or stalled (the body is read ahead of
        // a busy digester, so a bomb's hang-up is seen at once; the work is for no one then).
        got = await ingest(body.stream, services, dir, keep ? "raw" : undefined, body.signal);
      } catch (e) {
        throw body.failure() ?? e;
      }
      if (body.failure() !== undefined) throw body.failure();
      return await storeDigest(services, got);
    });
    return c.body(coreBody(stored.id, stored.digest, stored.kept), 201, {
      "content-type": "application/json",
      location: `/v1/cores/${stored.id}`,
    });
  });

  app.get("/:id", async (c) => {
    const id = c.req.param("id");
    const digest = await loadDigest(services, id);
    return c.body(coreBody(id, digest, await services.storage.hasCore(id)), 200, {
      "content-type": "application/json",
    });
  });

  app.get("/:id/modules", async (c) => {
    const id = c.req.param("id");
    const digest = await loadDigest(services, id);
    const modules = digest.modules ? modulesToJson(digest.modules) : [];
    return c.body(toJson({ id, recorded: digest.modules !== undefined, modules }), 200, {
      "content-type": "application/json",
    });
  });

  app.get("/:id/digest", async (c) => {
    const id = c.req.param("id");
    const bytes = await services.storage.get("digest", id);
    if (!bytes) {
      throw new ProblemError("not-found", `No stored digest has id ${echo(id)}`);
    }
    return c.body(bytes.slice().buffer, 200, {
      "content-type": "application/x-coredelta-digest",
      "content-disposition": `attachment; filename="${id}.cddg"`,
      etag: `"${id}"`,
    });
  });

  return app;
}
