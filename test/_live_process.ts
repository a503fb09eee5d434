/**
 * A live process with a known call chain (`test/fixtures/program/backtrace.c`) and a gcore of it,
 * made at test time, for tests that need the exact binaries a core was made from (libs, bundle).
 * gcore needs no `core_pattern`, so these tests take no core-pattern lock.
 *
 * @module
 */

const SOURCE = new URL("./fixtures/program/backtrace.c", import.meta.url).pathname;

/** Whether gcc and gdb are available to build the program and gcore it. */
export async function canGcore(): Promise<boolean> {
  for (const tool of ["gcc", "gdb"]) {
    const ok = await new Deno.Command(tool, { args: ["--version"], stdout: "null", stderr: "null" })
      .output().then((o) => o.success).catch(() => false);
    if (!ok) return false;
  }
  return true;
}

async function run(cmd: string, args: string[], cwd?: string): Promise<string> {
  const out = await new Deno.Command(cmd, {
    args,
    ...(cwd ? { cwd } : {}),
    env: { DEBUGINFOD_URLS: "" },
  })
    .output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  if (!out.success) throw new Error(`${cmd} ${args.join(" ")} failed:\n${text}`);
  return text;
}

/**
 * Builds the program with `tag` (different tags give different build-ids) into `path`.
 *
 * @param path where the executable goes (its directory must exist)
 * @param tag the build tag
 */
export async function buildProgram(path: string, tag: string): Promise<void> {
  await run("gcc", ["-g", "-O1", `-DBUILD_TAG="${tag}"`, "-o", path, SOURCE]);
}

/** A gcore of the program, in its own temporary directory. */
export interface LiveCore {
  /** The temporary directory (removed by {@link LiveCore.remove}). */
  readonly dir: string;
  /** The executable the process ran. */
  readonly exe: string;
  /** The core. */
  readonly core: string;
  /** Removes the directory. */
  remove(): Promise<void>;
}

/** Builds the program, starts it, waits until it is in its innermost function, gcores it and kills it. */
export async function liveGcore(): Promise<LiveCore> {
  const dir = await Deno.makeTempDir({ prefix: "coredelta-live-" });
  try {
    await Deno.mkdir(`${dir}/build`);
    const exe = `${dir}/build/cdprog`;
    await buildProgram(exe, "a");
    const child = new Deno.Command(exe, { stdout: "piped", stderr: "null" }).spawn();
    try {
      const reader = child.stdout.getReader();
      let seen = "";
      while (!seen.includes("\n")) {
        const r = await reader.read();
        if (r.done) throw new Error("the program exited before it was ready");
        seen += new TextDecoder().decode(r.value);
      }
      reader.releaseLock();
      const core = `${dir}/cdprog.core`;
      await run("gdb", ["-nx", "-batch", "-p", String(child.pid), "-ex", `gcore ${core}`]);
      await Deno.stat(core);
      return { dir, exe, core, remove: () => Deno.remove(dir, { recursive: true }) };
    } finally {
      child.kill("SIGKILL");
      await child.status;
      await child.stdout.cancel().catch(() => {});
    }
  } catch (e) {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    throw e;
  }
}

/** Runs a command and returns stdout+stderr (throws on failure). */
export { run as runTool };
