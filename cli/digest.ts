/**
 * `coredelta digest CORE [-o FILE] [--format text|json]`: one streaming pass over a core into a small
 * digest (XXH3-64 per 4 KiB page) that every other command accepts in place of the core.
 *
 * @module
 */

import { encodeDigest } from "../lib/digest/codec.ts";
import { digestSummary } from "../lib/digest/summary.ts";
import { toJson } from "../lib/report/json.ts";
import { digestFile } from "../runtime/digest.ts";
import { writeOutput } from "../runtime/output.ts";
import { type CommandIO, oneOf, parse, UsageError } from "./args.ts";

/** Help text of `digest`. */
export const DIGEST_HELP = `Usage: coredelta digest CORE [-o FILE] [--format text|json]

Hashes every saved page of a core (plain, gzip, zstd or xz) in one streaming pass and prints a
summary. With -o, writes the binary digest (about 8 bytes per page), which 'diff', 'inspect' and the
API accept wherever they accept a core. The core itself is never copied unless its layout needs
random access (extended numbering, overlapping segments); that copy is private and removed.

Options:
  -o, --output FILE    write the binary digest to FILE (- for stdout)
  --format text|json   summary format (default text)
  -h, --help           this help
`;

/** Runs `digest`; returns the exit code. */
export async function digestCommand(args: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parse(args, {
    output: { type: "string", short: "o" },
    format: { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    io.stdout(DIGEST_HELP);
    return 0;
  }
  const format = oneOf("format", values.format, ["text", "json"] as const, "text");
  if (positionals.length !== 1) throw new UsageError("digest takes exactly one CORE path");
  const d = await digestFile(positionals[0]!);
  if (values.output) {
    const bin = encodeDigest(d);
    await writeOutput(values.output, bin);
  }
  // With `-o -` the digest is on stdout: the summary goes to stderr.
  const say = values.output === "-" ? io.stderr : io.stdout;
  const s = digestSummary(d);
  if (format === "json") say(toJson(s));
  else {
    const p = s.pages;
    say(
      `${
        positionals[0]
      }: ${d.size} bytes, ${d.core.producer.producer} core, ${d.core.loads.length} PT_LOAD\n` +
        `pages: ${p.hashed} hashed (${p.zero} zero), ${p.truncated} truncated, ${p.unsaved} not saved` +
        `${p.holes ? `, ${p.holes} holes (not read)` : ""}\n` +
        `identity (xxh3-64 of tables and page hashes): ${s.fileHash}${
          d.meta.spilled ? `\nspilled: ${d.meta.spillReason}` : ""
        }\n` +
        (d.modules
          ? `modules: ${d.modules.length}, ${
            d.modules.filter((m) => m.buildId).length
          } with their build-id in the core\n`
          : "") +
        (values.output ? `digest written to ${values.output}\n` : ""),
    );
  }
  return 0;
}
