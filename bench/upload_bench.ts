/**
 * Upload benchmark (a script, not a test): generates a 1 GiB core, starts `coredelta serve` as a
 * child process on a free loopback port, uploads the core with curl and reports throughput and the
 * server's peak RSS above idle.
 *
 * ```sh
 * deno run -A bench/upload_bench.ts                # raw body, curl -T (Content-Length)
 * deno run -A bench/upload_bench.ts --mode chunked # curl -T - (Transfer-Encoding: chunked)
 * deno run -A bench/upload_bench.ts --mode multipart --size-mib 512  # POST /v1/diff, a and b
 * ```
 *
 * Targets: at least 0.6 GB/s, at most 150 MiB of RSS above idle.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { processMemory as memory, writeSyntheticCore as makeCore } from "./_proc_core.ts";

const MIB = 1024 * 1024;

async function curl(args: string[]): Promise<string> {
  const out = await new Deno.Command("curl", { args, stdout: "piped", stderr: "inherit" }).output();
  return new TextDecoder().decode(out.stdout);
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: { mode: { type: "string", default: "raw" }, "size-mib": { type: "string" } },
  });
  const mode = values.mode!;
  const sizeMiB = Number(values["size-mib"] ?? 1024);
  const dir = await Deno.makeTempDir({ prefix: "coredelta-bench-" });
  const server = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-net=127.0.0.1",
      `--allow-read`,
      `--allow-write=${dir}`,
      "--allow-env",
      new URL("../main.ts", import.meta.url).pathname,
      "serve",
      "--port=0",
      `--data=${dir}/data`,
      `--max-upload=${8 * 1024 * MIB}`,
    ],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  try {
    const lines = server.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let buf = "";
    while (!buf.includes("\n")) buf += (await lines.read()).value ?? "";
    const url = JSON.parse(buf.split("\n")[0]!).url as string;
    // Drain further log lines so the child never blocks on a full pipe.
    (async () => {
      while (!(await lines.read()).done) { /* discard */ }
    })();
    const core = `${dir}/big.core`;
    const size = await makeCore(core, sizeMiB);
    const small = `${dir}/small.core`;
    await makeCore(small, 4);
    await curl(["-sS", "-o", "/dev/null", "-X", "POST", "-T", small, `${url}/v1/cores`]); // warm up
    await new Promise((r) => setTimeout(r, 500));
    const idle = await memory(server.pid);
    // Resets VmHWM to the current RSS (Linux >= 4.0); sampling covers kernels without it.
    const reset = await Deno.writeTextFile(`/proc/${server.pid}/clear_refs`, "5").then(
      () => true,
      () => false,
    );
    let peak = idle.rss;
    const sampler = setInterval(async () => {
      peak = Math.max(peak, (await memory(server.pid).catch(() => idle)).rss);
    }, 20);
    const fmt = "%{http_code} %{time_total} %{size_upload}";
    const args = mode === "multipart"
      ? ["-F", `a=@${core}`, "-F", `b=@${core}`, `${url}/v1/diff?format=json`]
      : mode === "chunked"
      ? ["-X", "POST", "-T", "-", `${url}/v1/cores`]
      : ["-X", "POST", "-T", core, `${url}/v1/cores`];
    const t0 = performance.now();
    const result = mode === "chunked"
      ? await (async () => {
        const cmd = new Deno.Command("sh", {
          args: ["-c", `curl -sS -o /dev/null -w '${fmt}' ${args.join(" ")} < '${core}'`],
          stdout: "piped",
        });
        return new TextDecoder().decode((await cmd.output()).stdout);
      })()
      : await curl(["-sS", "-o", "/dev/null", "-w", fmt, ...args]);
    const seconds = (performance.now() - t0) / 1000;
    clearInterval(sampler);
    const after = await memory(server.pid);
    const peakKiB = Math.max(peak, reset ? after.hwm : 0);
    const [status, , uploaded] = result.trim().split(" ");
    const bytes = Number(uploaded) || (mode === "multipart" ? 2 * size : size);
    const gbps = bytes / seconds / 1e9;
    const aboveMiB = (peakKiB - idle.rss) / 1024;
    console.log(JSON.stringify({
      mode,
      status: Number(status),
      bytes,
      seconds: Math.round(seconds * 1000) / 1000,
      throughputGBps: Math.round(gbps * 1000) / 1000,
      idleRssMiB: Math.round(idle.rss / 1024),
      peakRssMiB: Math.round(peakKiB / 1024),
      rssAboveIdleMiB: Math.round(aboveMiB),
    }));
    console.log(
      `throughput ${gbps.toFixed(3)} GB/s (target >= 0.6): ${gbps >= 0.6 ? "ok" : "BELOW"}`,
    );
    console.log(
      `RSS above idle ${aboveMiB.toFixed(0)} MiB (target <= 150): ${
        aboveMiB <= 150 ? "ok" : "ABOVE"
      }`,
    );
  } finally {
    server.kill("SIGTERM");
    await server.status;
    await Deno.remove(dir, { recursive: true });
  }
}
