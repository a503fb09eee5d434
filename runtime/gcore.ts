/**
 * Takes a gcore of a live process (`gdb -nx -batch -p PID -ex 'set …' -ex 'gcore FILE'`) and turns
 * GDB's failures into errors that name the fix: gdb missing, ptrace not permitted (Yama, a container
 * without CAP_SYS_PTRACE), a setting GDB rejects, a timeout.
 *
 * @module
 */

import { CaptureError } from "./launch.ts";

/** Why ptrace may be refused here and how to allow it, in one paragraph. */
export function ptraceFix(): string {
  let yama = "";
  try {
    const scope = Deno.readTextFileSync("/proc/sys/kernel/yama/ptrace_scope").trim();
    yama = scope === "0"
      ? ""
      : scope === "3"
      ? " kernel.yama.ptrace_scope is 3: ptrace is off until reboot (boot with it at 0-2)."
      : ` kernel.yama.ptrace_scope is ${scope}: run as root or set it to 0 (sudo sysctl -w kernel.yama.ptrace_scope=0).`;
  } catch {
    // no Yama on this kernel
  }
  return `Fix:${yama} Run coredelta as the process's user or root, in the process's user namespace; ` +
    `in a container add CAP_SYS_PTRACE (docker run --cap-add=SYS_PTRACE, Kubernetes ` +
    `securityContext.capabilities.add: ["SYS_PTRACE"]) and a seccomp profile that allows ptrace.`;
}

/** The ptrace error for `pid`, with the fix. */
export function ptraceDenied(pid: number, detail: string): CaptureError {
  return new CaptureError(
    "ptrace-denied",
    `ptrace is not permitted on process ${pid} (${detail}): gdb cannot attach and /proc/${pid}/mem cannot be read. ${ptraceFix()}`,
  );
}

/**
 * Checks that this process may ptrace `pid` (opens `/proc/PID/mem`, which needs the same access as
 * attaching), so a capture fails before it changes anything.
 *
 * @param pid the process
 * @throws {CaptureError} `ptrace-denied`, or `process-missing`
 */
export function checkPtrace(pid: number): void {
  try {
    Deno.openSync(`/proc/${pid}/mem`, { read: true }).close();
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new CaptureError("process-missing", `No process ${pid} (it has exited?)`);
    }
    if (e instanceof Deno.errors.PermissionDenied) {
      throw ptraceDenied(pid, `opening /proc/${pid}/mem: ${e.message}`);
    }
    throw e;
  }
}

/** GDB's first version line, or `null` when gdb is not on PATH. */
export async function gdbVersion(gdb = "gdb"): Promise<string | null> {
  try {
    const out = await new Deno.Command(gdb, {
      args: ["--version"],
      stdout: "piped",
      stderr: "null",
    })
      .output();
    return new TextDecoder().decode(out.stdout).split("\n")[0]!.trim();
  } catch {
    return null;
  }
}

/** The error for a missing gdb. */
export function gdbMissing(gdb: string): CaptureError {
  return new CaptureError(
    "gdb-missing",
    `${gdb} is not on PATH: install GDB (Debian/Ubuntu: apt-get install gdb; Fedora: dnf install gdb; Alpine: apk add gdb) or pass --gdb PATH`,
  );
}

/**
 * Runs `gdb -nx -batch -p PID [-ex SETTING]... -ex 'gcore PATH'`; GDB's output goes to `logPath`.
 *
 * @param pid the process (left running: GDB detaches)
 * @param path where the gcore goes
 * @param settings GDB commands run before `gcore` (`set use-coredump-filter off`)
 * @param opts gdb binary, timeout, log file
 * @throws {CaptureError} gdb missing, ptrace denied, setting rejected, no core written, timeout
 */
export async function takeGcore(
  pid: number,
  path: string,
  settings: readonly string[],
  opts: { gdb: string; timeoutMs: number; logPath: string },
): Promise<void> {
  const args = ["-nx", "-batch", "-p", String(pid)];
  for (const s of settings) args.push("-ex", s);
  args.push("-ex", `gcore ${path}`);
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(opts.gdb, {
      args,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      env: { DEBUGINFOD_URLS: "", LC_ALL: "C" },
    }).spawn();
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) throw gdbMissing(opts.gdb);
    throw e;
  }
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      child.kill("SIGKILL");
    } catch {
      // already done
    }
  }, opts.timeoutMs);
  const out = await child.output();
  clearTimeout(timer);
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  await Deno.writeTextFile(opts.logPath, text);
  if (timedOut) {
    throw new CaptureError(
      "gcore-timeout",
      `gdb did not finish the gcore of process ${pid} in ${
        opts.timeoutMs / 1000
      } s (raise --timeout)`,
    );
  }
  const ptrace = text.match(/ptrace: Operation not permitted\.?|Could not attach to process[^\n]*/);
  if (ptrace) throw ptraceDenied(pid, `gdb: "${ptrace[0]}"`);
  const rejected = text.match(
    /^(Undefined set command[^\n]*|No symbol [^\n]*|"on" or "off" expected[^\n]*|Ambiguous set command[^\n]*)$/m,
  );
  if (rejected) {
    throw new CaptureError(
      "gdb-setting-rejected",
      `gdb rejected a --gdb-setting: ${rejected[0]} (settings: ${settings.join("; ")})`,
    );
  }
  let size = 0;
  try {
    size = (await Deno.stat(path)).size;
  } catch {
    size = 0;
  }
  if (size > 0) await Deno.chmod(path, 0o600); // a core holds secrets: owner only
  if (size === 0) {
    const tail = text.trim().split("\n").slice(-3).join(" | ");
    throw new CaptureError(
      "gcore-failed",
      `gdb wrote no gcore of process ${pid} (exit ${out.code}; gdb said: ${tail || "nothing"})`,
    );
  }
}
