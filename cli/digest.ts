/**
 * `coredelta digest CORE [-o FILE] [--format text|json]`: one streaming pass over a core into a small
 * digest (XXH3-64 per 4 KiB page) that every other command accepts in place of the core.
 *
 * @module
 */

import { encodeDigest } from "../lib/digest/codec.ts";
import { type CoreDigest, pageCounts } from "../lib/digest/model.ts";
import { hex, toJson } from "../lib/report/json.ts";
import { digestFile } from "../runtime/digest.ts";
import { type CommandIO, oneOf, parse, UsageError } from "./args.ts";

/** Help text of `digest`. */
export const DIGEST_HELP = `Usage: coredelta digest CORE [-o FILE] [--format text|json]

Hashes every saved page of a core (plain, gzip, zstd or xz) in one streaming pass and prints a
summary. With -o, writes the binary digest (about 8 bytes per page), which 'diff', 'inspect' and the
API accept wherever they accept a core. The core itself is never copied unless its layout needs
random access (extended numbering, overlapping segments); that copy is private and removed.

Options:
  -o, --output FILE    write the binary digest to FILE
  --format text|json   summary format (default text)
  -h, --help           this help
`;

/** Summary of a digest for people and CI logs (no page contents, only counts and hashes). */
export function digestSummary(d: CoreDigest): Record<string, unknown> {
  const totals = { saved: 0, hashed: 0, truncated: 0, unsaved: 0, zero: 0, holes: 0 };
  d.segments.forEach((s, i) => {
    const load = d.core.loads[i]!;
    const c = pageCounts(s, load.filesz, load.memsz);
    for (const k of Object.keys(totals) as (keyof typeof totals)[]) totals[k] += c[k];
  });
  return {
    formatVersion: d.formatVersion,
    size: d.size,
    fileHash: hex(d.fileHash, 16),
    kernelSha256: d.kernelSha256,
    producer: d.core.producer.producer,
    loads: d.core.loads.length,
    pages: totals,
    truncated: d.core.truncated,
    meta: d.meta,
  };
}

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
    await Deno.writeFile(values.output, bin, { mode: 0o600 });
  }
  const s = digestSummary(d);
  if (format === "json") io.stdout(toJson(s));
  else {
    const p = s.pages as Record<string, number>;
    io.stdout(
      `${
        positionals[0]
      }: ${d.size} bytes, ${d.core.producer.producer} core, ${d.core.loads.length} PT_LOAD\n` +
        `pages: ${p.hashed} hashed (${p.zero} zero), ${p.truncated} truncated, ${p.unsaved} not saved` +
        `${p.holes ? `, ${p.holes} holes (not read)` : ""}\n` +
        `identity (xxh3-64 of tables and page hashes): ${s.fileHash}${
          d.meta.spilled ? `\nspilled: ${d.meta.spillReason}` : ""
        }\n` +
        (values.output ? `digest written to ${values.output}\n` : ""),
    );
  }
  return 0;
}
