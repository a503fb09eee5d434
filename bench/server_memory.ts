/**
 * The server's memory per request: starts `coredelta serve` as `deno task start` runs it (its V8
 * flags and environment, or others given), POSTs a pair of cores to `/v1/diff` several times with
 * `curl -F`, and prints for each request the server time (the request log's `ms`), the server's CPU
 * (user + sys from `/proc`) and its peak RSS while the request ran (VmRSS sampled every 10 ms, or
 * VmHWM when the request set a new high), so memory that grows from one request to the next shows.
 *
 * ```sh
 * deno run -A bench/server_memory.ts --a KERNEL_CORE --b GCORE            # 3 requests
 * deno run -A bench/server_memory.ts --a A --b B --requests 5 --v8 '--max-semi-space-size=1' --env ''
 * deno run -A bench/server_memory.ts --a A --b B --smaps SMAPS --filter 0x33   # with the context
 * ```
 *
 * @module
 */

import { parseArgs } from "node:util";
import { followServer, peakRssDuring, processCpuMs, processMemory } from "./_proc_core.ts";

const ROOT = new URL("../", import.meta.url).pathname;

/** The V8 flags and environment of `deno task start` (deno.json). */
function startTask(): { v8: string; env: Record<string, string> } {
  const start = JSON.parse(Deno.readTextFileSync(`${ROOT}deno.json`)).tasks.start as string;
  const env = Object.fromEntries(
    [...start.matchAll(/(?:^|\s)([A-Z_]+)=(\S*)(?=\s)/g)].map((m) => [m[1]!, m[2]!]),
  );
  return { v8: /--v8-flags=(\S+)/.exec(start)?.[1] ?? "", env };
}

async function main(): Promise<void> {
  const task = startTask();
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      a: { type: "string" },
      b: { type: "string" },
      requests: { type: "string", default: "3" },
      smaps: { type: "string" },
      filter: { type: "string" },
      v8: { type: "string", default: task.v8 },
      env: {
        type: "string",
        default: Object.entries(task.env).map(([k, v]) => `${k}=${v}`).join(","),
      },
    },
  });
  if (!values.a || !values.b) throw new Error("--a and --b name the two cores");
  const env = Object.fromEntries(
    values.env.split(",").filter(Boolean).map((kv) => kv.split("=", 2) as [string, string]),
  );
  const data = await Deno.makeTempDir({ prefix: "coredelta-bench-memory-" });
  const server = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      ...(values.v8 ? [`--v8-flags=${values.v8}`] : []),
      `${ROOT}main.ts`,
      "serve",
      "--hostname=127.0.0.1",
      "--port=0",
      `--data=${data}`,
    ],
    env,
    stdout: "piped",
    stderr: "null",
  }).spawn();
  try {
    const { url, served, ended } = await followServer(server.stdout);
    const cpu = () => processCpuMs(server.pid);
    console.log(
      `serve: --v8-flags=${values.v8 || "(none)"}, env ${values.env || "(none)"}; idle RSS ${
        ((await processMemory(server.pid)).rss / 1024).toFixed(0)
      } MiB`,
    );
    for (let i = 1; i <= Number(values.requests); i++) {
      const c0 = await cpu();
      const { value: out, peakKiB: peak } = await peakRssDuring(
        server.pid,
        () =>
          new Deno.Command("curl", {
            args: [
              "-s",
              "-o",
              "/dev/null",
              "-w",
              "%{http_code}",
              "-F",
              `a=@${values.a}`,
              "-F",
              `b=@${values.b}`,
              ...(values.smaps ? ["-F", `smaps=<${values.smaps}`] : []),
              ...(values.filter ? ["-F", `filter=${values.filter}`] : []),
              `${url}/v1/diff?format=json`,
            ],
            stdout: "piped",
          }).output(),
      );
      const c1 = await cpu();
      await new Promise((r) => setTimeout(r, 100)); // the request log line
      console.log(
        `request ${i}: ${new TextDecoder().decode(out.stdout)}, server time ${
          served[i - 1]?.toFixed(0)
        } ms, CPU ${c1 - c0} ms, peak RSS ${(peak / 1024).toFixed(0)} MiB`,
      );
    }
    server.kill("SIGTERM");
    await ended;
  } finally {
    try {
      server.kill("SIGTERM");
    } catch { /* gone */ }
    await server.status;
    await Deno.remove(data, { recursive: true }).catch(() => {});
  }
}

await main();
