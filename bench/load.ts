/**
 * Load test of `coredelta serve` (a script, not a test): 8 clients upload a real 1 GiB kernel core at
 * once with `curl -T` while 64 clients run small diffs of the fixture pairs (multipart), all on
 * 127.0.0.1. Every answer is checked against the CLI (the 1 GiB digest id equals the SHA-256 of
 * `coredelta digest CORE -o FILE`; each diff body equals `coredelta diff --format json` byte for
 * byte), and the script reports throughput, latencies, the server's peak RSS (VmHWM) and whether
 * any temporary file was left. The server is then stopped with SIGTERM and must exit 0.
 *
 * ```sh
 * deno task load                                    # 8 x 1 GiB uploads, 64 x 8 small diffs
 * deno run -A bench/load.ts --big 4 --size-mib 256  # smaller
 * deno run -A bench/load.ts --synthetic             # no gcc / core dumps: a synthetic ELF core
 * deno run -A bench/load.ts --replicas 3 --store postgres   # 3 replicas on a throwaway PostgreSQL
 * ```
 *
 * With `--store postgres` the script starts a throwaway PostgreSQL cluster (test/_postgres.ts:
 * initdb and pg_ctl as the postgres user) and `--replicas N` servers on it; uploads and diffs go
 * round-robin over the replicas, and peak RSS is reported per replica.
 *
 * The real core comes from `bench/bigcore.c` (as in `bench/native.ts`): it needs gcc, a plain-file
 * `kernel.core_pattern` and `ulimit -c unlimited`; otherwise the script falls back to a synthetic
 * core written like `bench/upload_bench.ts` does. Every loop is bounded in count and by `--seconds`;
 * every temporary file is removed at the end, on failure and on Ctrl-C.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { parseArgs } from "node:util";
import { processMemory as memory, writeSyntheticCore } from "./_proc_core.ts";
import { type PgCluster, startPostgres } from "../test/_postgres.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const DENO = Deno.execPath();
/** Fixture pairs diffed by the small clients: [set, a, b]. */
const PAIRS: [string, string, string][] = [
  ["f023", "kernel.core.gz", "gdb.core.gz"],
  ["f033", "kernel.core.gz", "gdb.core.gz"],
  ["f03f", "kernel.core.gz", "gdb.core.gz"],
  ["f07f", "kernel.core.gz", "gdb.core.gz"],
  ["changed", "a.core.gz", "b.core.gz"],
];

function log(message: string): void {
  console.error(`bench/load: ${message}`);
}

async function run(
  cmd: string,
  args: string[],
  options: { cwd?: string; stdin?: "null" } = {},
): Promise<{ code: number; stdout: string; stderr: string; signal: string | null }> {
  const out = await new Deno.Command(cmd, {
    args,
    stdout: "piped",
    stderr: "piped",
    ...(options.cwd ? { cwd: options.cwd } : {}),
  }).output();
  const d = new TextDecoder();
  return {
    code: out.code,
    stdout: d.decode(out.stdout),
    stderr: d.decode(out.stderr),
    signal: out.signal,
  };
}

/** A real kernel core of `mib` MiB from bench/bigcore.c, or undefined when this host cannot. */
async function realCore(tmp: string, mib: number): Promise<string | undefined> {
  const pattern = (await Deno.readTextFile("/proc/sys/kernel/core_pattern")).trim();
  if (pattern.startsWith("|") || pattern.includes("/") || pattern === "") {
    log(`kernel.core_pattern '${pattern}' is not a plain file name: synthetic core instead`);
    return undefined;
  }
  const bin = `${tmp}/bigcore`;
  const cc = await run("gcc", ["-O2", "-Wall", "-o", bin, `${ROOT}bench/bigcore.c`]).catch(() =>
    undefined
  );
  if (!cc || cc.code !== 0) {
    log(`gcc failed or missing: synthetic core instead`);
    return undefined;
  }
  const dir = await Deno.makeTempDir({ dir: tmp, prefix: "core-" });
  const out = await run("bash", ["-c", `ulimit -c unlimited && exec "$0" "$1"`, bin, String(mib)], {
    cwd: dir,
  });
  const names = [...Deno.readDirSync(dir)].map((e) => e.name);
  if (out.signal !== "SIGSEGV" && out.code !== 139 || names.length !== 1) {
    log(`bigcore left no core (${out.code} ${out.signal}; ${names}): synthetic core instead`);
    return undefined;
  }
  return `${dir}/${names[0]}`;
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) {
      const p = `${dir}/${e.name}`;
      out.push(p);
      if (e.isDirectory) out.push(...(await filesUnder(p)));
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return out;
}

function quantile(xs: number[], q: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      big: { type: "string", default: "8" },
      "size-mib": { type: "string", default: "1024" },
      small: { type: "string", default: "64" },
      "small-rounds": { type: "string", default: "8" },
      seconds: { type: "string", default: "600" },
      synthetic: { type: "boolean", default: false },
      replicas: { type: "string", default: "1" },
      store: { type: "string", default: "local" },
    },
  });
  const replicas = Math.max(1, Number(values.replicas));
  if (values.store !== "local" && values.store !== "postgres") {
    throw new Error("--store is local or postgres");
  }
  if (replicas > 1 && values.store !== "postgres") {
    throw new Error("--replicas > 1 needs --store postgres (replicas share their state there)");
  }
  const big = Math.max(0, Number(values.big));
  const sizeMiB = Math.max(1, Number(values["size-mib"]));
  const small = Math.max(0, Number(values.small));
  const rounds = Math.max(1, Number(values["small-rounds"]));
  const deadline = performance.now() + 1000 * Number(values.seconds);
  const tmp = await Deno.makeTempDir({ prefix: "coredelta-load-" });
  let servers: Deno.ChildProcess[] = [];
  let cluster: PgCluster | undefined;
  const cleanup = () => {
    for (const server of servers) {
      try {
        server.kill("SIGKILL");
      } catch { /* gone */ }
    }
    try {
      Deno.removeSync(tmp, { recursive: true });
    } catch { /* gone */ }
  };
  const onSignal = () => {
    cleanup();
    Deno.exit(130);
  };
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);
  try {
    // 1. The big core, once, and what the CLI says about it.
    const t0 = performance.now();
    let core = values.synthetic ? undefined : await realCore(tmp, sizeMiB);
    if (!core) {
      core = `${tmp}/synthetic.core`;
      await writeSyntheticCore(core, sizeMiB);
    }
    const coreBytes = (await Deno.stat(core)).size;
    log(`core: ${core} (${coreBytes} bytes) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const cddg = `${tmp}/core.cddg`;
    const cli = await run(DENO, ["run", "-A", `${ROOT}main.ts`, "digest", core, "-o", cddg]);
    if (cli.code !== 0) throw new Error(`coredelta digest failed: ${cli.stderr}`);
    const wantId = createHash("sha256").update(await Deno.readFile(cddg)).digest("hex");
    // 2. The small diffs' expected bodies, from the CLI run where the fixtures are.
    const expected = new Map<string, { body: string; verdict: string; a: Blob; b: Blob }>();
    for (const [set, a, b] of PAIRS) {
      const cwd = `${ROOT}test/fixtures/cores/${set}`;
      const out = await run(
        DENO,
        ["run", "-A", `${ROOT}main.ts`, "diff", a, b, "--format", "json"],
        {
          cwd,
        },
      );
      if (out.code !== 0 && out.code !== 1) throw new Error(`coredelta diff ${set}: ${out.stderr}`);
      expected.set(set, {
        body: out.stdout,
        verdict: JSON.parse(out.stdout).verdict,
        a: new Blob([await Deno.readFile(`${cwd}/${a}`)]),
        b: new Blob([await Deno.readFile(`${cwd}/${b}`)]),
      });
    }

    // 3. The servers (one, or replicas on a throwaway PostgreSQL).
    let storeUrl: string | undefined;
    if (values.store === "postgres") {
      cluster = await startPostgres();
      storeUrl = await cluster.createDatabase();
      log(`PostgreSQL: ${storeUrl}`);
    }
    const started: {
      server: Deno.ChildProcess;
      url: string;
      data: string;
      logLines: string[];
      drained: Promise<void>;
      pid: number;
    }[] = [];
    for (let i = 0; i < replicas; i++) {
      const data = `${tmp}/data-${i}`;
      const server = new Deno.Command(DENO, {
        args: [
          "run",
          "--allow-net=127.0.0.1",
          "--allow-read",
          `--allow-write=${data}`,
          "--allow-env",
          `${ROOT}main.ts`,
          "serve",
          "--hostname=127.0.0.1",
          "--port=0",
          `--data=${data}`,
          "--drain=30",
          ...(storeUrl ? [`--store=${storeUrl}`] : []),
        ],
        stdout: "piped",
        stderr: "inherit",
      }).spawn();
      servers.push(server);
      const lines = server.stdout.pipeThrough(new TextDecoderStream()).getReader();
      let buf = "";
      while (!buf.includes("\n")) {
        const r = await lines.read();
        if (r.done) throw new Error("serve exited before listening");
        buf += r.value;
      }
      const url = JSON.parse(buf.split("\n")[0]!).url as string;
      const logLines: string[] = [];
      const drained = (async () => {
        for (;;) {
          const r = await lines.read();
          if (r.done) return;
          logLines.push(r.value);
        }
      })();
      started.push({ server, url, data, logLines, drained, pid: server.pid });
    }
    const urls = started.map((s) => s.url);
    let turn = 0;
    const nextUrl = () => urls[turn++ % urls.length]!;

    const diffOnce = async (set: string) => {
      const e = expected.get(set)!;
      const form = new FormData();
      const [, a, b] = PAIRS.find((p) => p[0] === set)!;
      form.append("a", e.a, a);
      form.append("b", e.b, b);
      const t = performance.now();
      const res = await fetch(`${nextUrl()}/v1/diff?format=json`, {
        method: "POST",
        body: form,
        signal: AbortSignal.timeout(Math.max(1000, deadline - performance.now())),
      });
      const body = await res.text();
      return {
        ms: performance.now() - t,
        ok: res.status === 201 && body === e.body &&
          res.headers.get("coredelta-verdict") === e.verdict,
        status: res.status,
      };
    };
    for (const [set] of PAIRS) {
      for (const _ of urls) {
        const w = await diffOnce(set); // warm-up (every replica), and a first check
        if (!w.ok) throw new Error(`warm-up diff ${set}: ${w.status}`);
      }
    }
    await new Promise((r) => setTimeout(r, 300));
    const idle = await Promise.all(started.map((s) => memory(s.pid)));
    const peakRss = idle.map((m) => m.rss);
    const sampler = setInterval(async () => {
      for (const [i, s] of started.entries()) {
        peakRss[i] = Math.max(peakRss[i]!, (await memory(s.pid).catch(() => idle[i]!)).rss);
      }
    }, 50);

    // 4. The load: big uploads and small diffs at the same time.
    log(`${big} x ${sizeMiB} MiB uploads and ${small} x ${rounds} small diffs against ${urls}`);
    const tLoad = performance.now();
    const maxTime = String(Math.max(1, Math.round((deadline - performance.now()) / 1000)));
    const bigRuns = Array.from({ length: big }, async (_, i) => {
      const out = `${tmp}/big-${i}.json`;
      const r = await run("curl", [
        "-sS",
        "--max-time",
        maxTime,
        "-o",
        out,
        "-w",
        "%{http_code} %{time_total} %{size_upload}",
        "-X",
        "POST",
        "-T",
        core,
        `${urls[i % urls.length]}/v1/cores`,
      ]);
      const [status, seconds, uploaded] = r.stdout.trim().split(" ");
      let id: string | undefined;
      try {
        id = JSON.parse(await Deno.readTextFile(out)).id;
      } catch { /* not JSON */ }
      return {
        status: Number(status),
        seconds: Number(seconds),
        bytes: Number(uploaded),
        ok: Number(status) === 201 && id === wantId,
        error: r.stderr.trim(),
      };
    });
    const smallResults: { ms: number; ok: boolean; status: number }[] = [];
    let smallErrors = 0;
    const smallRuns = Array.from({ length: small }, async (_, c) => {
      for (let k = 0; k < rounds && performance.now() < deadline; k++) {
        const set = PAIRS[(c + k) % PAIRS.length]![0];
        try {
          smallResults.push(await diffOnce(set));
        } catch {
          smallErrors++;
        }
      }
    });
    const tSmall = performance.now();
    await Promise.all(smallRuns);
    const smallSeconds = (performance.now() - tSmall) / 1000;
    const bigResults = await Promise.all(bigRuns);
    const loadSeconds = (performance.now() - tLoad) / 1000;
    clearInterval(sampler);
    const after = await Promise.all(started.map((s) => memory(s.pid)));

    // 5. Leftovers, then a clean stop.
    let left: string[] = [];
    for (let i = 0; i < 100; i++) {
      left = (await Promise.all(started.map((s) => filesUnder(`${s.data}/tmp`)))).flat();
      if (!left.length) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const tStop = performance.now();
    for (const s of started) s.server.kill("SIGTERM");
    const statuses = await Promise.all(started.map((s) => s.server.status));
    const status = { code: Math.max(...statuses.map((x) => x.code)) };
    const stopSeconds = (performance.now() - tStop) / 1000;
    await Promise.all(started.map((s) => s.drained));
    servers = [];
    const errorsLogged = started.flatMap((s) =>
      s.logLines.join("").split("\n").filter((l) => /"level":"error"/.test(l))
    );

    const bigBytes = bigResults.reduce((n, r) => n + (r.bytes || 0), 0);
    const bigSecs = Math.max(...bigResults.map((r) => r.seconds), 0);
    const report = {
      core: { path: core.startsWith(`${tmp}/core-`) ? "bigcore (kernel)" : "synthetic", coreBytes },
      big: {
        clients: big,
        ok: bigResults.filter((r) => r.ok).length,
        statuses: bigResults.map((r) => r.status),
        seconds: { min: r3(Math.min(...bigResults.map((r) => r.seconds))), max: r3(bigSecs) },
        aggregateGBps: r3(bigBytes / bigSecs / 1e9),
        errors: bigResults.map((r) => r.error).filter(Boolean),
      },
      small: {
        clients: small,
        requests: smallResults.length + smallErrors,
        ok: smallResults.filter((r) => r.ok).length,
        wrong: smallResults.filter((r) => !r.ok).map((r) => r.status),
        errors: smallErrors,
        perSecond: r3(smallResults.length / smallSeconds),
        ms: {
          p50: Math.round(quantile(smallResults.map((r) => r.ms), 0.5)),
          p95: Math.round(quantile(smallResults.map((r) => r.ms), 0.95)),
          max: Math.round(Math.max(...smallResults.map((r) => r.ms))),
        },
        seconds: r3(smallSeconds),
      },
      loadSeconds: r3(loadSeconds),
      store: values.store,
      replicas,
      server: {
        idleRssMiB: idle.map((m) => Math.round(m.rss / 1024)),
        peakRssMiB: Math.max(
          ...peakRss.map((p, i) => Math.round(Math.max(p, after[i]!.hwm) / 1024)),
        ),
        peakRssMiBByReplica: peakRss.map((p, i) => Math.round(Math.max(p, after[i]!.hwm) / 1024)),
        vmHwmMiB: after.map((m) => Math.round(m.hwm / 1024)),
        errorsLogged: errorsLogged.length,
        exitCode: status.code,
        stopSeconds: r3(stopSeconds),
      },
      tempFilesLeft: left.length,
    };
    console.log(JSON.stringify(report, null, 2));
    const good = report.big.ok === big && report.small.ok === report.small.requests &&
      report.tempFilesLeft === 0 && status.code === 0 && errorsLogged.length === 0;
    console.log(
      `${good ? "OK" : "FAILED"}: ${report.big.ok}/${big} big uploads correct ` +
        `(${report.big.aggregateGBps} GB/s together), ${report.small.ok}/${report.small.requests} ` +
        `small diffs correct (${report.small.perSecond}/s, p95 ${report.small.ms.p95} ms), ` +
        `peak RSS ${report.server.peakRssMiBByReplica.join("/")} MiB ` +
        `(${replicas} x ${values.store}), ${left.length} temp files left, ` +
        `exit ${status.code}`,
    );
    return good ? 0 : 1;
  } finally {
    Deno.removeSignalListener("SIGINT", onSignal);
    Deno.removeSignalListener("SIGTERM", onSignal);
    cleanup();
    await cluster?.stop();
  }
}

if (import.meta.main) Deno.exit(await main());
