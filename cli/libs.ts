/**
 * `coredelta libs CORE [--sysroot DIR] [--debug-dir DIR] [--exe PATH] [--format text|json]`: are
 * the files this host would give a debugger the builds the process had? Each module's build-id,
 * read from the core, is compared with the file at its path (under the sysroot) and with the
 * separate debug file in `.build-id/xx/yyyy.debug`.
 *
 * Exit codes: 0 every module's file matches; 1 some file is missing, a different build, or cannot
 * be checked (the core does not hold its build-id); 2 usage or input error.
 *
 * @module
 */

import { hex } from "../lib/bytes/hex.ts";
import { executableModule, type Module, modulesToJson } from "../lib/digest/modules.ts";
import type { CoreFile } from "../lib/elf/core.ts";
import { buildIdText, missingPageNote } from "../lib/report/inspect.ts";
import { escapeTerminal } from "../lib/report/escape.ts";
import { toJson } from "../lib/report/json.ts";
import { textTable } from "../lib/report/table.ts";
import { checkModules, type HostFile, type ModuleCheck } from "../runtime/host_files.ts";
import { type CommandIO, oneOf, parse, UsageError } from "./args.ts";
import { readCoreOrDigest } from "./inspect.ts";

/** Help text of `libs`. */
export const LIBS_HELP =
  `Usage: coredelta libs CORE [--sysroot DIR] [--debug-dir DIR] [--exe PATH] [--format text|json]

Checks that the files a debugger would load for CORE (a core, plain or compressed, or a digest) are
the builds the process had: each module's build-id, read from the core's saved ELF header pages, is
compared with the file at the module's path on this host (or under --sysroot) and with the separate
debug file DEBUG-DIR/.build-id/xx/yyyy.debug. Statuses: match, different build (both ids shown),
missing, no build-id (the core does not hold it: its filter lacked the elf-headers bit 0x10).

Options:
  --sysroot DIR        look for module files under DIR (as gdb's 'set sysroot')
  --debug-dir DIR      debug file directory holding .build-id/ (default SYSROOT/usr/lib/debug)
  --exe PATH           the executable to check instead of its recorded path
  --format text|json   output format (default text)
  -h, --help           this help

Exit codes: 0 every module matches, 1 some do not, 2 usage or input error.
`;

const LABEL: Record<string, string> = {
  "match": "match",
  "different-build": "different build",
  "missing": "missing",
  "no-build-id": "no build-id in core",
  "in-core": "in core",
};

function fileText(f: HostFile | undefined): string {
  if (!f) return "";
  if (f.status === "different-build") return `different build (${f.buildId ?? "no build-id"})`;
  return LABEL[f.status]!;
}

/** Whether every module's file is the build the core recorded (the vDSO needs no file). */
export function allMatch(checks: readonly ModuleCheck[]): boolean {
  return checks.every((c) => c.status === "match" || c.status === "in-core");
}

/** The checks as JSON. */
export function libsJson(checks: readonly ModuleCheck[]): Record<string, unknown> {
  const count = (s: string) => checks.filter((c) => c.status === s).length;
  return {
    ok: allMatch(checks),
    counts: {
      match: count("match"),
      differentBuild: count("different-build"),
      missing: count("missing"),
      noBuildId: count("no-build-id"),
      inCore: count("in-core"),
    },
    modules: checks.map((c) => ({
      ...modulesToJson([c.module])[0],
      status: c.status,
      ...(c.file ? { file: c.file } : {}),
      ...(c.debug ? { debug: c.debug } : {}),
    })),
  };
}

/** The checks as a text table. */
export function libsText(checks: readonly ModuleCheck[]): string {
  const rows = [["status", "path", "load", "build-id (core)", "file", "debug file"]];
  for (const c of checks) {
    rows.push([
      c.status === "different-build" ? "DIFFERENT" : LABEL[c.status]!,
      escapeTerminal(c.module.path),
      hex(c.module.start),
      buildIdText(c.module),
      c.file && c.file.path !== c.module.path
        ? `${fileText(c.file)}: ${escapeTerminal(c.file.path)}`
        : fileText(c.file),
      fileText(c.debug),
    ]);
  }
  const bad = checks.filter((c) => !allMatch([c])).length;
  return `${textTable(rows, "").trimEnd()}\n${missingPageNote(checks.map((c) => c.module))}${
    bad === 0 ? "every module matches" : `${bad} of ${checks.length} module(s) do not match`
  }\n`;
}

/** Runs `libs`; returns the exit code. */
export async function libsCommand(args: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parse(args, {
    sysroot: { type: "string" },
    "debug-dir": { type: "string" },
    exe: { type: "string" },
    format: { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    io.stdout(LIBS_HELP);
    return 0;
  }
  const format = oneOf("format", values.format, ["text", "json"] as const, "text");
  if (positionals.length !== 1) throw new UsageError("libs takes exactly one CORE path");
  const { core, modules } = await readCoreOrDigest(positionals[0]!);
  if (!modules) {
    throw new UsageError("this digest was made before module lists; digest the core again");
  }
  const checks = await checkHostFiles(modules, core, values);
  io.stdout(format === "json" ? toJson(libsJson(checks)) : libsText(checks));
  return allMatch(checks) ? 0 : 1;
}

/** The host-file flags `libs` and `bundle` share. */
export interface HostFileFlags {
  /** `--sysroot`. */
  readonly sysroot?: string | undefined;
  /** `--debug-dir`. */
  readonly "debug-dir"?: string | undefined;
  /** `--exe`: the executable's file on this host. */
  readonly exe?: string | undefined;
}

/**
 * Checks every module against this host's files as `--sysroot`, `--debug-dir` and `--exe` say.
 *
 * @param modules the core's modules
 * @param core the core (it names the executable)
 * @param flags the command's flags
 */
export function checkHostFiles(
  modules: readonly Module[],
  core: CoreFile,
  flags: HostFileFlags,
): Promise<ModuleCheck[]> {
  const exe = executableModule(modules, core);
  if (flags.exe && !exe) {
    throw new UsageError("--exe: the core does not say which module is the executable");
  }
  return checkModules(modules, {
    ...(flags.sysroot ? { sysroot: flags.sysroot } : {}),
    ...(flags["debug-dir"] ? { debugDir: flags["debug-dir"] } : {}),
    ...(flags.exe && exe ? { exe: { module: exe, path: flags.exe } } : {}),
  });
}
