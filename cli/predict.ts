/**
 * `coredelta predict --smaps FILE --filter F ...`: predicts, from a process's smaps and
 * `coredump_filter`, what the kernel's core dumper and GDB's `gcore` would dump for each mapping.
 *
 * @module
 */

import { InputError } from "../lib/errors.ts";
import type { MappingHints } from "../lib/policy/facts.ts";
import { parseFilter, procWriteWarning } from "../lib/policy/filter.ts";
import { KERNEL_PROFILES } from "../lib/policy/kernel.ts";
import { predict, type Producer } from "../lib/policy/predict.ts";
import { renderPredictText } from "../lib/report/predict_text.ts";
import { parseSmaps } from "../lib/smaps/parse.ts";
import { type CommandIO, oneOf, parse, UsageError } from "./args.ts";

/** What `predict` needs from the outside world (injected so tests need no files). */
export interface PredictIO extends CommandIO {
  /** Reads a whole text file. */
  readText(path: string): Promise<string>;
}

/** Help text of `predict`. */
export const PREDICT_HELP = `Usage: coredelta predict --smaps FILE --filter F [options]

Predicts, for every mapping of /proc/PID/smaps (or maps), what the Linux kernel's core dumper and
GDB's gcore would write: PT_LOAD present, p_filesz (whole, first page, 0), p_flags, and the rule that
decided. Facts smaps cannot show (file exec bits, link counts, ELF magic) are inferred where possible,
else every possible outcome is listed.

Options:
  --smaps FILE                   /proc/PID/smaps (or maps) text of the process
  --filter F                     coredump_filter: 00000033 (/proc form, hex), 0x33, or bit names
                                 (anon-private,anon-shared,mapped-private,mapped-shared,elf-headers,
                                 hugetlb-private,hugetlb-shared,dax-private,dax-shared or MMF_DUMP_*)
  --producer kernel|gdb|both     producers to predict (default both)
  --kernel-profile P             kernel (>=5.18, default), kernel-5.10 (5.10-5.17), kernel-5.9 (<=5.9)
  --gdb-use-filter on|off        GDB 'use-coredump-filter' (default on; off = GDB uses 0x33)
  --gdb-dump-excluded on|off     GDB 'dump-excluded-mappings' (default off)
  --hints FILE                   JSON {"0xSTART": {"execBit":true,"nlink":0,"elfMagic":false,"anonVma":true}}
  --format text|json             output format (default text)
  -h, --help                     this help

Exit codes: 0 done, 2 usage or input error.
`;

const onOff = (name: string, value: string | undefined, fallback: boolean): boolean =>
  oneOf(name, value, ["on", "off"] as const, fallback ? "on" : "off") === "on";

/** Reads a hints file: an object keyed by hex start address. */
function parseHints(text: string, path: string): Map<bigint, MappingHints> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${path}: not JSON (${e instanceof Error ? e.message : e})`);
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new UsageError(`${path}: expected an object keyed by start address`);
  }
  const out = new Map<bigint, MappingHints>();
  for (const [key, value] of Object.entries(raw)) {
    if (!/^0x[0-9a-fA-F]+$/.test(key)) {
      throw new UsageError(`${path}: bad address key ${JSON.stringify(key)}`);
    }
    if (typeof value !== "object" || value === null) {
      throw new UsageError(`${path}: ${key}: expected an object`);
    }
    const h = value as Record<string, unknown>;
    for (const [k, v] of Object.entries(h)) {
      const ok = k === "nlink"
        ? Number.isInteger(v) && (v as number) >= 0
        : typeof v === "boolean" &&
          ["execBit", "elfMagic", "anonVma", "vmShared"].includes(k);
      if (!ok) throw new UsageError(`${path}: ${key}: bad hint ${k}=${JSON.stringify(v)}`);
    }
    out.set(BigInt(key), h as MappingHints);
  }
  return out;
}

/**
 * Runs `predict`; returns the exit code. Usage and input errors print one line on stderr and give 2.
 *
 * @param args the arguments after `predict`
 * @param io file reading and output streams
 * @returns 0 on success, 2 on a usage or input error
 */
export async function predictCommand(args: string[], io: PredictIO): Promise<number> {
  try {
    return await run(args, io);
  } catch (e) {
    if (e instanceof UsageError || e instanceof InputError || isFileError(e)) {
      io.stderr(`coredelta predict: ${(e as Error).message.split("\n")[0]}\n`);
      return 2;
    }
    throw e;
  }
}

function isFileError(e: unknown): boolean {
  return typeof Deno !== "undefined" &&
    (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.PermissionDenied ||
      e instanceof Deno.errors.IsADirectory);
}

async function run(args: string[], io: PredictIO): Promise<number> {
  const { values, positionals } = parse(args, {
    smaps: { type: "string" },
    filter: { type: "string" },
    producer: { type: "string" },
    "kernel-profile": { type: "string" },
    "gdb-use-filter": { type: "string" },
    "gdb-dump-excluded": { type: "string" },
    hints: { type: "string" },
    format: { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    io.stdout(PREDICT_HELP);
    return 0;
  }
  if (positionals.length) {
    throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  }
  if (values.smaps === undefined) throw new UsageError("--smaps FILE is required");
  if (values.filter === undefined) throw new UsageError("--filter F is required (e.g. 0x33)");
  const producer = oneOf("producer", values.producer, ["kernel", "gdb", "both"] as const, "both");
  const kernelProfile = oneOf(
    "kernel-profile",
    values["kernel-profile"],
    KERNEL_PROFILES,
    "kernel",
  );
  const useCoredumpFilter = onOff("gdb-use-filter", values["gdb-use-filter"], true);
  const dumpExcludedMappings = onOff("gdb-dump-excluded", values["gdb-dump-excluded"], false);
  const format = oneOf("format", values.format, ["text", "json"] as const, "text");
  const filter = parseFilter(values.filter).value;
  const hints = values.hints === undefined
    ? undefined
    : parseHints(await io.readText(values.hints), values.hints);

  const text = await io.readText(values.smaps);
  let doc;
  try {
    doc = parseSmaps(text);
  } catch (e) {
    if (e instanceof InputError) e.message = `${values.smaps}: ${e.message}`;
    throw e;
  }
  if (doc.mappings.length === 0) {
    throw new UsageError(`${values.smaps}: no mappings (empty smaps: a kernel thread?)`);
  }
  const producers: Producer[] = producer === "both" ? ["kernel", "gdb"] : [producer];
  const result = predict(doc.mappings, filter, {
    producers,
    kernelProfile,
    gdb: { useCoredumpFilter, dumpExcludedMappings },
    ...(hints ? { hints } : {}),
  });
  const warning = procWriteWarning(values.filter);
  const out = warning ? { ...result, warnings: [...result.warnings, warning] } : result;
  io.stdout(format === "json" ? `${JSON.stringify(out, null, 2)}\n` : renderPredictText(out));
  return 0;
}
