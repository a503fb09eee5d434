/**
 * Makes the kernel dump a live process and collects the core wherever `core_pattern` sends it:
 * RLIMIT_CORE is raised (`prlimit`), SIGABRT is sent, the exit is awaited, then the core is taken
 * from a file pattern (with `%` expansions), from `systemd-coredump` through `coredumpctl dump`,
 * from apport's core directory, or from `--core-path` for any other pipe helper. Every failure
 * says what it could not do and the fix.
 *
 * @module
 */

import { classifyPattern, type CoreRoute, matchingFiles, patternMatcher } from "./core_pattern.ts";
import { CaptureError } from "./launch.ts";

const PATTERN_FILE = "/proc/sys/kernel/core_pattern";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Reads and classifies `core_pattern`; checks the route can be collected from. */
export async function coreRoute(corePath: string | undefined): Promise<CoreRoute> {
  let text: string;
  try {
    text = await Deno.readTextFile(PATTERN_FILE);
  } catch (e) {
    throw new CaptureError(
      "core-pattern-unreadable",
      `Cannot read ${PATTERN_FILE} (${
        e instanceof Error ? e.message : e
      }): mount /proc, or pass --core-path TEMPLATE where this machine's cores go`,
    );
  }
  const route = classifyPattern(text);
  if (corePath !== undefined) return route;
  const set = "sudo sysctl -w kernel.core_pattern=core";
  switch (route.kind) {
    case "disabled":
      throw new CaptureError(
        "cores-disabled",
        `kernel.core_pattern is empty: the kernel writes no cores. Fix: ${set}`,
      );
    case "socket":
      throw new CaptureError(
        "core-pattern-socket",
        `kernel.core_pattern '${route.pattern}' sends cores to a socket coredelta cannot read: pass --core-path TEMPLATE where its receiver stores them, or ${set}`,
      );
    case "pipe":
      throw new CaptureError(
        "core-pattern-pipe",
        `kernel.core_pattern pipes cores to ${route.helper}, which coredelta cannot read back: pass --core-path TEMPLATE where it stores them (e.g. --core-path '/var/cores/core.%p'), or ${set}`,
      );
    case "systemd":
      if (!(await onPath("coredumpctl"))) {
        throw new CaptureError(
          "coredumpctl-missing",
          `kernel.core_pattern pipes cores to systemd-coredump but coredumpctl is not on PATH: install systemd-coredump, or ${set}`,
        );
      }
  }
  return route;
}

async function onPath(tool: string): Promise<boolean> {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    try {
      if (dir && (await Deno.stat(`${dir}/${tool}`)).isFile) return true;
    } catch {
      // not here
    }
  }
  return false;
}

/** `Max core file size` of `/proc/PID/limits`: soft and hard, `unlimited` or bytes. */
async function coreLimits(pid: number): Promise<{ soft: string; hard: string }> {
  let text: string;
  try {
    text = await Deno.readTextFile(`/proc/${pid}/limits`);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
    throw new CaptureError(
      "process-gone",
      `Process ${pid} ended before the kernel could dump it: it exited or crashed after the gcore`,
    );
  }
  const m = text.match(/^Max core file size\s+(\S+)\s+(\S+)/m);
  if (!m) throw new CaptureError("limits-unreadable", `/proc/${pid}/limits has no core limit`);
  return { soft: m[1]!, hard: m[2]! };
}

/**
 * Raises `pid`'s RLIMIT_CORE to unlimited (else to its hard limit) with `prlimit`.
 *
 * @returns the soft limit now in force
 * @throws {CaptureError} `cores-disabled` when the hard limit is 0 and cannot be raised
 */
export async function raiseCoreLimit(pid: number): Promise<string> {
  const before = await coreLimits(pid);
  if (before.soft === "unlimited") return before.soft;
  const run = async (value: string) => {
    try {
      const out = await new Deno.Command("prlimit", {
        args: ["--pid", String(pid), `--core=${value}`],
        stdout: "null",
        stderr: "piped",
      }).output();
      return out.success ? "" : new TextDecoder().decode(out.stderr).trim();
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) {
        throw new CaptureError(
          "prlimit-missing",
          `prlimit is not on PATH, so RLIMIT_CORE of process ${pid} (now ${before.soft}) cannot be raised: install util-linux, or start the job under 'ulimit -c unlimited'`,
        );
      }
      throw e;
    }
  };
  const err = await run("unlimited");
  if (err !== "") {
    if (before.hard === "0") {
      throw new CaptureError(
        "cores-disabled",
        `Cores are disabled for process ${pid}: RLIMIT_CORE hard limit is 0 and cannot be raised (${err}). Fix: start the job under 'ulimit -c unlimited' (docker run --ulimit core=-1; systemd LimitCORE=infinity), or run coredelta as root`,
      );
    }
    const err2 = await run(`${before.hard}:`);
    if (err2 !== "") {
      throw new CaptureError(
        "cores-disabled",
        `Cannot raise RLIMIT_CORE of process ${pid} (soft ${before.soft}, hard ${before.hard}): ${err2}`,
      );
    }
  }
  return (await coreLimits(pid)).soft;
}

/** What {@link kernelDump} did. */
export interface KernelDumpResult {
  /** Where the core was found (before it was moved to the output). */
  readonly foundAt: string;
  /** The route: `file`, `systemd`, `apport`, `pipe` (with `--core-path`). */
  readonly route: CoreRoute["kind"];
  /** `core_pattern` at dump time. */
  readonly pattern: string;
  /** RLIMIT_CORE soft limit at dump time. */
  readonly coreLimit: string;
  /** How the process ended. */
  readonly ended: string;
}

/** Options of {@link kernelDump}. */
export interface KernelDumpOptions {
  /** The route from {@link coreRoute}. */
  readonly route: CoreRoute;
  /** `--core-path` template, overriding the route. */
  readonly corePath?: string;
  /** Resolves when the process ends (a started program); otherwise /proc is polled. */
  readonly exited?: Promise<Deno.CommandStatus>;
  /** Time limit for death and collection. */
  readonly timeoutMs: number;
  /** Where apport keeps cores (default `/var/lib/apport/coredump`). */
  readonly apportDir?: string;
}

/**
 * Sends SIGABRT to `pid` (RLIMIT_CORE raised first), waits for it to die, and moves its kernel core
 * to `dest`.
 *
 * @param pid the process
 * @param dest the path the core is moved to
 * @param opts route, override template, exit promise, timeout
 * @returns where the core came from
 * @throws {CaptureError} when the process does not die or no core can be found
 */
export async function kernelDump(
  pid: number,
  dest: string,
  opts: KernelDumpOptions,
): Promise<KernelDumpResult> {
  const coreLimit = await raiseCoreLimit(pid);
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  const uid = Number(status.match(/^Uid:\s+(\d+)/m)?.[1] ?? 0);
  const gid = Number(status.match(/^Gid:\s+(\d+)/m)?.[1] ?? 0);
  const nsPid = Number(status.match(/^NSpid:.*\s(\d+)\s*$/m)?.[1] ?? pid);
  const comm = (await Deno.readTextFile(`/proc/${pid}/comm`)).replace(/\n$/, "");
  const exe = await Deno.readLink(`/proc/${pid}/exe`).catch(() => "");
  const cwd = await Deno.readLink(`/proc/${pid}/cwd`).catch(() => "/");
  const usesPid = (await Deno.readTextFile("/proc/sys/kernel/core_uses_pid").catch(() => "0"))
    .trim() === "1";
  const start = startTime(pid);
  const t0 = Date.now();
  try {
    Deno.kill(pid, "SIGABRT");
  } catch (e) {
    throw new CaptureError(
      "process-gone",
      `Process ${pid} ended before the kernel could dump it (${
        e instanceof Error ? e.message : e
      }): it exited or crashed after the gcore`,
    );
  }
  const ended = await waitDeath(pid, start, opts);
  const id = {
    pid: nsPid,
    pidInit: pid,
    uid,
    gid,
    signal: 6,
    comm,
    exe: exe.replace(/ \(deleted\)$/, ""),
    hostname: Deno.hostname(),
    coreLimit,
    coreUsesPid: usesPid,
  };
  const deadline = Date.now() + opts.timeoutMs;
  const base = { pattern: opts.route.pattern, coreLimit, ended };
  if (opts.corePath !== undefined || opts.route.kind === "file") {
    const template = opts.corePath ?? opts.route.pattern;
    const matcher = patternMatcher(template, {
      ...id,
      coreUsesPid: opts.corePath ? false : usesPid,
    });
    const from = opts.corePath !== undefined ? Deno.cwd() : cwd;
    for (;;) {
      const found = (await matchingFiles(matcher, from)).filter((f) => f.mtime >= t0 - 2000);
      if (found.length > 0 && await settled(found[0]!.path)) {
        await move(found[0]!.path, dest);
        return { ...base, foundAt: found[0]!.path, route: opts.corePath ? "pipe" : "file" };
      }
      if (Date.now() > deadline) break;
      await sleep(100);
    }
    throw new CaptureError(
      "kernel-core-missing",
      `No kernel core of process ${pid} (${ended}) matching '${template}'${
        matcher.relative ? ` in ${from}` : ""
      }. Check: the directory is writable by the process and has room; RLIMIT_CORE (${coreLimit}); fs.suid_dumpable for set-uid programs; in a container the host's core_pattern applies`,
    );
  }
  if (opts.route.kind === "systemd") {
    let last = "";
    while (Date.now() <= deadline) {
      const out = await new Deno.Command("coredumpctl", {
        args: ["--no-pager", "-q", "-o", dest, "dump", String(pid)],
        stdout: "null",
        stderr: "piped",
      }).output();
      if (out.success && (await Deno.stat(dest).catch(() => null))?.size) {
        return { ...base, foundAt: `coredumpctl dump ${pid}`, route: "systemd" };
      }
      last = new TextDecoder().decode(out.stderr).trim();
      await sleep(200);
    }
    throw new CaptureError(
      "kernel-core-missing",
      `systemd-coredump kept no core of process ${pid} (${ended}): coredumpctl said "${last}". Check Storage= and ProcessSizeMax= in coredump.conf, or set kernel.core_pattern=core`,
    );
  }
  // apport: cores of the crash go to /var/lib/apport/coredump/core.<exe>.<uid>.<boot>.<pid>.<time>
  const dir = opts.apportDir ?? "/var/lib/apport/coredump";
  while (Date.now() <= deadline) {
    const hits: { path: string; mtime: number }[] = [];
    try {
      for await (const e of Deno.readDir(dir)) {
        if (e.isFile && e.name.split(".").includes(String(pid))) {
          const st = await Deno.stat(`${dir}/${e.name}`);
          if ((st.mtime?.getTime() ?? 0) >= t0 - 2000) {
            hits.push({ path: `${dir}/${e.name}`, mtime: st.mtime!.getTime() });
          }
        }
      }
    } catch {
      // no directory (older apport keeps cores only inside .crash reports)
    }
    if (hits.length && await settled(hits[0]!.path)) {
      await move(hits[0]!.path, dest);
      return { ...base, foundAt: hits[0]!.path, route: "apport" };
    }
    await sleep(200);
  }
  throw new CaptureError(
    "kernel-core-missing",
    `apport kept no core of process ${pid} in ${dir} (${ended}); apport ignores programs that are not from a package. Fix: sudo sysctl -w kernel.core_pattern=core for the job, or pass --core-path`,
  );
}

/** Field 22 of `/proc/PID/stat` (start time), to tell a reused PID from ours. */
function startTime(pid: number): string | null {
  try {
    const s = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return s.slice(s.lastIndexOf(")") + 2).split(" ")[19] ?? null;
  } catch {
    return null;
  }
}

async function waitDeath(pid: number, start: string | null, opts: KernelDumpOptions) {
  const deadline = Date.now() + opts.timeoutMs;
  if (opts.exited) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const s = await Promise.race([
      opts.exited,
      new Promise<null>((r) => timer = setTimeout(() => r(null), opts.timeoutMs)),
    ]);
    clearTimeout(timer);
    if (s === null) throw notDead(pid, opts.timeoutMs);
    if (s.signal !== "SIGABRT") {
      throw new CaptureError(
        "no-abort",
        `Process ${pid} did not die of SIGABRT (${
          s.signal ? `killed by ${s.signal}` : `exit status ${s.code}`
        }): it handles or blocks SIGABRT, so the kernel wrote no core for it`,
      );
    }
    return "killed by SIGABRT";
  }
  for (;;) {
    let state = "";
    try {
      const s = Deno.readTextFileSync(`/proc/${pid}/stat`);
      state = s.slice(s.lastIndexOf(")") + 2).split(" ")[0] ?? "";
    } catch {
      return "killed by SIGABRT";
    }
    if (state === "Z" || state === "X" || startTime(pid) !== start) return "killed by SIGABRT";
    if (Date.now() > deadline) throw notDead(pid, opts.timeoutMs);
    await sleep(50);
  }
}

function notDead(pid: number, ms: number): CaptureError {
  return new CaptureError(
    "no-abort",
    `Process ${pid} is still running ${
      ms / 1000
    } s after SIGABRT: it handles or blocks the signal, so the kernel cannot dump it`,
  );
}

/** True when the file's size stayed the same over a short wait (a pipe helper may still write). */
async function settled(path: string): Promise<boolean> {
  const a = (await Deno.stat(path)).size;
  await sleep(100);
  const b = (await Deno.stat(path)).size;
  return a === b && b > 0;
}

async function move(from: string, to: string): Promise<void> {
  try {
    await Deno.rename(from, to);
  } catch {
    await Deno.copyFile(from, to);
    await Deno.remove(from);
  }
}
