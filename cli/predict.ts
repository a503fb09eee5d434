/**
 * `coredelta predict --smaps FILE --filter F ...` or `predict --pid PID`: predicts, from a process's smaps and
 * `coredump_filter`, what the kernel's core dumper and GDB's `gcore` would dump for each mapping.
 *
 * @module
 */

import { predictionOf, prepareContext, PRODUCER_CHOICES } from "../lib/diff/context.ts";
import { InputError, OptionError } from "../lib/errors.ts";
import type { MappingHints } from "../lib/policy/facts.ts";
import type { SmapsDocument } from "../lib/smaps/parse.ts";
import { renderPrediction } from "../lib/report/predict.ts";
import { type CommandIO, oneOf, parse, UsageError } from "./args.ts";
import { CONTEXT_FLAGS, CONTEXT_HELP, contextInput, liveInput, PID_HELP } from "./context_flags.ts";

/** What `predict` needs from the outside world (injected so tests need no files). */
export interface PredictIO extends CommandIO {
  /** Reads a whole text file. */
  readText(path: string): Promise<string>;
  /** Reads the smaps file (default: `readText`); the real one parses it as it reads. */
  readSmaps?(path: string): Promise<string | SmapsDocument>;
}

/** Help text of `predict`. */
export const PREDICT_HELP = `Usage: coredelta predict --smaps FILE --filter F [options]
       coredelta predict --pid PID [--filter F] [options]

Predicts, for every mapping of /proc/PID/smaps (or maps), what the Linux kernel's core dumper and
GDB's gcore would write: PT_LOAD present, p_filesz (whole, first page, 0), p_flags, and the rule that
decided. Facts smaps cannot show (file exec bits, link counts, ELF magic) are inferred where possible,
else every possible outcome is listed.

Options:
${CONTEXT_HELP}${PID_HELP}  --producer kernel|gdb|both     producers to predict (default both)
  --hints FILE                   JSON {"0xSTART": {"execBit":true,"nlink":0,"elfMagic":false,"anonVma":true}}
  --format text|json             output format (default text)
  -h, --help                     this help

Exit codes: 0 done, 2 usage or input error.
`;

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
    ...CONTEXT_FLAGS,
    producer: { type: "string" },
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
  if (values.pid !== undefined && values.hints !== undefined) {
    throw new UsageError("--pid reads the facts from the process: drop --hints");
  }
  if (values.pid === undefined) {
    if (values.smaps === undefined) {
      throw new UsageError("--smaps FILE is required (or --pid PID for a live process)");
    }
    if (values.filter === undefined) throw new UsageError("--filter F is required (e.g. 0x33)");
  }
  const producer = oneOf("producer", values.producer, PRODUCER_CHOICES, "both");
  const format = oneOf("format", values.format, ["text", "json"] as const, "text");
  const hints = values.hints === undefined
    ? undefined
    : parseHints(await io.readText(values.hints), values.hints);
  const live = await liveInput(values);
  const source = values.pid === undefined ? values.smaps : `/proc/${values.pid}/smaps`;
  let context;
  try {
    const input = live ?? await contextInput(values, io.readSmaps ?? io.readText);
    context = prepareContext({ ...input, producer, ...(hints ? { hints } : {}) });
  } catch (e) {
    if (e instanceof InputError && (!(e instanceof OptionError) || e.option === "smaps")) {
      e.message = `${source}: ${e.message}`;
    }
    throw e;
  }
  io.stdout(renderPrediction(predictionOf(context), format));
  return 0;
}
