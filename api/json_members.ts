/**
 * A byte-level watch over a JSON object body as it streams in: the size of every top-level member's
 * value is counted while the bytes arrive, so a 60 MB string in a member meant for a 64-character
 * id stops the upload after a few hundred bytes (413 naming the member) instead of being read,
 * decoded and parsed whole. The exact checks still run on the parsed value.
 *
 * @module
 */

import { echo, ProblemError } from "./problem.ts";

/** Bytes a JSON string may take per character at most (`\u0000` escapes). */
const ESCAPED = 6;

/**
 * A pass-through that errors with a 413 `too-large` problem naming the member (`field`) once a
 * top-level member's value passes
 * `ESCAPED × limit(name) + 16` bytes.
 *
 * @param limit largest value of a member, in characters, by member name
 * @returns the transform
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const body = new TextEncoder().encode(JSON.stringify({ a: "x".repeat(10_000) }));
 * const s = ReadableStream.from([body]).pipeThrough(memberLimits(() => 64));
 * await assert.rejects(new Response(s).arrayBuffer(), /Member "a"/);
 * ```
 */
export function memberLimits(
  limit: (name: string) => number,
): TransformStream<Uint8Array, Uint8Array> {
  let depth = 0;
  let inString = false;
  let escaped = false;
  let keyBytes: number[] | undefined;
  let key = "";
  let inValue = false;
  let valueBytes = 0;
  let max = 0;
  const dec = new TextDecoder();
  return new TransformStream({
    transform(chunk, ctl) {
      for (let i = 0; i < chunk.length; i++) {
        const b = chunk[i]!;
        if (inValue) {
          if (++valueBytes > max) {
            throw new ProblemError(
              "too-large",
              `Member ${echo(key)} is larger than its limit of ${max} bytes`,
              { field: key.slice(0, 64), limit: max, what: "JSON member" },
              { connection: "close" },
            );
          }
        }
        if (inString) {
          if (escaped) escaped = false;
          else if (b === 0x5c) escaped = true;
          else if (b === 0x22) {
            inString = false;
            if (keyBytes) {
              key = dec.decode(new Uint8Array(keyBytes));
              keyBytes = undefined;
            }
            continue;
          }
          if (keyBytes && keyBytes.length < 256) keyBytes.push(b);
          continue;
        }
        if (b === 0x22) {
          inString = true;
          if (depth === 1 && !inValue) keyBytes = [];
        } else if (b === 0x7b || b === 0x5b) depth++;
        else if (b === 0x7d || b === 0x5d) {
          depth--;
          if (depth === 0) inValue = false;
        } else if (b === 0x3a && depth === 1 && !inValue) {
          inValue = true;
          valueBytes = 0;
          max = ESCAPED * limit(key) + 16;
        } else if (b === 0x2c && depth === 1) inValue = false;
      }
      ctl.enqueue(chunk);
    },
  });
}
