/**
 * Helpers of the capture tests: build the fixture program, run the CLI as a separate process (as CI
 * does), and say why this machine cannot make cores.
 *
 * @module
 */

const MAIN = new URL("../main.ts", import.meta.url).pathname;
const CONFIG = new URL("../deno.json", import.meta.url).pathname;
const MAPPER_C = new URL("./fixtures/program/mapper.c", import.meta.url).pathname;

/** Whether `tool` is an executable on PATH. */
export function onPath(tool: string): boolean {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    try {
      if (dir && Deno.statSync(`${dir}/${tool}`).isFile) return true;
    } catch {
      // not here
    }
  }
  return false;
}

/** Why capture tests cannot run here, or `undefined`. */
export function whyNoCores(): string | undefined {
  if (Deno.build.os !== "linux") return `not Linux (${Deno.build.os})`;
  const missing = ["gcc", "gdb", "prlimit"].filter((t) => !onPath(t));
  return missing.length ? `missing ${missing.join(", ")}` : undefined;
}

/** Builds `test/fixtures/program/mapper.c` to `out`. */
export async function buildMapper(out: string): Promise<void> {
  const r = await new Deno.Command("gcc", {
    args: ["-O1", "-g", "-pthread", "-o", out, MAPPER_C],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!r.success) throw new Error(`gcc failed: ${new TextDecoder().decode(r.stderr)}`);
}

/** Result of one CLI run. */
export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Options of a CLI run. */
export interface RunOptions {
  /** Working directory. */
  readonly cwd?: string;
  /** Extra environment. */
  readonly env?: Record<string, string>;
  /** A command prefix such as `unshare --user --map-root-user`. */
  readonly prefix?: string[];
}

/** The `deno run -A main.ts ...args` command (optionally behind `prefix`), piped. */
export function coredeltaCommand(args: string[], opts: RunOptions): Deno.Command {
  const argv = [...(opts.prefix ?? []), Deno.execPath(), "run", "-A", "--config", CONFIG, MAIN];
  return new Deno.Command(argv[0]!, {
    args: [...argv.slice(1), ...args],
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
    env: { NO_COLOR: "1", ...(opts.env ?? {}) },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  });
}

/**
 * Runs `deno run -A main.ts ...args` (optionally behind `prefix`, e.g. `unshare --user`).
 *
 * @param args CLI arguments
 * @param opts working directory, extra environment, command prefix
 */
export async function coredelta(args: string[], opts: RunOptions): Promise<Run> {
  const r = await coredeltaCommand(args, opts).output();
  const dec = new TextDecoder();
  return { code: r.code, stdout: dec.decode(r.stdout), stderr: dec.decode(r.stderr) };
}
