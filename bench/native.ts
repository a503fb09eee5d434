/**
 * Native benchmark of `coredelta digest` on real kernel cores of 1 GiB and 4 GiB, against `xxhsum
 * -H3` and `cat` on the same files with a hot page cache, plus peak RSS and the WASM kernel's
 * in-memory throughput. Run by `deno task bench` after `deno bench`.
 *
 * ```sh
 * deno run -A bench/native.ts               # 1 GiB and 4 GiB cores
 * deno run -A bench/native.ts --sizes 1     # 1 GiB only
 * ```
 *
 * `bench/bigcore.c` maps the memory (zero, random and repeated pages) and crashes with
 * `ulimit -c unlimited` in a private temporary directory, as `test/fixtures/make_fixtures.sh` does.
 * When this machine cannot write such cores (no gcc, a piped `core_pattern`, no room) the script
 * says why and exits 0. Every temporary file is removed at the end, on failure and on Ctrl-C.
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
  rssKiB: number | undefined;
  stdout: string;
}

/** Best and median wall time and the largest peak RSS over several runs. */
interface Stats {
  bestMs: number;
  medianMs: number;
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

/** Runs a command once under GNU time (peak RSS) when available. */
async function timed(time: string | undefined, cmd: string[], tmp: string): Promise<Run> {
  const rssFile = `${tmp}/rss.txt`;
  const argv = time ? [time, "-f", "%M", "-o", rssFile, ...cmd] : cmd;
  const t0 = performance.now();
  const out = await new Deno.Command(argv[0]!, {
    args: argv.slice(1),
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const wallMs = performance.now() - t0;
  if (!out.success) {
    throw new Error(`${cmd.join(" ")} failed: ${new TextDecoder().decode(out.stderr).trim()}`);
  }
  const rss = time ? Number((await Deno.readTextFile(rssFile)).trim()) : NaN;
  return {
    wallMs,
    rssKiB: Number.isFinite(rss) ? rss : undefined,
    stdout: new TextDecoder().decode(out.stdout),
  };
}

function stats(runs: Run[]): Stats {
  const ms = runs.map((r) => r.wallMs).sort((a, b) => a - b);
  const rss = runs.map((r) => r.rssKiB).filter((r): r is number => r !== undefined);
  return {
    bestMs: ms[0]!,
    medianMs: ms[Math.floor(ms.length / 2)]!,
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
    if (fn === "op_read_sync" || fn === "op_read") return "file reads (kernel copy to user)";
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

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: Deno.args,
    options: { sizes: { type: "string", default: "1,4" }, runs: { type: "string", default: "5" } },
  });
  const sizes = values.sizes.split(",").map(Number).filter((n) => n > 0);
  const runs = Math.max(1, Number(values.runs));
  const tmp = await Deno.makeTempDir({ prefix: "coredelta-bench-" });
  const cleanup = () => {
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
        const commands: [string, string[]][] = [
          ["cat CORE > /dev/null", ["bash", "-c", 'cat "$0" > /dev/null', core]],
          ["xxhsum -H3 CORE", ["xxhsum", "-H3", core]],
          ["deno run -A main.ts digest CORE", [DENO, "run", "-A", "main.ts", "digest", core]],
        ];
        // Warm the page cache and the JIT caches, then interleave the runs.
        for (const [, cmd] of commands) await timed(undefined, cmd, tmp);
        const results = commands.map(() => [] as Run[]);
        const n = gib > 1 ? Math.max(1, Math.ceil(runs / 2)) : runs;
        for (let i = 0; i < n; i++) {
          for (const [k, [, cmd]] of commands.entries()) {
            results[k]!.push(await timed(time, cmd, tmp));
          }
        }
        const xxh = results[1]![0]!.stdout.match(/ = ([0-9a-f]{16})\s*$/)?.[1];
        const dig = results[2]![0]!.stdout.match(/xxh3-64 of file: 0x([0-9a-f]{16})/)?.[1];
        if (!xxh || xxh !== dig) {
          throw new Error(`digest fileHash ${dig} differs from xxhsum -H3 ${xxh}`);
        }
        if (!/, 0 truncated/.test(results[2]![0]!.stdout)) throw new Error("digest saw truncation");
        const s = results.map(stats);
        commands.forEach(([label], k) => {
          const st = s[k]!;
          rows.push(
            `| ${gib} GiB | \`${label}\` | ${fmtMs(st.bestMs)} | ${fmtMs(st.medianMs)} | ${
              (size / st.bestMs / 1e6).toFixed(2)
            } GB/s | ${fmtRss(st.rssKiB)} |`,
          );
        });
        const [cat, xx, digest] = s as [Stats, Stats, Stats];
        ratios.push(
          `${gib} GiB: digest / xxhsum = ${(digest.bestMs / xx.bestMs).toFixed(2)}x best, ${
            (digest.medianMs / xx.medianMs).toFixed(2)
          }x median (target <= 3x); digest / cat = ${
            (digest.bestMs / cat.bestMs).toFixed(2)
          }x; digest peak RSS ${fmtRss(digest.rssKiB)} (target <= 150 MiB)`,
        );
        if (gib === sizes[0]) profile = await profileDigest(core, tmp);
      } finally {
        await Deno.remove(core.slice(0, core.lastIndexOf("/")), { recursive: true });
      }
    }

    const cpus = (await Deno.readTextFile("/proc/cpuinfo")).match(/^processor/gm)?.length;
    const model = (await Deno.readTextFile("/proc/cpuinfo")).match(/^model name\s*:\s*(.*)$/m)?.[1];
    console.log(`\n## coredelta digest, native (hot page cache)\n`);
    console.log(
      `machine: ${cpus} vCPU ${model ?? ""}, ${
        (Deno.systemMemoryInfo().total / GIB).toFixed(0)
      } GiB RAM, Linux ${Deno.osRelease()}, Deno ${Deno.version.deno} (V8 ${Deno.version.v8})\n`,
    );
    console.log("| core | command | best | median | throughput (best) | peak RSS |");
    console.log("| ---- | ------- | ---- | ------ | ----------------- | -------- |");
    for (const r of rows) console.log(r);
    console.log("");
    for (const r of ratios) console.log(r);
    if (profile.length) {
      console.log(`\nwhere a ${sizes[0]} GiB digest spends its main-thread time (--cpu-prof):`);
      for (const l of profile) console.log(`  ${l}`);
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
