/**
 * Reads a `/proc/PID/smaps` (or `maps`) file into a parsed document a chunk at a time: the text is
 * never held whole (a 70,000-mapping smaps is 50 MB), and a syntax error stops the read at once.
 *
 * @module
 */

import { SmapsParser } from "../lib/smaps/stream.ts";
import type { SmapsDocument } from "../lib/smaps/parse.ts";

/** Bytes read at a time. */
const CHUNK = 1 << 20;

/**
 * Parses the smaps or maps file at `path` as it is read.
 *
 * @param path the file (a regular file, a pipe or a `/proc` file)
 * @returns the parsed document
 * @throws {SmapsSyntaxError} on malformed text, naming the line and column
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const path = await Deno.makeTempFile();
 * await Deno.writeTextFile(path, "00400000-00401000 r-xp 00000000 08:01 12 /bin/x\n");
 * assert.equal((await readSmapsFile(path)).mappings[0]!.name, "/bin/x");
 * await Deno.remove(path);
 * ```
 */
export async function readSmapsFile(path: string): Promise<SmapsDocument> {
  const parser = new SmapsParser();
  const buffer = new Uint8Array(CHUNK);
  using file = await Deno.open(path, { read: true });
  for (;;) {
    const n = await file.read(buffer).catch((e) => {
      // A read error (a directory) names no path: add it, as `Deno.readTextFile` does.
      if (e instanceof Error && !e.message.includes(path)) e.message += `: read '${path}'`;
      throw e;
    });
    if (n === null) break;
    parser.push(buffer.subarray(0, n));
  }
  return parser.end();
}
