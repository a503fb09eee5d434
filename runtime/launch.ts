/**
 * Starts a program for a capture and waits until it is ready: a line of its stdout matches a
 * regular expression, a file appears, or a number of seconds pass. Its stdin stays open (a program
 * that exits on EOF keeps running), its stdout and stderr go to a log file, and whatever happens it
 * can be stopped and reaped ({@link Launched.stop}), so nothing is left running.
 *
 * @module
 */

/** How to tell the program is ready. */
export type Readiness =
  | { readonly kind: "line"; readonly regex: RegExp }
  | { readonly kind: "file"; readonly path: string }
  | { readonly kind: "after"; readonly seconds: number };

/** A capture step that failed in a way the user can fix; the CLI prints it and exits 2. */
export class CaptureError extends Error {
  /**
   * Creates the error.
   *
   * @param code stable identifier (`ptrace-denied`, `gdb-missing`, `exited-before-ready`, ...)
   * @param message what failed and the fix
   */
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = "CaptureError";
  }
}

/** A started program. */
export interface Launched {
  /** Its process ID. */
  readonly pid: number;
  /** Resolves with its exit status when it ends. */
  readonly status: Promise<Deno.CommandStatus>;
  /** Kills it (SIGKILL) if still running and reaps it; idempotent. */
  stop(): Promise<void>;
  /** The last lines of its output (for error messages). */
  tail(): string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts `argv` with stdout/stderr copied to `logPath` and waits for readiness.
 *
 * @param argv program and arguments
 * @param readiness how to tell it is ready
 * @param timeoutMs how long to wait
 * @param logPath where its output goes
 * @param onSpawn called once the program runs (so an interrupt can stop it while it gets ready)
 * @returns the running program
 * @throws {CaptureError} not found, exited before ready, timeout (the program is then stopped)
 */
export async function launch(
  argv: readonly string[],
  readiness: Readiness,
  timeoutMs: number,
  logPath: string,
  onSpawn?: (started: Launched) => void,
): Promise<Launched> {
  const [cmd, ...args] = argv;
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(cmd!, { args, stdin: "piped", stdout: "piped", stderr: "piped" })
      .spawn();
  } catch (e) {
    throw new CaptureError(
      "program-not-started",
      `Cannot start ${JSON.stringify(cmd)}: ${e instanceof Error ? e.message : e}`,
    );
  }
  const log = await Deno.open(logPath, { write: true, create: true, truncate: true });
  let recent = "";
  const keep = (t: string) => {
    recent = (recent + t).slice(-2000);
  };
  let readyLine = false;
  let onLine: (() => void) | undefined;
  const readers = [child.stdout.getReader(), child.stderr.getReader()];
  const pump = async (reader: ReadableStreamDefaultReader<Uint8Array>, watch: boolean) => {
    const dec = new TextDecoder();
    let pending = "";
    for (;;) {
      const { value: chunk, done } = await reader.read();
      if (done) return;
      await log.write(chunk);
      const t = dec.decode(chunk, { stream: true });
      keep(t);
      if (!watch || readiness.kind !== "line" || readyLine) continue;
      pending += t;
      const lines = pending.split("\n");
      pending = lines.pop()!;
      if (lines.some((l) => readiness.regex.test(l))) {
        readyLine = true;
        onLine?.();
      }
    }
  };
  const pumps = Promise.all([pump(readers[0]!, true), pump(readers[1]!, false)]).catch(() => {});
  let done = false;
  // The status does not wait for the output to end: a child the program left behind may hold the
  // pipes open long after the program itself has gone.
  const status = child.status.then((s) => {
    done = true;
    return s;
  });
  const stdin = child.stdin.getWriter();
  let stopped: Promise<void> | undefined;
  const stop = () =>
    stopped ??= (async () => {
      if (!done) {
        try {
          child.kill("SIGKILL");
        } catch {
          // already gone
        }
      }
      await status;
      await stdin.close().catch(() => {});
      // Drain what is left for a moment, then stop reading (pipes held open by leftovers).
      await Promise.race([pumps, sleep(500)]);
      await Promise.all(readers.map((r) => r.cancel().catch(() => {})));
      await pumps;
      log.close();
    })();
  const launched: Launched = { pid: child.pid, status, stop, tail: () => lastLines(recent) };
  onSpawn?.(launched);

  const deadline = Date.now() + timeoutMs;
  const ready = new Promise<void>((resolve) => {
    if (readiness.kind === "line") {
      onLine = resolve;
      if (readyLine) resolve();
    } else if (readiness.kind === "after") {
      setTimeout(resolve, Math.min(readiness.seconds * 1000, timeoutMs + 1000));
    } else {
      (async () => {
        while (!done && Date.now() < deadline) {
          try {
            await Deno.stat(readiness.path);
            return resolve();
          } catch {
            await sleep(50);
          }
        }
      })();
    }
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<"timeout">((r) => timer = setTimeout(() => r("timeout"), timeoutMs));
  const outcome = await Promise.race([ready.then(() => "ready" as const), status, timeout]);
  clearTimeout(timer);
  if (outcome === "ready" && !done) return launched;
  if (outcome === "timeout") {
    await stop();
    throw new CaptureError(
      "ready-timeout",
      `${cmd} was not ready after ${timeoutMs / 1000} s (${
        describe(readiness)
      }); it was stopped. ` +
        `Fix the readiness test or raise --timeout.${showTail(recent)}`,
    );
  }
  const s = await status;
  await stop(); // reads the rest of its output for the message
  throw new CaptureError(
    "exited-before-ready",
    `${cmd} exited before it was ready (${describe(readiness)}): ${
      s.signal ? `killed by ${s.signal}` : `exit status ${s.code}`
    }. Check its arguments and working directory.${showTail(recent)}`,
  );
}

function describe(r: Readiness): string {
  return r.kind === "line"
    ? `waiting for a stdout line matching /${r.regex.source}/`
    : r.kind === "file"
    ? `waiting for ${r.path}`
    : `waiting ${r.seconds} s`;
}

function lastLines(t: string): string {
  return t.split("\n").filter((l) => l.trim() !== "").slice(-5).join("\n");
}

function showTail(t: string): string {
  const tail = lastLines(t);
  return tail ? `\nIts last output:\n${tail}` : "";
}
