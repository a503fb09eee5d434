/**
 * Choosing a representation: `?format=` wins, else the `Accept` header (with q-values), else the
 * default. A `?format` outside the list is a 400; an `Accept` that allows none of them is a 406.
 *
 * @module
 */

import { parseAccept } from "hono/utils/accept";
import { echo, ProblemError } from "./problem.ts";

/** Media types a client may ask for, per format. */
const ACCEPTED: Record<string, readonly string[]> = {
  json: ["application/json"],
  text: ["text/plain"],
  md: ["text/markdown"],
  junit: ["application/xml", "text/xml", "application/junit+xml"],
  html: ["text/html"],
};

/**
 * Picks a format.
 *
 * @param formats the formats offered, the first being the default
 * @param query the `format` query parameter
 * @param accept the `Accept` header
 * @returns the chosen format
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(chooseFormat(["json", "text"], undefined, "application/json;q=0.5, text/plain"), "text");
 * assert.equal(chooseFormat(["json", "text"], "json", "text/plain"), "json");
 * ```
 */
export function chooseFormat<F extends string>(
  formats: readonly F[],
  query: string | undefined,
  accept: string | undefined,
): F {
  if (query !== undefined) {
    if ((formats as readonly string[]).includes(query)) return query as F;
    throw new ProblemError(
      "option",
      `format must be one of ${formats.join(", ")} (got ${echo(query)})`,
      { field: "format" },
    );
  }
  if (!accept?.trim()) return formats[0]!;
  // Hono parses the header (quoted parameters, q-values); the choice below adds "406 when nothing
  // fits", which Hono's accepts() helper answers with a default instead.
  const ranges = parseAccept(accept).map((r, order) => {
    const [type = "*", sub = "*"] = r.type.toLowerCase().split("/");
    return { type, sub, q: r.q, order };
  });
  let best: { f: F; q: number; specific: number; order: number } | undefined;
  formats.forEach((f, i) => {
    for (const mt of ACCEPTED[f] ?? []) {
      const [type, sub] = mt.split("/") as [string, string];
      for (const r of ranges) {
        const specific = r.type === type && r.sub === sub
          ? 2
          : r.type === type && r.sub === "*"
          ? 1
          : r.type === "*"
          ? 0
          : -1;
        if (specific < 0 || r.q <= 0) continue;
        const cand = { f, q: r.q, specific, order: specific === 0 ? i : r.order };
        if (
          !best || cand.q > best.q || (cand.q === best.q && cand.specific > best.specific) ||
          (cand.q === best.q && cand.specific === best.specific && cand.order < best.order)
        ) best = cand;
      }
    }
  });
  if (!best) {
    throw new ProblemError(
      "not-acceptable",
      `None of the offered types matches the Accept header; use ?format=${formats.join("|")}`,
    );
  }
  return best.f;
}
