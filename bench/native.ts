/**
 * Native benchmark of `coredelta digest` on real kernel cores of 1 GiB and 4 GiB, against `xxhsum
 * -H3` and `cat` on the same files with a hot page cache, plus peak RSS and the WASM kernel's
 * in-memory throughput. Run by `deno task bench` after `deno bench`.
 *
 * Then it times `coredelta diff` of a kernel core and a gcore of one 1 GiB process (as the CLI runs
 * it: a page Worker sharing both cores' windows on two CPUs or more; forced to use it; and with
 * `bench/diff_sequential.ts`, which digests them one after the other on one thread; without and
 * with `--smaps`) against `xxhsum -H3` over both files, `cmp` of the kernel core
 * with a copy of itself and `rdiff` signature + delta on the pair, and prints diff's verdicts with
 * every unexpected or unexplained difference (never page contents).
 *
 * ```sh
 * deno run -A bench/native.ts               # 1 GiB and 4 GiB cores, then the 1 GiB pair
 * deno run -A bench/native.ts --sizes 1     # 1 GiB core only, then the pair
 * deno run -A bench/native.ts --pair 0      # no pair (--pair N: an N GiB process)
 * deno run -A bench/native.ts --sizes 16 --pair 0   # 16 GiB of saved pages, one timed run
 * deno run -A bench/native.ts --sizes 0 --pair 16 --runs 2   # a 16 GiB pair, read from the disk
 * ```
 *
 * Every row has wall time (best, median), the least CPU time (user + system, all threads) and peak
 * RSS from GNU time. The digest is timed as users get it (a second thread for files from 256 MiB
 * on two CPUs or more) and, below 16 GiB, forced to one and to two threads
 * (`COREDELTA_SPLIT=never|always`). A 16 GiB core is made, then timed after its process is gone,
 * once after a warm-up read; the share of it still in the page cache is printed (`fincore`), since
 * with 24 GiB of RAM it may not all stay cached.
 *
 * `bench/bigcore.c` maps the memory (zero, random and repeated pages) and crashes with
 * `ulimit -c unlimited` in a private temporary directory, as `test/fixtures/make_fixtures.sh` does.
 * For the pair it runs with `--wait`: the script saves its smaps and coredump_filter, takes a gcore
 * with `gdb -nx -batch -p PID -ex 'gcore FILE'`, then sends `c` so it crashes (the fixture order).
 * A pair whose two cores the page cache cannot hold together (16 GiB on a 24 GiB machine) is timed
 * cold instead: the page cache emptied before every run (root only), `xxhsum -H3` and `diff` (without
 * and with `--smaps`) reading both files from the disk, no `cmp` copy and no `rdiff`.
 *
 * When this machine cannot write such cores (no gcc, a piped `core_pattern`, no room; for the pair
 * also no gdb, rdiff or ptrace) the script says why and skips that part. Every temporary file is
 * removed and the waiting process killed at the end, on failure and on Ctrl-C.
 *
 * @module
 */

import { parseArgs } from "node:util";

const ROOT = new URL("../", import.meta.url).pathname;
const GIB = 1024 ** 3;
const DENO = Deno.execPath();

/** One timed command. */
interface Run {
  wallMs: number;
  /** User + system CPU time (GNU time), all threads. */
  cpuMs: number | undefined;
  rssKiB: number | undefined;
  stdout: string;
}

/** Best and median wall time, the least CPU time and the largest peak RSS over several runs. */
interface Stats {
  bestMs: number;
  medianMs: number;
  cpuMs: number | undefined;
  rssKiB: number | undefined;
  runs: number;
}

function log(message: string): void {
  console.error(`bench/native: ${message}`);
}

/** Leaves without measuring, explaining why (exit 0: a bench is not a test). */
class Skip extends Error {}

async function which(tool: string): Promise<string | undefined> {
  const out = await new Deno.Command("bash", { args: ["-c", `command -v ${tool}`], stderr: "null" })
    .output();
  const path = new TextDecoder().decode(out.stdout).trim();
  return out.success && path ? path : undefined;
}

/** Checks the kernel writes cores into the crashing process's directory (like make_fixtures.sh). */
async function checkCorePattern(): Promise<void> {
  const pattern = (await Deno.readTextFile("/proc/sys/kernel/core_pattern")).trim();
  if (pattern.startsWith("|")) {
    throw new Skip(`kernel.core_pattern is a pipe ('${pattern}'); set it to e.g. 'core'`);
  }
  if (pattern === "" || pattern.includes("/") || /%[^p%]/.test(pattern.replaceAll("%%", ""))) {
    throw new Skip(`kernel.core_pattern '${pattern}' is not a plain file name; set it to 'core'`);
  }
  const ulimit = await new Deno.Command("bash", { args: ["-c", "ulimit -c unlimited"] }).output();
  if (!ulimit.success) throw new Skip("cannot raise RLIMIT_CORE ('ulimit -c unlimited' failed)");
}

/** Free bytes in the file system holding `dir`. */
async function freeBytes(dir: string): Promise<number> {
  const out = await new Deno.Command("df", { args: ["-Pk", dir] }).output();
  const line = new TextDecoder().decode(out.stdout).trim().split("\n").pop() ?? "";
  return Number(line.split(/\s+/)[3]) * 1024;
}

async function availableMemory(): Promise<number> {
  const m = (await Deno.readTextFile("/proc/meminfo")).match(/^MemAvailable:\s+(\d+) kB/m);
  return m ? Number(m[1]) * 1024 : Infinity;
}

/** Runs `bigcore` in its own directory and returns the path of the core it dumped. */
async function makeCore(tmp: string, bigcore: string, gib: number): Promise<string> {
  const dir = await Deno.makeTempDir({ dir: tmp, prefix: `core-${gib}g-` });
  const t0 = performance.now();
  const out = await new Deno.Command("bash", {
    args: ["-c", `ulimit -c unlimited && exec "$0" "$1"`, bigcore, String(gib * 1024)],
    cwd: dir,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr).trim();
  if (out.signal !== "SIGSEGV" && out.code !== 139) {
    throw new Error(`bigcore did not crash as planned (code ${out.code}): ${stderr}`);
  }
  const names = [...Deno.readDirSync(dir)].map((e) => e.name);
  if (names.length !== 1) {
    throw new Skip(
      `the kernel wrote no core into ${dir} (found: ${names.join(", ") || "nothing"})`,
    );
  }
  const path = `${dir}/${names[0]}`;
  await new Deno.Command("sync").output(); // no write-back while timing
  const size = (await Deno.stat(path)).size;
  log(`${gib} GiB core: ${size} bytes in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  if (size < gib * GIB) throw new Error(`core is only ${size} bytes: truncated?`);
  return path;
}

/**
 * Runs a command once under GNU time (peak RSS) when available, after a `sync`; `ok` lists accepted
 * exit codes.
 */
async function timed(
  time: string | undefined,
  cmd: string[],
  tmp: string,
  ok: readonly number[] = [0],
  env: Record<string, string> = {},
): Promise<Run> {
  const rssFile = `${tmp}/rss.txt`;
  const argv = time ? [time, "-f", "%M %U %S", "-o", rssFile, ...cmd] : cmd;
  // The previous command's writes (rdiff's delta is as large as a core) are written back now, not
  // while this one is timed.
  await new Deno.Command("sync").output();
  const t0 = performance.now();
  const out = await new Deno.Command(argv[0]!, {
    args: argv.slice(1),
    cwd: ROOT,
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const wallMs = performance.now() - t0;
  if (!ok.includes(out.code)) {
    throw new Error(
      `${cmd.join(" ")} failed (exit ${out.code}): ${new TextDecoder().decode(out.stderr).trim()}`,
    );
  }
  // GNU time writes "Command exited with non-zero status N" before its line when the command fails.
  const [rss, user, sys] = time
    ? (await Deno.readTextFile(rssFile)).trim().split("\n").pop()!.split(" ").map(Number)
    : [NaN, NaN, NaN];
  const cpu = (user! + sys!) * 1000;
  return {
    wallMs,
    cpuMs: Number.isFinite(cpu) ? cpu : undefined,
    rssKiB: Number.isFinite(rss) ? rss : undefined,
    stdout: new TextDecoder().decode(out.stdout),
  };
}

function stats(runs: Run[]): Stats {
  const ms = runs.map((r) => r.wallMs).sort((a, b) => a - b);
  const rss = runs.map((r) => r.rssKiB).filter((r): r is number => r !== undefined);
  const cpu = runs.map((r) => r.cpuMs).filter((r): r is number => r !== undefined);
  return {
    bestMs: ms[0]!,
    medianMs: ms[Math.floor(ms.length / 2)]!,
    cpuMs: cpu.length ? Math.min(...cpu) : undefined,
    rssKiB: rss.length ? Math.max(...rss) : undefined,
    runs: ms.length,
  };
}

/** Where a profiled digest spends its main-thread time, by kind. */
async function profileDigest(core: string, tmp: string): Promise<string[]> {
  const dir = `${tmp}/cpuprof`;
  await new Deno.Command(DENO, {
    args: ["run", "-A", "--cpu-prof", `--cpu-prof-dir=${dir}`, "main.ts", "digest", core],
    cwd: ROOT,
    stdout: "null",
    stderr: "null",
  }).output();
  const file = [...Deno.readDirSync(dir)].find((e) => e.name.endsWith(".cpuprofile"));
  if (!file) return ["(no profile written)"];
  const prof = JSON.parse(await Deno.readTextFile(`${dir}/${file.name}`)) as {
    nodes: { id: number; callFrame: { functionName: string; url: string } }[];
    samples: number[];
    timeDeltas: number[];
  };
  const kindOf = (fn: string, url: string): string => {
    if (fn === "op_read_sync" || fn === "op_read" || fn === "preadInto") {
      return "file reads (kernel copy to user)";
    }
    if (fn === "fiemapExtents" || fn === "seekExtents") return "finding holes (FIEMAP/lseek)";
    if (url.startsWith("wasm://") || fn.startsWith("wasm-function")) return "hashing (WASM kernel)";
    if (
      (fn === "write" && url.endsWith("digest/pages.ts")) ||
      (fn === "streamUpdate" && url.endsWith("wasm/mod.ts"))
    ) return "copies into WASM memory";
    if (fn === "(garbage collector)") return "garbage collection";
    if (fn === "(idle)") return "idle (waiting)";
    if (url.includes("streams")) return "Web Streams plumbing";
    if (url.includes("/lib/digest/") || url.includes("/runtime/")) return "digest bookkeeping";
    return "startup, parsing, other";
  };
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const totals = new Map<string, number>();
  let all = 0;
  prof.samples.forEach((id, i) => {
    const n = byId.get(id)!;
    const us = prof.timeDeltas[i] ?? 0;
    const kind = kindOf(n.callFrame.functionName, n.callFrame.url);
    totals.set(kind, (totals.get(kind) ?? 0) + us);
    all += us;
  });
  return [...totals].sort((a, b) => b[1] - a[1]).map(([k, us]) =>
    `${k.padEnd(34)} ${(us / 1000).toFixed(0).padStart(6)} ms  ${
      (100 * us / all).toFixed(0).padStart(3)
    }%`
  );
}

const fmtMs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const fmtRss = (kib: number | undefined) =>
  kib === undefined ? "n/a" : `${(kib / 1024).toFixed(0)} MiB`;
const fmtCpu = (ms: number | undefined) => ms === undefined ? "n/a" : fmtMs(ms);

/** How much of `path` is in the page cache (util-linux `fincore`), e.g. "100%", or "n/a". */
async function cachedShare(path: string, size: number): Promise<string> {
  const out = await new Deno.Command("fincore", {
    args: ["--bytes", "--noheadings", "--output", "RES", path],
    stdout: "piped",
    stderr: "null",
  }).output().catch(() => undefined);
  const res = out?.success ? Number(new TextDecoder().decode(out.stdout).trim()) : NaN;
  return Number.isFinite(res) ? `${(100 * res / size).toFixed(0)}%` : "n/a";
}

/** The live `bigcore --wait` of the pair benchmark, killed on every exit path until it crashes. */
let liveBigcore: Deno.ChildProcess | undefined;

function killLiveBigcore(): void {
  try {
    liveBigcore?.kill("SIGKILL");
  } catch {
    // already exited
  }
  liveBigcore = undefined;
}

/** The first line a child writes to `stream`, or an error after `ms`. */
async function firstLine(stream: ReadableStream<Uint8Array>, ms: number): Promise<string> {
  const reader = stream.getReader();
  let text = "";
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no line after ${ms / 1000} s`)), ms);
  });
  try {
    while (!text.includes("\n")) {
      const r = await Promise.race([reader.read(), timeout]);
      if (r.done) break;
      text += new TextDecoder().decode(r.value);
    }
  } finally {
    clearTimeout(timer);
    await reader.cancel().catch(() => {});
  }
  return text.split("\n")[0]!.trim();
}

/** A kernel core and a gcore of one process, with its smaps and coredump_filter from before. */
interface Pair {
  dir: string;
  kernel: string;
  gcore: string;
  copy: string;
  smaps: string;
  filter: string;
  gcoreMs: number;
}

/**
 * Runs `bigcore MIB --wait`, saves its smaps and coredump_filter, takes a gcore of it with
 * `gdb -nx -batch -p PID -ex 'gcore FILE'`, then makes it crash for the kernel core (the order of
 * `test/fixtures/make_fixtures.sh`, with the same `glibc.pthread.rseq=0`). Also copies the kernel
 * core, for `cmp` on two identical files.
 */
async function makePair(tmp: string, bigcore: string, gib: number, copy = true): Promise<Pair> {
  const dir = await Deno.makeTempDir({ dir: tmp, prefix: `pair-${gib}g-` });
  const run = `${dir}/run`;
  await Deno.mkdir(run);
  const child = new Deno.Command("bash", {
    args: [
      "-c",
      'ulimit -c unlimited && GLIBC_TUNABLES=glibc.pthread.rseq=0 exec "$0" "$1" --wait',
      bigcore,
      String(gib * 1024),
    ],
    cwd: run,
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  liveBigcore = child;
  const ready = await firstLine(child.stdout, 120_000);
  if (ready !== "ready") throw new Error(`bigcore --wait did not start (said '${ready}')`);
  const pid = child.pid; // bash exec'd bigcore: same pid
  const pair: Pair = {
    dir,
    kernel: `${dir}/kernel.core`,
    gcore: `${dir}/gdb.core`,
    copy: `${dir}/kernel.copy.core`,
    smaps: `${dir}/smaps.txt`,
    filter: (await Deno.readTextFile(`/proc/${pid}/coredump_filter`)).trim(),
    gcoreMs: 0,
  };
  await Deno.writeTextFile(pair.smaps, await Deno.readTextFile(`/proc/${pid}/smaps`));

  const env = Deno.env.toObject();
  delete env.DEBUGINFOD_URLS;
  const t0 = performance.now();
  const gdb = await new Deno.Command("gdb", {
    args: ["-nx", "-batch", "-p", String(pid), "-ex", `gcore ${pair.gcore}`],
    clearEnv: true,
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  pair.gcoreMs = performance.now() - t0;
  const gdbLog = new TextDecoder().decode(gdb.stdout) + new TextDecoder().decode(gdb.stderr);
  if (gdbLog.includes("ptrace: Operation not permitted")) {
    throw new Skip("ptrace is not permitted (gdb: 'ptrace: Operation not permitted')");
  }
  const gsize = await Deno.stat(pair.gcore).then((s) => s.size, () => 0);
  if (gsize < gib * GIB) {
    throw new Error(
      `gcore wrote ${gsize} bytes: ${gdbLog.trim().split("\n").slice(-3).join(" / ")}`,
    );
  }

  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode("c"));
  await writer.close();
  const status = await child.status;
  liveBigcore = undefined;
  if (status.signal !== "SIGSEGV" && status.code !== 139) {
    throw new Error(`bigcore --wait did not crash after 'c' (code ${status.code})`);
  }
  const names = [...Deno.readDirSync(run)].map((e) => e.name);
  if (names.length !== 1) {
    throw new Skip(
      `the kernel wrote no core into ${run} (found: ${names.join(", ") || "nothing"})`,
    );
  }
  await Deno.rename(`${run}/${names[0]}`, pair.kernel);
  await Deno.remove(run);
  if (copy) {
    const cp = await new Deno.Command("cp", { args: [pair.kernel, pair.copy] }).output();
    if (!cp.success) throw new Error(`cp failed: ${new TextDecoder().decode(cp.stderr).trim()}`);
  }
  await new Deno.Command("sync").output(); // no write-back while timing
  const ksize = (await Deno.stat(pair.kernel)).size;
  log(
    `${gib} GiB pair: gcore ${gsize} bytes in ${
      fmtMs(pair.gcoreMs)
    }, kernel core ${ksize} bytes, ` +
      `coredump_filter ${pair.filter}`,
  );
  if (ksize < gib * GIB) throw new Error(`kernel core is only ${ksize} bytes: truncated?`);
  return pair;
}

/** The report's first line, e.g. `coredelta: PASS (kernel-vs-gdb) — 19 difference(s), ...`. */
const verdictLine = (report: string) => report.split("\n")[0] ?? "";

/**
 * The differences of a JSON diff report grouped by reason codes, and every difference that is not
 * expected or has no explanation (range, name, status, kind, reasons). Never page contents.
 */
function summarizeReport(json: string): { reasons: string; problems: string[] } {
  type Diff = {
    kind: string;
    text: string;
    expected: boolean;
    unexplained: boolean;
    reasons: { code: string }[];
  };
  const r = JSON.parse(json) as {
    ranges: { start: string; end: string; name: string; status: string; differences: Diff[] }[];
    notes: Diff[];
  };
  const counts = new Map<string, number>();
  const problems: string[] = [];
  const visit = (d: Diff, where: string) => {
    for (const c of new Set(d.reasons.map((x) => x.code))) counts.set(c, (counts.get(c) ?? 0) + 1);
    if (d.unexplained || !d.expected) {
      const codes = d.reasons.map((x) => x.code).join(", ") || "no reason";
      problems.push(
        `${d.unexplained ? "UNEXPLAINED" : "UNEXPECTED"} ${where} ${d.kind}: ${d.text} [${codes}]`,
      );
    }
  };
  for (const g of r.ranges) {
    for (const d of g.differences) {
      visit(d, `${g.start}-${g.end} ${g.name || "(anon)"} ${g.status}`);
    }
  }
  for (const d of r.notes) visit(d, "note");
  const reasons = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([c, n]) => `${c} ${n}`).join(", ");
  return { reasons, problems };
}

/** What a pair benchmark runs with. */
interface PairArgs {
  /** The benchmark's temporary directory. */
  readonly tmp: string;
  /** The compiled `bench/bigcore.c`. */
  readonly bigcore: string;
  /** GNU time, when there is one. */
  readonly time: string | undefined;
  /** Timed runs of each command. */
  readonly runs: number;
  /** GiB of memory the process maps. */
  readonly gib: number;
}

/** Results of the pair benchmark, ready to print. */
interface PairResult {
  rows: string[];
  ratios: string[];
  verdicts: string[];
}

/**
 * Times `coredelta diff` of a kernel core and a gcore of one `gib` GiB process (Workers and
 * sequential, without and with smaps) against `xxhsum -H3` over both files, `cmp` of the kernel core
 * with a copy of itself, and `rdiff` signature + delta on the pair.
 */
async function pairBench({ tmp, bigcore, time, runs, gib }: PairArgs): Promise<PairResult> {
  for (const tool of ["gdb", "rdiff", "cmp", "cp"]) {
    if (!(await which(tool))) throw new Skip(`'${tool}' not found in PATH`);
  }
  if (await freeBytes(tmp) < gib * GIB * 3.3 + GIB) {
    throw new Skip(`not enough free disk in ${tmp} for three ${gib} GiB cores`);
  }
  if (await availableMemory() < gib * GIB * 4 + 2 * GIB) {
    throw new Skip("not enough memory to map the process and keep three cores cached");
  }
  const pair = await makePair(tmp, bigcore, gib);
  try {
    const { kernel: k, gcore: g, copy: c, smaps } = pair;
    const ks = (await Deno.stat(k)).size;
    const gs = (await Deno.stat(g)).size;
    const filterArgs = ["--smaps", smaps, "--filter", pair.filter];
    const diff = [DENO, "run", "-A", "main.ts", "diff", k, g];
    const seq = [DENO, "run", "-A", "bench/diff_sequential.ts", k, g];
    // [label, argv, bytes read, accepted exit codes]
    const commands: [string, string[], number, number[], Record<string, string>?][] = [
      ["xxhsum -H3 KERNEL GCORE", ["xxhsum", "-H3", k, g], ks + gs, [0]],
      ["cmp KERNEL COPY", ["cmp", k, c], 2 * ks, [0]],
      [
        "rdiff -f -b 4096 signature KERNEL SIG && rdiff -f delta SIG GCORE DELTA",
        [
          "bash",
          "-c",
          'rdiff -f -b 4096 signature "$0" "$2" && rdiff -f delta "$2" "$1" "$3"',
          k,
          g,
          `${pair.dir}/sig`,
          `${pair.dir}/delta`,
        ],
        ks + gs,
        [0],
      ],
      ["deno run -A main.ts diff KERNEL GCORE", diff, ks + gs, [0, 1]],
      ["deno run -A bench/diff_sequential.ts KERNEL GCORE", seq, ks + gs, [0, 1]],
      [
        "deno run -A main.ts diff --smaps SMAPS --filter F KERNEL GCORE",
        [...diff.slice(0, 5), ...filterArgs, k, g],
        ks + gs,
        [0, 1],
      ],
      [
        "COREDELTA_SPLIT=always ... diff KERNEL GCORE (with a page Worker)",
        diff,
        ks + gs,
        [0, 1],
        { COREDELTA_SPLIT: "always" },
      ],
    ];
    for (const [, cmd, , ok, env] of commands) await timed(undefined, cmd, tmp, ok, env); // warm
    const results = commands.map(() => [] as Run[]);
    for (let i = 0; i < runs; i++) {
      for (const [j, [, cmd, , ok, env]] of commands.entries()) {
        results[j]!.push(await timed(time, cmd, tmp, ok, env));
      }
    }
    const workersReport = results[3]![0]!.stdout;
    if (results[4]![0]!.stdout !== workersReport) {
      throw new Error("diff_sequential.ts and `diff` printed different reports");
    }
    // The report names each core's identity (page hashes and tables), not a whole-file XXH3.
    if (!/^A: .* identity 0x[0-9a-f]{16}/m.test(workersReport)) {
      throw new Error(`diff printed no identity for A`);
    }
    const s = results.map(stats);
    const rows = commands.map(([label, , bytes], j) => {
      const st = s[j]!;
      return `| ${gib} GiB pair | \`${label}\` | ${fmtMs(st.bestMs)} | ${fmtMs(st.medianMs)} | ${
        fmtCpu(st.cpuMs)
      } | ${(bytes / st.bestMs / 1e6).toFixed(2)} GB/s | ${fmtRss(st.rssKiB)} |`;
    });
    const [xx, cmp, rdiff, dw, ds, dsm, dwf] = s as [
      Stats,
      Stats,
      Stats,
      Stats,
      Stats,
      Stats,
      Stats,
    ];
    const x = (a: Stats, b: Stats) =>
      `${(a.bestMs / b.bestMs).toFixed(2)}x best, ${(a.medianMs / b.medianMs).toFixed(2)}x median`;
    const ratios = [
      `diff / xxhsum -H3 (both files) = ${x(dw, xx)} (target <= 1.2x); with --smaps ${
        x(dsm, xx)
      }; CPU ${fmtCpu(dw.cpuMs)} vs ${fmtCpu(xx.cpuMs)}`,
      `diff peak RSS ${fmtRss(dw.rssKiB)} (as run), ${fmtRss(dwf.rssKiB)} (Worker), ${
        fmtRss(ds.rssKiB)
      } (sequential), ${fmtRss(dsm.rssKiB)} (--smaps) (target <= 150 MiB)`,
      `Worker forced / sequential = ${x(dwf, ds)} (< 1: the Worker pays; CPU ${
        fmtCpu(dwf.cpuMs)
      } vs ${fmtCpu(ds.cpuMs)}); diff as run / sequential = ${x(dw, ds)}`,
      `diff / cmp = ${x(dw, cmp)}; diff / rdiff = ${x(dw, rdiff)}`,
      `gcore of the live process took ${
        fmtMs(pair.gcoreMs)
      }; files: kernel ${ks}, gcore ${gs} bytes`,
    ];
    const verdicts: string[] = [];
    for (const [label, args] of [["without smaps", []], ["with --smaps", filterArgs]] as const) {
      const report = label === "without smaps" ? workersReport : results[5]![0]!.stdout;
      const json = await timed(
        undefined,
        [...diff.slice(0, 5), ...args, "--format", "json", k, g],
        tmp,
        [
          0,
          1,
        ],
      );
      const { reasons, problems } = summarizeReport(json.stdout);
      verdicts.push(`${label}: ${verdictLine(report)}`, `  reason codes: ${reasons}`);
      for (const p of problems) verdicts.push(`  ${p}`);
    }
    return { rows, ratios, verdicts };
  } finally {
    killLiveBigcore();
    await Deno.remove(pair.dir, { recursive: true });
  }
}

/** Empties the page cache (root only), so the next command reads its files from the disk. */
async function dropCaches(): Promise<void> {
  await new Deno.Command("sync").output();
  try {
    await Deno.writeTextFile("/proc/sys/vm/drop_caches", "1");
  } catch (e) {
    throw new Skip(`cannot empty the page cache (${(e as Error).message}); run as root`);
  }
}

/**
 * The pair benchmark for a process whose two cores do not fit the page cache together (16 GiB of
 * saved pages on a 24 GiB machine): every command reads both files from the disk, the page cache
 * emptied before each run, so `xxhsum -H3` and `diff` are timed alike (a hot run is not possible,
 * and a half-cached one would favour whichever command ran second). No copy for `cmp`, no `rdiff`.
 */
async function coldPairBench(
  { tmp, bigcore, time, runs, gib }: PairArgs,
): Promise<PairResult> {
  if (!(await which("gdb"))) throw new Skip("'gdb' not found in PATH");
  if (await freeBytes(tmp) < gib * GIB * 2.2 + GIB) {
    throw new Skip(`not enough free disk in ${tmp} for two ${gib} GiB cores`);
  }
  if (await availableMemory() < gib * GIB + 2 * GIB) {
    throw new Skip("not enough memory to map the process");
  }
  await dropCaches();
  const pair = await makePair(tmp, bigcore, gib, false);
  try {
    const { kernel: k, gcore: g, smaps } = pair;
    const bytes = (await Deno.stat(k)).size + (await Deno.stat(g)).size;
    const diff = [DENO, "run", "-A", "main.ts", "diff", k, g];
    const withSmaps = [...diff.slice(0, 5), "--smaps", smaps, "--filter", pair.filter, k, g];
    const commands: [string, string[]][] = [
      ["xxhsum -H3 KERNEL GCORE", ["xxhsum", "-H3", k, g]],
      ["deno run -A main.ts diff KERNEL GCORE", diff],
      ["deno run -A main.ts diff --smaps SMAPS --filter F KERNEL GCORE", withSmaps],
    ];
    const results = commands.map(() => [] as Run[]);
    for (let i = 0; i < runs; i++) {
      for (const [j, [, cmd]] of commands.entries()) {
        await dropCaches();
        results[j]!.push(await timed(time, cmd, tmp, [0, 1]));
      }
    }
    const s = results.map(stats);
    const rows = commands.map(([label], j) => {
      const st = s[j]!;
      return `| ${gib} GiB pair, cold | \`${label}\` | ${fmtMs(st.bestMs)} | ${
        fmtMs(st.medianMs)
      } | ${fmtCpu(st.cpuMs)} | ${(bytes / st.bestMs / 1e6).toFixed(2)} GB/s | ${
        fmtRss(st.rssKiB)
      } |`;
    });
    const [xx, dw, dsm] = s as [Stats, Stats, Stats];
    const x = (a: Stats, b: Stats) =>
      `${(a.bestMs / b.bestMs).toFixed(2)}x best, ${(a.medianMs / b.medianMs).toFixed(2)}x median`;
    const ratios = [
      `page cache emptied before every run; ${runs} run(s) each, interleaved`,
      `diff / xxhsum -H3 (both files) = ${x(dw, xx)} (target <= 1.2x); with --smaps ${
        x(dsm, xx)
      }; CPU ${fmtCpu(dw.cpuMs)} vs ${fmtCpu(xx.cpuMs)}`,
      `diff peak RSS ${fmtRss(dw.rssKiB)}, ${fmtRss(dsm.rssKiB)} with --smaps (target <= 200 MiB)`,
      `gcore of the live process took ${fmtMs(pair.gcoreMs)}; both files ${bytes} bytes`,
    ];
    const verdicts: string[] = [];
    for (const [label, j] of [["without smaps", 1], ["with --smaps", 2]] as const) {
      const cmd = commands[j]![1];
      const json = await timed(undefined, [...cmd.slice(0, -2), "--format", "json", k, g], tmp, [
        0,
        1,
      ]);
      const { reasons, problems } = summarizeReport(json.stdout);
      verdicts.push(
        `${label}: ${verdictLine(results[j]![0]!.stdout)}`,
        `  reason codes: ${reasons}`,
      );
      for (const p of problems) verdicts.push(`  ${p}`);
    }
    return { rows, ratios, verdicts };
  } finally {
    killLiveBigcore();
    await Deno.remove(pair.dir, { recursive: true });
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      sizes: { type: "string", default: "1,4" },
      runs: { type: "string", default: "5" },
      pair: { type: "string", default: "1" },
    },
  });
  const sizes = values.sizes.split(",").map(Number).filter((n) => n > 0);
  const runs = Math.max(1, Number(values.runs));
  const pairGib = Number(values.pair);
  const loadAtStart = (await Deno.readTextFile("/proc/loadavg")).split(" ")[0];
  const tmp = await Deno.makeTempDir({ prefix: "coredelta-bench-" });
  const cleanup = () => {
    killLiveBigcore();
    try {
      Deno.removeSync(tmp, { recursive: true });
    } catch {
      // already gone
    }
  };
  const onSignal = () => {
    log("interrupted; removing temporary files");
    cleanup();
    Deno.exit(130);
  };
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);
  try {
    for (const tool of ["gcc", "xxhsum", "cat", "sync", "df"]) {
      if (!(await which(tool))) throw new Skip(`'${tool}' not found in PATH`);
    }
    const time = await which("/usr/bin/time") ? "/usr/bin/time" : undefined;
    if (!time) log("GNU time not found (apt-get install time): peak RSS not measured");
    await checkCorePattern();
    const bigcore = `${tmp}/bigcore`;
    const cc = await new Deno.Command("gcc", {
      args: ["-O2", "-Wall", "-o", bigcore, `${ROOT}bench/bigcore.c`],
    }).output();
    if (!cc.success) throw new Error(`gcc failed: ${new TextDecoder().decode(cc.stderr)}`);

    const kernel = await new Deno.Command(DENO, {
      args: ["run", "wasm/page_hash_bench.ts"],
      cwd: ROOT,
      stdout: "piped",
    }).output();
    const kernelLines = new TextDecoder().decode(kernel.stdout).trim().split("\n");

    const rows: string[] = [];
    const ratios: string[] = [];
    const cached: string[] = [];
    let profile: string[] = [];
    for (const gib of sizes) {
      const need = gib * GIB * 1.1 + GIB;
      if (await freeBytes(tmp) < need) {
        log(`skipping ${gib} GiB: not enough free disk in ${tmp}`);
        continue;
      }
      if (await availableMemory() < gib * GIB + 2 * GIB) {
        log(`skipping ${gib} GiB: not enough memory to map it and keep the core cached`);
        continue;
      }
      const core = await makeCore(tmp, bigcore, gib);
      try {
        const size = (await Deno.stat(core)).size;
        const digest = [DENO, "run", "-A", "main.ts", "digest", core];
        // [label, argv, environment]: the digest as users get it (two threads from 256 MiB when
        // there are two CPUs), then forced to one and to two threads.
        const commands: [string, string[], Record<string, string>][] = [
          ["cat CORE > /dev/null", ["bash", "-c", 'cat "$0" > /dev/null', core], {}],
          ["xxhsum -H3 CORE", ["xxhsum", "-H3", core], {}],
          ["deno run -A main.ts digest CORE", digest, {}],
        ];
        if (gib < 16) {
          commands.push(
            ["COREDELTA_SPLIT=never ... digest CORE (one thread)", digest, {
              COREDELTA_SPLIT: "never",
            }],
            ["COREDELTA_SPLIT=always ... digest CORE (two threads)", digest, {
              COREDELTA_SPLIT: "always",
            }],
          );
        }
        // Warm the page cache and the JIT caches, then interleave the runs. A core larger than
        // the free memory cannot stay cached: the share cached before the timed runs is printed.
        for (const [, cmd, env] of commands) await timed(undefined, cmd, tmp, [0], env);
        cached.push(`${gib} GiB core: ${await cachedShare(core, size)} in the page cache`);
        const results = commands.map(() => [] as Run[]);
        const n = gib >= 16 ? 1 : gib > 1 ? Math.max(1, Math.ceil(runs / 2)) : runs;
        for (let i = 0; i < n; i++) {
          for (const [k, [, cmd, env]] of commands.entries()) {
            results[k]!.push(await timed(time, cmd, tmp, [0], env));
          }
        }
        // The digest's identity hashes page hashes, not the file: it is checked by the tests.
        if (
          !/identity \(xxh3-64 of tables and page hashes\): 0x[0-9a-f]{16}/.test(
            results[2]![0]!.stdout,
          )
        ) {
          throw new Error(`digest printed no identity: ${results[2]![0]!.stdout}`);
        }
        if (!/, 0 truncated/.test(results[2]![0]!.stdout)) throw new Error("digest saw truncation");
        const s = results.map(stats);
        commands.forEach(([label], k) => {
          const st = s[k]!;
          rows.push(
            `| ${gib} GiB | \`${label}\` | ${fmtMs(st.bestMs)} | ${fmtMs(st.medianMs)} | ${
              fmtCpu(st.cpuMs)
            } | ${(size / st.bestMs / 1e6).toFixed(2)} GB/s | ${fmtRss(st.rssKiB)} |`,
          );
        });
        const [cat, xx, dg] = s as [Stats, Stats, Stats];
        const cpuRatio = dg.cpuMs !== undefined && xx.cpuMs !== undefined
          ? `; CPU ${(dg.cpuMs / xx.cpuMs).toFixed(2)}x`
          : "";
        const rssTarget = gib <= 1 ? 150 : 200;
        ratios.push(
          `${gib} GiB: digest / xxhsum -H3 = ${(dg.bestMs / xx.bestMs).toFixed(2)}x best, ${
            (dg.medianMs / xx.medianMs).toFixed(2)
          }x median${cpuRatio} (target <= 1.5x); digest / cat = ${
            (dg.bestMs / cat.bestMs).toFixed(2)
          }x; digest peak RSS ${fmtRss(dg.rssKiB)} (target <= ${rssTarget} MiB)`,
        );
        for (const [k, label] of [[3, "one thread"], [4, "two threads"]] as const) {
          const st = s[k];
          if (st) {
            ratios.push(
              `  ${label}: ${(st.bestMs / xx.bestMs).toFixed(2)}x best, ${
                (st.medianMs / xx.medianMs).toFixed(2)
              }x median, CPU ${fmtCpu(st.cpuMs)}, peak RSS ${fmtRss(st.rssKiB)}`,
            );
          }
        }
        if (gib === sizes[0]) profile = await profileDigest(core, tmp);
      } finally {
        await Deno.remove(core.slice(0, core.lastIndexOf("/")), { recursive: true });
      }
    }

    let pair: PairResult | undefined;
    if (pairGib > 0) {
      try {
        // Two cores that the page cache cannot hold together are timed cold, not half-cached.
        const cold = 2.2 * pairGib * GIB > Deno.systemMemoryInfo().total * 0.8;
        pair = await (cold ? coldPairBench : pairBench)({ tmp, bigcore, time, runs, gib: pairGib });
      } catch (e) {
        if (!(e instanceof Skip)) throw e;
        log(`skipping the kernel-core-vs-gcore pair: ${e.message}`);
      }
    }

    const cpus = (await Deno.readTextFile("/proc/cpuinfo")).match(/^processor/gm)?.length;
    const model = (await Deno.readTextFile("/proc/cpuinfo")).match(/^model name\s*:\s*(.*)$/m)?.[1];
    console.log(`\n## coredelta digest, native (hot page cache)\n`);
    console.log(
      `machine: ${cpus} vCPU ${model ?? ""}, ${
        (Deno.systemMemoryInfo().total / GIB).toFixed(0)
      } GiB RAM, Linux ${Deno.osRelease()}, Deno ${Deno.version.deno} (V8 ${Deno.version.v8}); ` +
        `1-min load average at the start ${loadAtStart} (other work on the machine skews every figure)\n`,
    );
    console.log(
      "| core | command | best | median | CPU (user+sys, least) | throughput (best) | peak RSS |",
    );
    console.log(
      "| ---- | ------- | ---- | ------ | --------------------- | ----------------- | -------- |",
    );
    for (const r of rows) console.log(r);
    console.log("");
    for (const r of ratios) console.log(r);
    for (const c of cached) console.log(c);
    if (profile.length) {
      console.log(`\nwhere a ${sizes[0]} GiB digest spends its main-thread time (--cpu-prof):`);
      for (const l of profile) console.log(`  ${l}`);
    }
    if (pair) {
      console.log(
        `\n## coredelta diff of a kernel core and a gcore of one ${pairGib} GiB process\n`,
      );
      console.log(
        "| cores | command | best | median | CPU (user+sys, least) | throughput (best) | peak RSS |",
      );
      console.log(
        "| ----- | ------- | ---- | ------ | --------------------- | ----------------- | -------- |",
      );
      for (const r of pair.rows) console.log(r);
      console.log("");
      for (const r of pair.ratios) console.log(r);
      console.log("\nverdicts (the kernel core as A, the gcore as B):");
      for (const v of pair.verdicts) console.log(`  ${v}`);
    }
    console.log("\nWASM kernel in memory (wasm/page_hash_bench.ts, 64 MiB, best of 15):");
    for (const l of kernelLines) console.log(`  ${l}`);
    return 0;
  } catch (e) {
    if (e instanceof Skip) {
      log(`SKIP: ${e.message}`);
      return 0;
    }
    throw e;
  } finally {
    cleanup();
    Deno.removeSignalListener("SIGINT", onSignal);
    Deno.removeSignalListener("SIGTERM", onSignal);
  }
}

if (import.meta.main) Deno.exit(await main());
