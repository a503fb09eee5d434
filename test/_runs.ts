/**
 * Real cores of `test/fixtures/program/runs.c` made at test time: the program and its library
 * `libpick.so` (two builds, so a run can map a changed copy) are compiled into a temp dir, and each
 * run happens in its own directory — ASLR on or off (`setarch -R`), optionally with a gcore taken
 * before the crash (SIGABRT -> kernel core). Core making holds a shared lock on
 * `/tmp/coredelta-core-pattern.lock`, so a test that changes core_pattern (exclusive lock) never
 * runs at the same time.
 *
 * @module
 */

import { withCoreLock } from "./_core_lock.ts";

const PROGRAM = new URL("./fixtures/program/", import.meta.url).pathname;

/**
 * Why this machine cannot make the cores, or undefined when it can. core_pattern is read under the
 * shared lock, so a test that changes it for a moment (exclusive lock) is not mistaken for the
 * machine's setting.
 */
export async function whyNoCores(
  tools = ["gcc", "setarch", "bash"],
): Promise<string | undefined> {
  if (Deno.build.os !== "linux") return `not Linux (${Deno.build.os})`;
  for (const tool of tools) {
    const found = (Deno.env.get("PATH") ?? "").split(":").some((d) => {
      try {
        return Deno.statSync(`${d}/${tool}`).isFile;
      } catch {
        return false;
      }
    });
    if (!found) return `${tool} not found`;
  }
  const pattern = (await withCoreLock(() => Deno.readTextFile("/proc/sys/kernel/core_pattern")))
    .trim();
  if (pattern.startsWith("|") || /%[^p%]/.test(pattern)) {
    return `core_pattern ${JSON.stringify(pattern)} is not a plain file name`;
  }
  return undefined;
}

async function run(cmd: string, args: string[], cwd?: string): Promise<void> {
  const out = await new Deno.Command(cmd, { args, cwd, stdout: "piped", stderr: "piped" })
    .output();
  if (out.code !== 0) {
    throw new Error(`${cmd} ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
  }
}

/**
 * The built program: `exe` links `libpick.so`, found in `lib1` (or the changed copy in `lib2`);
 * `other` is the same source under another name (a different program to coredelta).
 */
export interface Build {
  readonly dir: string;
  readonly exe: string;
  readonly other: string;
  readonly lib1: string;
  readonly lib2: string;
}

/** Compiles runs.c and two builds of libpick.so into a fresh temp dir. */
export async function build(): Promise<Build> {
  const dir = await Deno.makeTempDir({ prefix: "coredelta-runs-" });
  const lib1 = `${dir}/lib1`, lib2 = `${dir}/lib2`;
  await Deno.mkdir(lib1);
  await Deno.mkdir(lib2);
  const so = (out: string, text: string) =>
    run("gcc", [
      "-shared",
      "-fPIC",
      "-O1",
      `-DPICK_TEXT="${text}"`,
      "-o",
      `${out}/libpick.so`,
      `${PROGRAM}pick.c`,
    ]);
  await so(lib1, "pick-1");
  await so(lib2, "pick-2, a rebuilt library");
  const exe = `${dir}/runs`, other = `${dir}/other-program`;
  for (const out of [exe, other]) {
    await run("gcc", ["-O1", "-pthread", "-o", out, `${PROGRAM}runs.c`, `-L${lib1}`, "-lpick"]);
  }
  return { dir, exe, other, lib1, lib2 };
}

/** One run's outputs. */
export interface RunResult {
  /** The run's directory. */
  readonly dir: string;
  readonly pid: number;
  /** The kernel core (SIGABRT). */
  readonly kernel: string;
  /** The gcore taken before the crash, when asked for. */
  readonly gcore?: string;
  /** `/proc/self/maps` and `/proc/self/smaps` as the program saw them at start. */
  readonly maps: string;
  readonly smaps: string;
}

/** Options of {@link crashRun}. */
export interface RunOptions {
  /** `setarch -R`: no address randomisation. */
  readonly noAslr?: boolean;
  /** Directory of the libpick.so to map (default the first build). */
  readonly lib?: string;
  /** coredump_filter the program sets for itself. */
  readonly filter?: string;
  /** Take a gcore before the crash. */
  readonly gcore?: boolean;
  /** Run `other` instead of `exe`. */
  readonly other?: boolean;
}

/** Runs the program once in its own directory and crashes it; returns its cores. */
export function crashRun(b: Build, name: string, o: RunOptions = {}): Promise<RunResult> {
  return withCoreLock(async () => {
    const dir = `${b.dir}/${name}`;
    await Deno.mkdir(dir);
    const argv = [...(o.noAslr ? ["setarch", "-R"] : []), o.other ? b.other : b.exe];
    const child = new Deno.Command("bash", {
      args: ["-c", 'ulimit -c unlimited && exec "$@"', "runs", ...argv],
      cwd: dir,
      env: {
        LD_LIBRARY_PATH: o.lib ?? b.lib1,
        ...(o.filter ? { CD_FILTER: o.filter } : {}),
      },
      stdin: "piped",
      stdout: "piped",
      stderr: "null",
    }).spawn();
    const reader = child.stdout.getReader();
    let text = "";
    while (!text.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    reader.releaseLock();
    const writer = child.stdin.getWriter();
    try {
      if (!text.startsWith("ready")) throw new Error(`runs did not start: ${text}`);
      let gcore: string | undefined;
      if (o.gcore) {
        gcore = `${dir}/gdb.core`;
        await run("gdb", ["-nx", "-batch", "-p", `${child.pid}`, "-ex", `gcore ${gcore}`]);
      }
      // Closing stdin makes it abort without writing a byte into its own memory first.
      await writer.close();
      const status = await child.status;
      if (status.signal !== "SIGABRT" && status.code !== 134) {
        throw new Error(`runs did not abort: ${JSON.stringify(status)}`);
      }
      await child.stdout.cancel();
      let kernel: string | undefined;
      for await (const e of Deno.readDir(dir)) {
        if (e.name.startsWith("core")) kernel = `${dir}/${e.name}`;
      }
      if (!kernel) throw new Error("the kernel wrote no core (RLIMIT_CORE or core_pattern)");
      return {
        dir,
        pid: child.pid,
        kernel,
        ...(gcore ? { gcore } : {}),
        maps: await Deno.readTextFile(`${dir}/maps.txt`),
        smaps: await Deno.readTextFile(`${dir}/smaps.txt`),
      };
    } catch (e) {
      try {
        child.kill("SIGKILL");
      } catch {
        // already gone
      }
      await child.status;
      throw e;
    }
  });
}

/** One line of `/proc/PID/maps`. */
export interface MapsLine {
  readonly start: bigint;
  readonly end: bigint;
  readonly perms: string;
  readonly offset: bigint;
  readonly name: string;
}

/** Parses `/proc/PID/maps` text. */
export function parseMaps(text: string): MapsLine[] {
  return text.trim().split("\n").map((l) => {
    const m = l.match(/^([0-9a-f]+)-([0-9a-f]+) (\S+) ([0-9a-f]+) \S+ \d+\s*(.*)$/);
    if (!m) throw new Error(`bad maps line ${l}`);
    return {
      start: BigInt(`0x${m[1]}`),
      end: BigInt(`0x${m[2]}`),
      perms: m[3]!,
      offset: BigInt(`0x${m[4]}`),
      name: m[5]!,
    };
  });
}
