import assert from "node:assert/strict";
import { parseArgs } from "node:util";
import { parse, UsageError } from "./args.ts";

const OPTIONS = {
  output: { type: "string", short: "o" },
  format: { type: "string", multiple: true },
  help: { type: "boolean", short: "h" },
  verbose: { type: "boolean", short: "v" },
  smaps: { type: "string" },
} as const;

/** The first line of node's message, or its values and positionals. */
function node(args: string[]): unknown {
  try {
    const r = parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true });
    return { values: { ...r.values }, positionals: r.positionals };
  } catch (e) {
    return (e as Error).message.split("\n")[0];
  }
}

function ours(args: string[]): unknown {
  try {
    const r = parse(args, OPTIONS);
    return { values: { ...r.values }, positionals: r.positionals };
  } catch (e) {
    assert.ok(e instanceof UsageError);
    return e.message;
  }
}

Deno.test("parse follows node:util parseArgs (strict, positionals) on values, positionals and errors", () => {
  const cases = [
    [],
    ["a", "b"],
    ["-o", "x", "core"],
    ["-ox", "core"],
    ["--output", "x"],
    ["--output=x", "--output=y"],
    ["--output="],
    ["--format", "json", "--format=text"],
    ["-h"],
    ["-hv", "core"],
    ["-vo", "file", "c"],
    ["-vofile"],
    ["--help=yes"],
    ["--bogus"],
    ["--bogus=1"],
    ["-x"],
    ["-hx"],
    ["--output"],
    ["-o"],
    ["--output", "-h"],
    ["-o", "-h"],
    ["-vo", "-h"],
    ["--output", "-"],
    ["-", "a"],
    ["--", "--help", "-o"],
    ["a", "--", "b"],
    ["--smaps", "s", "--", "-x"],
    ["-5"],
    ["--toString"],
    ["--__proto__"],
  ];
  for (const c of cases) assert.deepEqual(ours(c), node(c), JSON.stringify(c));
});
