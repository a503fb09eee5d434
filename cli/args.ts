/**
 * Argument parsing shared by the subcommands (the rules of `node:util` `parseArgs` in strict mode
 * with positionals, which it replaces: loading the Node compatibility layer for it cost every
 * command about 18 ms of start-up), with usage errors that the entry point turns into exit code 2
 * and a one-line message.
 *
 * @module
 */

/** A command-line usage error: exit code 2, one line on stderr. */
export class UsageError extends Error {
  /** @param message the one-line message */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** One option: `--name VALUE` (string) or `--name` (boolean), an optional one-letter alias. */
export interface OptionSpec {
  /** `string` takes a value (`--name V`, `--name=V`, `-nV`, `-n V`); `boolean` does not. */
  readonly type: "string" | "boolean";
  /** One-letter alias (`-n`). */
  readonly short?: string;
  /** Collect every occurrence into an array (default: the last one wins). */
  readonly multiple?: boolean;
}

/** The parsed values of `T`'s options. */
export type ParsedValues<T extends Record<string, OptionSpec>> = {
  [K in keyof T]?: T[K] extends { type: "string" }
    ? (T[K] extends { multiple: true } ? string[] : string)
    : (T[K] extends { multiple: true } ? boolean[] : boolean);
};

/**
 * Parses `args` against `options` like `parseArgs({ strict: true, allowPositionals: true })`:
 * `--` ends the options, `-` is a positional, short booleans group (`-hv`); unknown options, a
 * missing or option-like value and a value given to a boolean are {@link UsageError}s.
 */
export function parse<T extends Record<string, OptionSpec>>(
  args: string[],
  options: T,
): { values: ParsedValues<T>; positionals: string[] } {
  const values: Record<string, unknown> = {};
  const positionals: string[] = [];
  const byShort = new Map<string, string>();
  for (const [name, o] of Object.entries(options)) if (o.short) byShort.set(o.short, name);
  const label = (name: string) => {
    const o = options[name]!;
    return `${o.short ? `-${o.short}, ` : ""}--${name}${o.type === "string" ? " <value>" : ""}`;
  };
  const unknown = (arg: string) =>
    new UsageError(
      `Unknown option '${arg}'. To specify a positional argument starting with a '-', place it at ` +
        `the end of the command after '--', as in '-- ${JSON.stringify(arg)}`, // sic (as node's)
    );
  const store = (name: string, value: string | boolean) => {
    if (options[name]!.multiple) ((values[name] ??= []) as unknown[]).push(value);
    else values[name] = value;
  };
  /** Stores option `name` (written `shown`) with an inline value, or takes the next argument. */
  const take = (name: string, shown: string, inline: string | undefined, i: number): number => {
    const o = options[name]!;
    if (o.type === "boolean") {
      if (inline !== undefined) {
        throw new UsageError(`Option '${label(name)}' does not take an argument`);
      }
      store(name, true);
      return i;
    }
    if (inline !== undefined) {
      store(name, inline);
      return i;
    }
    const next = args[i + 1];
    if (next === undefined) throw new UsageError(`Option '${label(name)}' argument missing`);
    if (next.length > 1 && next.startsWith("-")) {
      throw new UsageError(`Option '${shown}' argument is ambiguous.`);
    }
    store(name, next);
    return i + 1;
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--") {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      if (!Object.hasOwn(options, name)) throw unknown(eq < 0 ? arg : arg.slice(0, eq));
      i = take(name, `--${name}`, eq < 0 ? undefined : arg.slice(eq + 1), i);
    } else if (arg.startsWith("-") && arg.length > 1) {
      // -x, -xVALUE (string option), or a group of booleans -abc.
      for (let k = 1; k < arg.length; k++) {
        const name = byShort.get(arg[k]!);
        if (name === undefined) throw unknown(`-${arg[k]}`);
        const rest = arg.slice(k + 1);
        if (options[name]!.type === "string") {
          i = take(name, `-${arg[k]}`, rest === "" ? undefined : rest, i);
          break;
        }
        store(name, true);
      }
    } else positionals.push(arg);
  }
  return { values: values as ParsedValues<T>, positionals };
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
