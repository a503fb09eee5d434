/**
 * Scale benchmark (issue: Scale): cost that grows with the bytes that matter, not with mappings,
 * holes or copies. Makes real cores in a private temporary directory, then times each command in
 * one run against `xxhsum -H3` on the same files (hot page cache), with peak RSS (GNU time):
 *
 * - 70,000 mappings: a kernel core and a gcore of one process (`test/fixtures/program/scale.c`),
 *   both with extended numbering: `digest` of each, `diff` of the pair (with its smaps), and the
 *   API: `POST /v1/diff` of the pair to `coredelta serve` (server time, server peak RSS, JSON size);
 * - an 8 GiB sparse mapping with 16 pages touched: `digest` of the kernel core;
 * - 131,070 one-page segments (a kernel core): `digest`.
 *
 * `vm.max_map_count` is raised under `/tmp/coredelta-max-map-count.lock` only while the programs
 * map, and restored. Prints a Markdown table (for the README) and the targets met or missed.
 *
 * ```sh
 * deno run -A bench/scale.ts            # everything
 * deno run -A bench/scale.ts --runs 5   # more timed runs (best and median are printed)
 * ```
 *
 * @module
 */

import { parseArgs } from "node:util";
import { buildProgram, liveCores, raiseMaxMapCount, whyNoLiveCores } from "../test/_live_cores.ts";
import { followServer, peakRssDuring, processCpuMs, processMemory } from "./_proc_core.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const DENO = Deno.execPath();
/** The V8 flags `deno task start` and the Docker image run the server with (README, "Memory of the API"). */
const SERVER_V8 = "--v8-flags=--max-semi-space-size=1,--heap-growing-percent=100";
/** The environment `deno task start` and the Docker image give the server (README, "Memory of the API"). */
const SERVER_ENV = { MALLOC_MMAP_THRESHOLD_: "131072" };

interface Run {
  ms: number;
  /** CPU time (user + sys) of the command: robust to a loaded machine, unlike wall time. */
  cpuMs: number;
  rssKiB?: number;
  stdout: string;
}

function log(m: string): void {
  console.error(`bench/scale: ${m}`);
}

async function timed(cmd: string[], dir: string, ok = [0]): Promise<Run> {
  const rssFile = `${dir}/rss.txt`;
  const t0 = performance.now();
  const out = await new Deno.Command("/usr/bin/time", {
    args: ["-f", "%M %U %S", "-o", rssFile, ...cmd],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const ms = performance.now() - t0;
  if (!ok.includes(out.code)) {
    throw new Error(`${cmd.join(" ")}: exit ${out.code}: ${new TextDecoder().decode(out.stderr)}`);
  }
  const [rss, user, sys] = (await Deno.readTextFile(rssFile)).trim().split("\n").pop()!.split(" ")
    .map(Number);
  return {
    ms,
    cpuMs: (user! + sys!) * 1000,
    rssKiB: rss!,
    stdout: new TextDecoder().decode(out.stdout),
  };
}

/** Best of `runs` (after one warm-up), with the largest peak RSS. */
async function best(cmd: string[], dir: string, runs: number, ok = [0]) {
  await timed(cmd, dir, ok);
  const all: Run[] = [];
  for (let i = 0; i < runs; i++) all.push(await timed(cmd, dir, ok));
  const ms = all.map((r) => r.ms).sort((a, b) => a - b);
  return {
    cpu: Math.min(...all.map((r) => r.cpuMs)),
    best: ms[0]!,
    median: ms[Math.floor(ms.length / 2)]!,
    rssKiB: Math.max(...all.map((r) => r.rssKiB ?? 0)),
    stdout: all[0]!.stdout,
  };
}

const fmt = (ms: number) => ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`;
const mib = (kib: number) => `${(kib / 1024).toFixed(0)} MiB`;

async function main(): Promise<void> {
  const { values } = parseArgs({ args: Deno.args, options: { runs: { type: "string" } } });
  const runs = Number(values.runs ?? 3);
  const why = whyNoLiveCores(["bash", "gcc", "gdb", "xxhsum"]);
  if (why) {
    log(`skipped: ${why}`);
    return;
  }
  const tmp = await Deno.makeTempDir({ prefix: "coredelta-bench-scale-" });
  const rows: string[] = [
    "| case | command | best | median | CPU (user+sys) | ratio to `xxhsum -H3` | peak RSS | target |",
    "|---|---|---|---|---|---|---|---|",
  ];
  const verdicts: string[] = [];
  const row = (
    c: string,
    cmd: string,
    r: { best: number; median: number; rssKiB: number; cpu?: number },
    xx: number | undefined,
    target: string,
  ) => {
    rows.push(
      `| ${c} | \`${cmd}\` | ${fmt(r.best)} | ${fmt(r.median)} | ${
        r.cpu === undefined ? "—" : fmt(r.cpu)
      } | ${xx ? `${(r.best / xx).toFixed(2)}x` : "—"} | ${mib(r.rssKiB)} | ${target} |`,
    );
  };
  try {
    const program = await buildProgram(tmp, "scale");
    const make = async (name: string, args: string[], gcore: boolean, maps = 0) => {
      const dir = `${tmp}/${name}`;
      await Deno.mkdir(dir);
      const restore = maps ? await raiseMaxMapCount(maps) : () => {};
      try {
        const t0 = performance.now();
        const c = await liveCores(dir, program, args, { gcore, onReady: restore });
        log(`${name}: cores made in ${fmt(performance.now() - t0)}`);
        await Deno.writeTextFile(`${dir}/smaps.txt`, c.smaps);
        return c;
      } finally {
        restore();
      }
    };

    // 1. 70,000 mappings.
    const m = await make("maps70k", ["maps", "70000"], true, 72_000);
    const xxPair = await best(["xxhsum", "-H3", m.kernel, m.gdb!], tmp, runs);
    const xxK = await best(["xxhsum", "-H3", m.kernel], tmp, runs);
    const dK = await best([DENO, "run", "-A", "main.ts", "digest", m.kernel], tmp, runs);
    row("70k mappings, kernel core", "digest", dK, xxK.best, "");
    const xxG = await best(["xxhsum", "-H3", m.gdb!], tmp, runs);
    const dG = await best([DENO, "run", "-A", "main.ts", "digest", m.gdb!], tmp, runs);
    row("70k mappings, gcore", "digest", dG, xxG.best, "");
    const plain = await best(
      [
        DENO,
        "run",
        "-A",
        "main.ts",
        "diff",
        m.kernel,
        m.gdb!,
        "--format",
        "json",
        "-o",
        `${tmp}/r0.json`,
      ],
      tmp,
      runs,
      [0, 1],
    );
    row("70k mappings, pair", "diff (json, no smaps)", plain, xxPair.best, "≤ 1.5 s, ≤ 150 MiB");
    const out = `${tmp}/maps70k/report.json`;
    const diff = await best(
      [
        DENO,
        "run",
        "-A",
        "main.ts",
        "diff",
        m.kernel,
        m.gdb!,
        "--smaps",
        `${tmp}/maps70k/smaps.txt`,
        "--filter",
        m.filter,
        "--format",
        "json",
        "-o",
        out,
      ],
      tmp,
      runs,
      [0, 1],
    );
    const json = await Deno.readTextFile(out);
    const report = JSON.parse(json);
    row("70k mappings, pair", "diff --smaps (json)", diff, xxPair.best, "≤ 1.5 s, ≤ 150 MiB");
    verdicts.push(
      `70k diff: ${fmt(plain.best)} (CPU ${fmt(plain.cpu)}) without smaps, ${fmt(diff.best)} (CPU ${
        fmt(diff.cpu)
      }) with; ${diff.best <= 1500 ? "meets" : "misses"} ≤ 1.5 s; RSS ${mib(diff.rssKiB)} ${
        diff.rssKiB <= 150 * 1024 ? "meets" : "misses"
      } ≤ 150 MiB; verdict ${report.verdict}, ${report.summary.unexplained} unexplained; JSON ${
        (json.length / 1e6).toFixed(2)
      } MB`,
    );

    // 1b. The API: POST /v1/diff of the pair to a real server.
    const data = `${tmp}/data`;
    const server = new Deno.Command(DENO, {
      args: [
        "run",
        "-A",
        SERVER_V8,
        `${ROOT}main.ts`,
        "serve",
        "--hostname=127.0.0.1",
        "--port=0",
        `--data=${data}`,
      ],
      // As `deno task start` and the Docker image run it (README, "Memory of the API").
      env: SERVER_ENV,
      stdout: "piped",
      stderr: "null",
    }).spawn();
    try {
      // The request log gives the server-side time of each request (from its first byte to the
      // response); /proc gives the server's CPU time and peak RSS.
      const { url, served } = await followServer(server.stdout);
      const cpuOf = () => processCpuMs(server.pid);
      const peakDuring = <T>(work: () => Promise<T>) => peakRssDuring(server.pid, work);
      const [ka, gb] = [await Deno.readFile(m.kernel), await Deno.readFile(m.gdb!)];
      for (const withSmaps of [false, true]) {
        const times: number[] = [];
        const cpus: number[] = [];
        const peaks: number[] = [];
        let size = 0;
        let verdict = "";
        served.length = 0;
        for (let i = 0; i < runs + 1; i++) {
          const form = new FormData();
          form.append("a", new Blob([ka]), "kernel.core");
          form.append("b", new Blob([gb]), "gdb.core");
          if (withSmaps) {
            form.append("smaps", m.smaps);
            form.append("filter", m.filter);
          }
          const c0 = await cpuOf();
          const { value: [res, body], peakKiB } = await peakDuring(async () => {
            const res = await fetch(`${url}/v1/diff?format=json`, { method: "POST", body: form });
            return [res, await res.text()] as const;
          });
          const c1 = await cpuOf();
          peaks.push(peakKiB);
          if (i > 0) cpus.push(c1 - c0);
          size = body.length;
          verdict = `${res.status} ${res.headers.get("coredelta-verdict")}`;
        }
        await new Promise((r) => setTimeout(r, 100));
        times.push(...served.slice(1));
        const hwm = (await processMemory(server.pid)).hwm;
        times.sort((a, b) => a - b);
        const what = withSmaps ? "POST /v1/diff, smaps (json)" : "POST /v1/diff (json)";
        row(
          "70k mappings, pair",
          `${what}, server time`,
          {
            best: times[0]!,
            median: times[Math.floor(times.length / 2)]!,
            rssKiB: hwm,
            cpu: Math.min(...cpus),
          },
          xxPair.best,
          "≤ 2 s, server ≤ 300 MiB, JSON ≤ 5 MB",
        );
        // Memory that grows from request to request would break the target on a busy server: every
        // request is held to it, not only the first.
        const worst = Math.max(...peaks);
        verdicts.push(
          `API 70k diff${withSmaps ? " with smaps" : ""}: ${fmt(times[0]!)} server time (CPU ${
            fmt(Math.min(...cpus))
          }) ${times[0]! <= 2000 ? "meets" : "misses"} ≤ 2 s; server peak RSS per request ${
            peaks.map(mib).join(", ")
          }: ${worst <= 300 * 1024 ? "meets" : "misses"} ≤ 300 MiB; JSON ${
            (size / 1e6).toFixed(2)
          } MB ${size <= 5e6 ? "meets" : "misses"} ≤ 5 MB; ${verdict}`,
        );
      }
    } finally {
      server.kill("SIGTERM");
      await server.status;
    }
    await Deno.remove(`${tmp}/maps70k`, { recursive: true });

    // 2. 8 GiB sparse mapping, 16 pages touched.
    const s = await make("sparse8g", ["sparse", "8192"], false);
    const dS = await best([DENO, "run", "-A", "main.ts", "digest", s.kernel], tmp, runs);
    row("8 GiB sparse, 16 pages", "digest", dS, undefined, "≤ 0.3 s");
    verdicts.push(
      `sparse 8 GiB digest: ${fmt(dS.best)} ${dS.best <= 300 ? "meets" : "misses"} ≤ 0.3 s`,
    );
    await Deno.remove(`${tmp}/sparse8g`, { recursive: true });

    // 3. 131,070 one-page segments.
    const o = await make("maps131k", ["maps", "131070"], false, 135_000);
    const xxO = await best(["xxhsum", "-H3", o.kernel], tmp, runs);
    const dO = await best([DENO, "run", "-A", "main.ts", "digest", o.kernel], tmp, runs);
    row("131,070 one-page segments", "digest", dO, xxO.best, "≤ 1.5 s");
    verdicts.push(
      `131k segments digest: ${fmt(dO.best)} ${dO.best <= 1500 ? "meets" : "misses"} ≤ 1.5 s`,
    );
    await Deno.remove(`${tmp}/maps131k`, { recursive: true });

    console.log(rows.join("\n"));
    console.log("");
    for (const v of verdicts) console.log(`- ${v}`);
  } finally {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
}

await main();
