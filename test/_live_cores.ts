/**
 * Making real cores at test time: the locks every such test takes, a temporary raise of
 * `vm.max_map_count` (restored before returning), and one helper that runs a fixture program,
 * saves its smaps and coredump_filter, takes a gcore of it with gdb and then lets it crash so the
 * kernel writes its core.
 *
 * Locks: `/tmp/coredelta-core-pattern.lock` is shared by every test that makes kernel cores and
 * exclusive for a test that changes `core_pattern`; `/tmp/coredelta-max-map-count.lock` is held
 * exclusively while `vm.max_map_count` is raised.
 *
 * @module
 */

const CORE_PATTERN_LOCK = "/tmp/coredelta-core-pattern.lock";
const MAX_MAP_COUNT_LOCK = "/tmp/coredelta-max-map-count.lock";
const MAX_MAP_COUNT = "/proc/sys/vm/max_map_count";

/** Runs `fn` holding the core_pattern lock (shared unless `exclusive`). */
export async function withCoreLock<T>(fn: () => Promise<T>, exclusive = false): Promise<T> {
  const lock = await Deno.open(CORE_PATTERN_LOCK, { read: true, write: true, create: true });
  try {
    await lock.lock(exclusive);
    return await fn();
  } finally {
    lock.close(); // releases the lock
  }
}

function onPath(tool: string): boolean {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    try {
      if (dir && Deno.statSync(`${dir}/${tool}`).isFile) return true;
    } catch {
      // not here
    }
  }
  return false;
}

/**
 * Why this machine cannot make kernel cores and gcores here (undefined when it can): not Linux,
 * missing tools, a piped or templated core_pattern.
 */
export function whyNoLiveCores(tools: string[] = ["bash", "gcc", "gdb"]): string | undefined {
  if (Deno.build.os !== "linux") return `not Linux (${Deno.build.os})`;
  const missing = tools.filter((t) => !onPath(t));
  if (missing.length) return `missing ${missing.join(", ")}`;
  const pattern = Deno.readTextFileSync("/proc/sys/kernel/core_pattern").trim();
  if (
    pattern.startsWith("|") || pattern.includes("/") || /%[^p%]/.test(pattern.replaceAll("%%", ""))
  ) {
    return `kernel.core_pattern '${pattern}' is not a plain file name`;
  }
  return undefined;
}

/**
 * Raises `vm.max_map_count` to at least `min`, holding an exclusive lock, and returns the function
 * that restores the old value and releases the lock (idempotent: call it as soon as the mappings
 * exist, and again in `finally`). Throws when the value cannot be written (not root).
 */
export async function raiseMaxMapCount(min: number): Promise<() => void> {
  const lock = await Deno.open(MAX_MAP_COUNT_LOCK, { read: true, write: true, create: true });
  await lock.lock(true);
  let old: string | undefined;
  let done = false;
  const restore = () => {
    if (done) return;
    done = true;
    try {
      if (old !== undefined) Deno.writeTextFileSync(MAX_MAP_COUNT, old);
    } finally {
      lock.close();
    }
  };
  try {
    const now = Deno.readTextFileSync(MAX_MAP_COUNT).trim();
    if (Number(now) < min) {
      Deno.writeTextFileSync(MAX_MAP_COUNT, String(min));
      old = now;
    }
  } catch (e) {
    restore();
    throw e;
  }
  return restore;
}

/** What {@link liveCores} made. */
export interface LiveCores {
  /** The kernel core. */
  readonly kernel: string;
  /** The gcore, when asked for. */
  readonly gdb?: string;
  /** `/proc/PID/smaps` read after setup (before gdb attached). */
  readonly smaps: string;
  /** `/proc/PID/coredump_filter`. */
  readonly filter: string;
  /** The process id. */
  readonly pid: number;
}

/** Options of {@link liveCores}. */
export interface LiveCoreOptions {
  /** Take a gcore before the crash. */
  readonly gcore?: boolean;
  /** Called right after the program printed "ready" (its mappings exist): e.g. restore a sysctl. */
  readonly onReady?: () => void;
}

/**
 * Runs `program args...` in `dir` with `ulimit -c unlimited` (the program prints `ready PID`, waits
 * on stdin, and crashes on `c`), optionally takes a gcore, then crashes it. Holds the shared
 * core_pattern lock throughout. Kills the program on any failure.
 */
export async function liveCores(
  dir: string,
  program: string,
  args: string[],
  options: LiveCoreOptions = {},
): Promise<LiveCores> {
  return await withCoreLock(async () => {
    const child = new Deno.Command("bash", {
      // bash stays the parent (no exec): with a multithreaded parent (deno) the kernel records the
      // forking thread's id as pr_ppid while gdb records the process id.
      args: ["-c", 'ulimit -c unlimited && "$@"; exit $?', "bash", program, ...args],
      cwd: dir,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const stdin = child.stdin.getWriter();
    let crashed = false;
    try {
      const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
      let out = "";
      while (!out.includes("\n")) {
        const r = await reader.read();
        if (r.done) break;
        out += r.value;
      }
      reader.releaseLock();
      const m = out.match(/^ready (\d+)/);
      if (!m) throw new Error(`${program} did not get ready (stdout: ${JSON.stringify(out)})`);
      const pid = Number(m[1]);
      options.onReady?.();
      const smaps = await Deno.readTextFile(`/proc/${pid}/smaps`);
      const filter = (await Deno.readTextFile(`/proc/${pid}/coredump_filter`)).trim();
      let gdb: string | undefined;
      if (options.gcore) {
        gdb = `${dir}/gdb.core`;
        const g = await new Deno.Command("gdb", {
          args: ["-nx", "-batch", "-p", String(pid), "-ex", `gcore ${gdb}`],
          stdout: "piped",
          stderr: "piped",
        }).output();
        if (!g.success) throw new Error(`gcore failed: ${new TextDecoder().decode(g.stderr)}`);
      }
      await stdin.write(new TextEncoder().encode("c"));
      crashed = true;
      const status = await child.status;
      if (status.code !== 128 + 11) { // bash reports its child's SIGSEGV
        throw new Error(`${program} did not crash: ${JSON.stringify(status)}`);
      }
      const kernel = [`${dir}/core`, `${dir}/core.${pid}`].find((p) => {
        try {
          return Deno.statSync(p).isFile;
        } catch {
          return false;
        }
      });
      if (!kernel) throw new Error(`the kernel wrote no core into ${dir}`);
      return { kernel, ...(gdb ? { gdb } : {}), smaps, filter, pid };
    } finally {
      if (!crashed) {
        try {
          child.kill("SIGKILL");
        } catch {
          // already gone
        }
      }
      await stdin.close().catch(() => {});
      await child.stdout.cancel().catch(() => {});
      await child.stderr.cancel().catch(() => {});
      await child.status;
    }
  });
}

/** Compiles a C program of `test/fixtures/program/` into `dir`; returns the binary's path. */
export async function buildProgram(dir: string, name: string): Promise<string> {
  const src = new URL(`./fixtures/program/${name}.c`, import.meta.url).pathname;
  const out = `${dir}/${name}`;
  const r = await new Deno.Command("gcc", { args: ["-O1", "-o", out, src], stderr: "piped" })
    .output();
  if (!r.success) throw new Error(`gcc ${name}.c: ${new TextDecoder().decode(r.stderr)}`);
  return out;
}
