/**
 * The coredelta command line: `inspect`, `digest`, `predict`, `diff`, `serve`.
 *
 * Exit codes: 0 success (diff: parity), 1 diff found unexpected differences, 2 usage or input error.
 *
 * @module
 */

import { InputError } from "./lib/errors.ts";
import { type CommandIO, processIO, UsageError } from "./cli/args.ts";

/** Help text of the whole program. */
export const MAIN_HELP = `Usage: coredelta COMMAND [options]

Tells exactly how two Linux ELF core dumps of the same process differ, and why.

Commands:
  inspect CORE      explain one core: header, producer, threads, segments, notes
  digest CORE       hash every saved page (XXH3-64) into a small digest (-o FILE)
  diff A B          every difference between two cores, explained, with a verdict (exit 0/1)
  predict           what the kernel and gdb will dump, from smaps + coredump_filter
  capture -- PROG   a kernel core and a gcore of one process per filter, diffed for CI
  libs CORE         check this host's libraries against the build-ids in the core (exit 0/1)
  bundle CORE       the core, its matching libraries and a gdb.init in one .tar.zst (-o FILE)
  serve             the HTTP API and web form (port 8931, data in ./.coredelta-data)
  -h, --help        this help

Run 'coredelta COMMAND --help' for a command's options.
`;

type Command = (args: string[], io: CommandIO) => Promise<number>;

// Commands load on demand, so `digest` does not pay for loading the server and its dependencies.
const COMMANDS: Record<string, () => Promise<Command>> = {
  inspect: async () => (await import("./cli/inspect.ts")).inspectCommand,
  digest: async () => (await import("./cli/digest.ts")).digestCommand,
  diff: async () => (await import("./cli/diff.ts")).diffCommand,
  serve: async () => (await import("./cli/serve.ts")).serveCommand,
  capture: async () => (await import("./cli/capture.ts")).captureCommand,
  libs: async () => (await import("./cli/libs.ts")).libsCommand,
  bundle: async () => (await import("./cli/bundle.ts")).bundleCommand,
  predict: async () => {
    const { predictCommand } = await import("./cli/predict.ts");
    const { readSmapsFile } = await import("./runtime/smaps_file.ts");
    return (args, io) =>
      predictCommand(args, {
        ...io,
        readText: (p) => Deno.readTextFile(p),
        readSmaps: readSmapsFile,
      });
  },
};

/** Runs the CLI with `args`; returns the exit code (never throws for bad input). */
export async function main(args: string[], io: CommandIO = processIO): Promise<number> {
  const [name, ...rest] = args;
  if (name === undefined || name === "-h" || name === "--help" || name === "help") {
    io.stdout(MAIN_HELP);
    return name === undefined ? 2 : 0;
  }
  const load = COMMANDS[name];
  try {
    if (!load) throw new UsageError(`unknown command ${JSON.stringify(name)} (try --help)`);
    return await (await load())(rest, io);
  } catch (e) {
    // Bad usage, bad input and unreadable files are the user's to fix: one line, exit 2.
    if (
      e instanceof UsageError || e instanceof InputError || e instanceof Deno.errors.NotFound ||
      e instanceof Deno.errors.PermissionDenied || e instanceof Deno.errors.NotCapable ||
      e instanceof Deno.errors.IsADirectory
    ) {
      io.stderr(`coredelta ${name}: ${(e as Error).message}\n`);
      return 2;
    }
    throw e;
  }
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
