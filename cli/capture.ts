/**
 * `coredelta capture [options] -- PROGRAM [ARGS...]` (or `--pid PID`): one kernel core and one
 * gcore of the same process per `coredump_filter`, with its smaps, maps, filter and live facts, and
 * optionally the diff of the pair as a CI gate. Exit 0 pass (or captured), 1 a diff failed, 2 usage
 * or capture error.
 *
 * @module
 */

import type { GdbSettings } from "../lib/policy/gdb.ts";
import { parseFilter } from "../lib/policy/filter.ts";
import { REPORT_FORMATS, type ReportFormat } from "../lib/report/render.ts";
import { checkPtrace, gdbMissing, gdbVersion, takeGcore } from "../runtime/gcore.ts";
import { coreRoute, kernelDump } from "../runtime/kernel_core.ts";
import { CaptureError, launch, type Launched, type Readiness } from "../runtime/launch.ts";
import { readLiveProcess } from "../runtime/proc.ts";
import { type CommandIO, parse, UsageError } from "./args.ts";
import { diffCapture, formatOf, type Output, writeOutputs } from "./capture_report.ts";
import { parsePid } from "./context_flags.ts";

/** Help text of `capture`. */
export const CAPTURE_HELP = `Usage: coredelta capture [options] -- PROGRAM [ARGS...]
       coredelta capture --pid PID [options]

Starts PROGRAM (or takes the running process PID), waits until it is ready, sets its
coredump_filter, takes a gcore, saves smaps (before and after GDB attached: attaching changes the
process), maps, the filter and the facts 'predict --pid' resolves, then makes the kernel dump the
same process (SIGABRT, RLIMIT_CORE raised) and collects that core wherever kernel.core_pattern
sends it (a file pattern, systemd-coredump, apport, --core-path). The process is gone afterwards:
a --pid process dies of SIGABRT.

Options:
  --pid PID                the running process to capture (instead of PROGRAM)
  --ready-line REGEX       ready when a line of PROGRAM's stdout matches REGEX
  --ready-file PATH        ready when PATH exists
  --after SECONDS          ready SECONDS after the start
  --filter F               coredump_filter to set (0x33, 00000033, bit names); default: keep it
  --filters F1,F2,...      one capture per filter, restarting PROGRAM for each
  --gdb-setting 'set ...'  a GDB command run before gcore (repeatable), e.g.
                           'set use-coredump-filter off', 'set dump-excluded-mappings on'
  --gdb PATH               the gdb to run (default gdb)
  --core-path TEMPLATE     where a core_pattern pipe helper stores cores (%p %P %e %t ... expand)
  --out DIR                keep the captures: DIR/f033/{kernel.core,gdb.core,smaps.txt,maps.txt,
                           coredump_filter.txt,facts.json,prediction.json,manifest.json,...}
  --diff                   diff each pair with its smaps, filter and facts; print the report
  --format F               report format for the next -o (text, json, md, junit, html; repeatable)
  -o, --output FILE        write the report to FILE (repeatable: --format junit -o r.xml --format
                           md -o s.md); several filters give one combined document per FILE
  --timeout SECONDS        limit for readiness, gcore and the kernel dump, each (default 60)
  -h, --help               this help

Exit codes: 0 captured (with --diff: every pair in parity), 1 a pair has unexpected differences,
2 usage or capture error (ptrace denied, gdb missing, cores disabled, program exited early, ...).
`;

/**
 * Reads `--format`/`-o` pairs in the order given; an `-o` without a `--format` before it takes the
 * format its extension implies, a `--format` without an `-o` goes to stdout.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(outputsOf(["--format", "junit", "-o", "r.xml", "--format=md", "--output", "s.md"]), [
 *   { format: "junit", path: "r.xml" },
 *   { format: "md", path: "s.md" },
 * ]);
 * assert.deepEqual(outputsOf(["-o", "x.json", "--format", "text", "--", "-o"]), [
 *   { format: "json", path: "x.json" },
 *   { format: "text" },
 * ]);
 * ```
 */
export function outputsOf(args: string[]): Output[] {
  const outs: Output[] = [];
  let pending: ReportFormat | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--") break;
    const [flag, inline] = a.startsWith("--") && a.includes("=") ? a.split(/=(.*)/s) : [a];
    const value = () => inline ?? args[++i] ?? "";
    if (flag === "--format") {
      const f = value();
      if (!(REPORT_FORMATS as readonly string[]).includes(f)) {
        throw new UsageError(`--format must be one of ${REPORT_FORMATS.join(", ")} (got "${f}")`);
      }
      if (pending) outs.push({ format: pending });
      pending = f as ReportFormat;
    } else if (flag === "-o" || flag === "--output") {
      const path = value();
      outs.push({ format: pending ?? formatOf(path), path });
      pending = undefined;
    }
  }
  if (pending) outs.push({ format: pending });
  return outs;
}

/** The GDB settings `predict` and `diff` model, read from `--gdb-setting` commands. */
export function gdbSettingsOf(commands: readonly string[]): GdbSettings {
  let useCoredumpFilter: boolean | undefined, dumpExcludedMappings: boolean | undefined;
  for (const c of commands) {
    const m = c.trim().match(/^set\s+(use-coredump-filter|dump-excluded-mappings)\s+(on|off)$/);
    if (m?.[1] === "use-coredump-filter") useCoredumpFilter = m[2] === "on";
    if (m?.[1] === "dump-excluded-mappings") dumpExcludedMappings = m[2] === "on";
  }
  return {
    ...(useCoredumpFilter !== undefined ? { useCoredumpFilter } : {}),
    ...(dumpExcludedMappings !== undefined ? { dumpExcludedMappings } : {}),
  };
}

/** Runs `capture`; returns the exit code. */
export async function captureCommand(args: string[], io: CommandIO): Promise<number> {
  try {
    return await run(args, io);
  } catch (e) {
    if (e instanceof CaptureError) {
      io.stderr(`coredelta capture: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}

async function run(args: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parse(args, {
    pid: { type: "string" },
    "ready-line": { type: "string" },
    "ready-file": { type: "string" },
    after: { type: "string" },
    filter: { type: "string" },
    filters: { type: "string" },
    "gdb-setting": { type: "string", multiple: true },
    gdb: { type: "string" },
    "core-path": { type: "string" },
    out: { type: "string" },
    diff: { type: "boolean" },
    format: { type: "string", multiple: true },
    output: { type: "string", short: "o", multiple: true },
    timeout: { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    io.stdout(CAPTURE_HELP);
    return 0;
  }
  const pid = values.pid === undefined ? undefined : parsePid(values.pid);
  if (pid === undefined && positionals.length === 0) {
    throw new UsageError("give the program after -- (capture [options] -- PROGRAM ARGS), or --pid");
  }
  if (pid !== undefined && positionals.length) {
    throw new UsageError("--pid takes a running process: drop the program arguments");
  }
  if (values.filter !== undefined && values.filters !== undefined) {
    throw new UsageError("give --filter or --filters, not both");
  }
  const filters = (values.filters ?? values.filter ?? "").split(",").map((f) => f.trim())
    .filter((f) => f !== "").map((f) => parseFilter(f).value);
  if (values.filters !== undefined && filters.length === 0) {
    throw new UsageError("--filters needs at least one filter");
  }
  if (pid !== undefined && filters.length > 1) {
    throw new UsageError("--pid captures one process once: give one --filter, not --filters");
  }
  const readies = [
    values["ready-line"] !== undefined,
    values["ready-file"] !== undefined,
    values.after !== undefined,
  ].filter(Boolean).length;
  if (readies > 1) throw new UsageError("give one of --ready-line, --ready-file, --after");
  if (pid !== undefined && readies > 0) {
    throw new UsageError(
      "--pid takes a process that is ready now: drop --ready-line/--ready-file/--after",
    );
  }
  if (pid === undefined && readies === 0) {
    throw new UsageError(
      "say when the program is ready: --ready-line REGEX, --ready-file PATH or --after SECONDS",
    );
  }
  const readiness = readinessOf(values["ready-line"], values["ready-file"], values.after);
  const timeoutMs = seconds("timeout", values.timeout ?? "60") * 1000;
  const outputs = outputsOf(args);
  if (outputs.length && !values.diff) throw new UsageError("--format and -o need --diff");
  if (!values.diff && values.out === undefined) {
    throw new UsageError("nothing would be kept: give --out DIR, --diff, or both");
  }
  const gdb = values.gdb ?? "gdb";
  const gdbSettings = values["gdb-setting"] ?? [];

  // Preflight: fail before starting anything.
  const version = await gdbVersion(gdb);
  if (version === null) throw gdbMissing(gdb);
  const route = await coreRoute(values["core-path"]);
  if (pid !== undefined) checkPtrace(pid);
  const keep = values.out !== undefined;
  const created = keep && !(await Deno.stat(values.out!).catch(() => null));
  const root = values.out ?? await Deno.makeTempDir({ prefix: "coredelta-capture-" });
  await Deno.mkdir(root, { recursive: true });

  const results = [];
  // An interrupt stops the program, so the step in progress fails fast and the cleanup below runs;
  // a step that does not depend on the program gets 10 s before the process cleans up and exits.
  const current: { launched?: Launched; stage?: string } = {};
  let interrupted: "SIGINT" | "SIGTERM" | undefined;
  const signalCode = () => interrupted === "SIGINT" ? 130 : 143;
  const interrupt = (signal: "SIGINT" | "SIGTERM") => () => {
    if (interrupted) return;
    interrupted = signal;
    io.stderr(`coredelta capture: ${signal}: stopping the program, removing partial captures\n`);
    void current.launched?.stop();
    const backstop = setTimeout(async () => {
      if (current.stage) await Deno.remove(current.stage, { recursive: true }).catch(() => {});
      if (!keep) await Deno.remove(root, { recursive: true }).catch(() => {});
      Deno.exit(signalCode());
    }, 10_000);
    Deno.unrefTimer(backstop);
  };
  const handlers = (["SIGINT", "SIGTERM"] as const).map((s) => [s, interrupt(s)] as const);
  for (const [s, h] of handlers) Deno.addSignalListener(s, h);
  try {
    for (const filter of filters.length ? filters : [undefined]) {
      if (interrupted) break;
      let launched: Launched | undefined;
      const stage = await Deno.makeTempDir({ dir: root, prefix: ".capture-" });
      current.stage = stage;
      try {
        if (pid === undefined) {
          launched = await launch(
            positionals,
            readiness!,
            timeoutMs,
            `${stage}/program.log`,
            (l) => current.launched = l,
          );
        }
        const target = pid ?? launched!.pid;
        checkPtrace(target);
        if (filter !== undefined) setFilter(target, filter);
        await Deno.writeTextFile(
          `${stage}/smaps.before.txt`,
          await Deno.readTextFile(`/proc/${target}/smaps`),
        );
        await takeGcore(target, `${stage}/gdb.core`, gdbSettings, {
          gdb,
          timeoutMs,
          logPath: `${stage}/gdb.log`,
        });
        // Read after the gcore: attaching changes the process (GDB's breakpoints copy pages of
        // ld.so's text), and both producers dump the process as it is after the attach.
        const live = await readLiveProcess(target, { byPath: true });
        for (const w of live.warnings) io.stderr(`coredelta capture: warning: ${w}\n`);
        const name = `f${parseInt(live.filter, 16).toString(16).padStart(3, "0")}`;
        await Deno.writeTextFile(`${stage}/smaps.txt`, live.smaps);
        await Deno.writeTextFile(`${stage}/maps.txt`, live.maps);
        await Deno.writeTextFile(`${stage}/coredump_filter.txt`, `${live.filter}\n`);
        await Deno.writeTextFile(
          `${stage}/facts.json`,
          `${JSON.stringify({ executable: live.executable, mappings: live.facts }, null, 2)}\n`,
        );
        const dump = await kernelDump(target, `${stage}/kernel.core`, {
          route,
          ...(values["core-path"] !== undefined ? { corePath: values["core-path"] } : {}),
          ...(launched ? { exited: launched.status } : {}),
          timeoutMs,
        });
        const manifest = {
          schemaVersion: 1,
          filter: `0x${parseInt(live.filter, 16).toString(16)}`,
          coredump_filter: live.filter,
          pid: target,
          program: pid === undefined ? positionals : null,
          executable: live.executable,
          kernel: Deno.osRelease(),
          gdb: version,
          gdbSettings,
          gdbCommand: `gdb -nx -batch -p ${target}${
            gdbSettings.map((s) => ` -ex '${s}'`).join("")
          } -ex 'gcore gdb.core'`,
          kernelCore: dump,
          warnings: live.warnings,
          files: {
            "kernel.core": "kernel core (SIGABRT after the gcore)",
            "gdb.core": "gcore of the live process",
            "smaps.before.txt": "/proc/PID/smaps before GDB attached",
            "smaps.txt": "/proc/PID/smaps after the gcore, as both producers saw it",
            "maps.txt": "/proc/PID/maps",
            "coredump_filter.txt": "/proc/PID/coredump_filter",
            "facts.json": "exec bits, link counts (map_files), ELF magic (mem)",
            "prediction.json": "predict --pid of the process",
          },
        };
        const dir = `${root}/${name}`;
        const entry = { name, dir, stage, live, manifest, settings: gdbSettingsOf(gdbSettings) };
        results.push(await diffCapture(entry, !!values.diff));
        await Deno.remove(dir, { recursive: true }).catch(() => {});
        await Deno.rename(stage, dir);
        io.stderr(
          `coredelta capture: ${name}: pid ${target}, gcore and kernel core (${dump.route}: ${dump.foundAt})${
            keep ? ` in ${dir}` : ""
          }\n`,
        );
      } finally {
        await launched?.stop();
        delete current.launched;
        await Deno.remove(stage, { recursive: true }).catch(() => {});
      }
    }
    if (interrupted) return signalCode();
    if (!values.diff) return 0;
    await writeOutputs(results, outputs.length ? outputs : [{ format: "text" }], io);
    return results.every((r) => r.report?.verdict === "pass") ? 0 : 1;
  } catch (e) {
    if (interrupted) return signalCode();
    throw e;
  } finally {
    for (const [s, h] of handlers) Deno.removeSignalListener(s, h);
    if (!keep) await Deno.remove(root, { recursive: true }).catch(() => {});
    else if (created) await Deno.remove(root).catch(() => {}); // only if still empty
  }
}

function setFilter(pid: number, filter: number): void {
  const path = `/proc/${pid}/coredump_filter`;
  try {
    Deno.writeTextFileSync(path, `0x${filter.toString(16)}`);
  } catch (e) {
    throw new CaptureError(
      "filter-not-set",
      `Cannot write ${path} (${
        e instanceof Error ? e.message : e
      }): run as the process's user or root`,
    );
  }
  const back = parseInt(Deno.readTextFileSync(path).trim(), 16);
  if (back !== filter) {
    throw new CaptureError(
      "filter-not-set",
      `${path} reads 0x${back.toString(16)} after writing 0x${filter.toString(16)}`,
    );
  }
}

function seconds(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0 || text.trim() === "") {
    throw new UsageError(`--${name} must be a number of seconds (got ${JSON.stringify(text)})`);
  }
  return n;
}

function readinessOf(
  line: string | undefined,
  file: string | undefined,
  after: string | undefined,
): Readiness | undefined {
  if (line !== undefined) {
    try {
      return { kind: "line", regex: new RegExp(line) };
    } catch (e) {
      throw new UsageError(`--ready-line: bad regular expression (${(e as Error).message})`);
    }
  }
  if (file !== undefined) return { kind: "file", path: file };
  if (after !== undefined) return { kind: "after", seconds: seconds("after", after) };
  return undefined;
}
