/**
 * Small JSON request bodies: read with a byte limit (never `c.req.json()` on an unbounded body),
 * parsed, and checked member by member with problems that name the member.
 *
 * @module
 */

import type { Context } from "hono";
import type { AppEnv, Services } from "../deps.ts";
import { requestBody } from "../ingest.ts";
import { echo, ProblemError } from "../problem.ts";
import { memberLimits } from "../json_members.ts";
import { captureSmaps, type SmapsMember } from "../smaps_member.ts";
import { readAtMost } from "../uploads.ts";
import { byteLimit } from "../../lib/bytes/streams.ts";

/** Whether `contentType` is JSON (`application/json` or `application/*+json`). */
export function isJson(contentType: string | undefined): boolean {
  const mt = (contentType ?? "").split(";")[0]!.trim().toLowerCase();
  return mt === "application/json" || /^application\/[\w.+-]+\+json$/.test(mt);
}

/**
 * Reads the request body as one JSON object with only `allowed` members.
 *
 * @param c the request context
 * @param services limits
 * @param allowed member names accepted
 * @param smaps receives the `smaps` member, parsed as it streams in (the object then holds `""`
 *   for it; see `smaps_member.ts`)
 * @returns the object
 */
export async function readJsonObject(
  c: Context<AppEnv>,
  services: Services,
  allowed: readonly string[],
  smaps?: SmapsMember,
): Promise<Record<string, unknown>> {
  if (!isJson(c.req.header("content-type"))) {
    throw new ProblemError("unsupported-media-type", "This endpoint takes application/json");
  }
  const { maxJsonBytes: max, maxFieldBytes: field, maxSmapsBytes } = services.limits;
  // Members are bounded while they stream in: ids and options are short, only smaps is large.
  const limit = (name: string) =>
    name === "smaps"
      ? maxSmapsBytes
      : name === "a" || name === "b"
      ? 128
      : name === "labels"
      ? 2 * field
      : field;
  const bounded = requestBody(c, services).pipeThrough(memberLimits(limit));
  // The whole body is counted before the smaps member is taken out of it.
  const bytes = await readAtMost(
    smaps
      ? bounded.pipeThrough(byteLimit(max, "JSON body")).pipeThrough(captureSmaps(smaps))
      : bounded,
    max,
    "JSON body",
  );
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new ProblemError(
      "bad-request",
      `The body is not valid JSON: ${e instanceof Error ? e.message : e}`,
    );
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ProblemError("bad-request", "The body must be a JSON object");
  }
  const obj = value as Record<string, unknown>;
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) {
      throw new ProblemError("bad-request", `Unknown member ${echo(k)}`, { field: k.slice(0, 64) });
    }
  }
  return obj;
}

/**
 * A string member, or undefined when absent (a problem when required or of another type).
 *
 * @param obj the object
 * @param name the member
 * @param required whether it must be present
 * @param max longest value accepted, in UTF-16 code units (a 413 past it, as for a multipart field)
 * @returns the string
 */
export function stringMember(
  obj: Record<string, unknown>,
  name: string,
  required = false,
  max = 4096,
): string | undefined {
  const v = obj[name];
  if (v === undefined || v === null) {
    if (required) throw new ProblemError("bad-request", `${name} is required`, { field: name });
    return undefined;
  }
  if (typeof v !== "string") {
    throw new ProblemError("bad-request", `${name} must be a string`, { field: name });
  }
  if (v.length > max) {
    throw new ProblemError("too-large", `${name} is longer than the limit of ${max} characters`, {
      field: name,
      limit: max,
      what: name,
    });
  }
  return v;
}

/**
 * A boolean member, or undefined when absent.
 *
 * @param obj the object
 * @param name the member
 * @returns the boolean
 */
export function booleanMember(obj: Record<string, unknown>, name: string): boolean | undefined {
  const v = obj[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "boolean") {
    throw new ProblemError("bad-request", `${name} must be true or false`, { field: name });
  }
  return v;
}
