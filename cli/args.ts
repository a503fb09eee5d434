/**
 * Argument parsing shared by the subcommands (`node:util` `parseArgs`, strict), with usage errors
 * that the entry point turns into exit code 2 and a one-line message.
 *
 * @module
 */

import { parseArgs, type ParseArgsConfig } from "node:util";

/** A command-line usage error: exit code 2, one line on stderr. */
export class UsageError extends Error {
  /** @param message the one-line message */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** Parses `args` against `options`; unknown options and bad values become {@link UsageError}s. */
export function parse<T extends NonNullable<ParseArgsConfig["options"]>>(
  args: string[],
  options: T,
) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message.split("\n")[0]! : String(e));
  }
}

/** Returns `value` if it is one of `allowed`, else throws a {@link UsageError}. */
export function oneOf<T extends string>(
  name: string,
  value: string | undefined,
  allowed: readonly T[],
  fallback: T,
): T {
  if (value === undefined) return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(
    `--${name} must be one of ${allowed.join(", ")} (got ${JSON.stringify(value)})`,
  );
}

/** The streams a command writes to (injected so tests can capture them). */
export interface CommandIO {
  stdout(text: string): void;
  stderr(text: string): void;
}

/** The real process streams. */
export const processIO: CommandIO = {
  stdout: (t) => void Deno.stdout.writeSync(new TextEncoder().encode(t)),
  stderr: (t) => void Deno.stderr.writeSync(new TextEncoder().encode(t)),
};
