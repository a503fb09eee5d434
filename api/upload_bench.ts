/**
 * Upload benchmark (a script, not a test): generates a 1 GiB core, starts `coredelta serve` as a
 * child process on a free loopback port, uploads the core with curl and reports throughput and the
 * server's peak RSS above idle.
 *
 * ```sh
 * deno run -A api/upload_bench.ts                # raw body, curl -T (Content-Length)
 * deno run -A api/upload_bench.ts --mode chunked # curl -T - (Transfer-Encoding: chunked)
 * deno run -A api/upload_bench.ts --mode multipart --size-mib 512  # POST /v1/diff, a and b
 * ```
 *
 * Targets: at least 0.6 GB/s, at most 150 MiB of RSS above idle.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { buildCore, prstatusX86_64 } from "../test/_elf_writer.ts";

const MIB = 1024 * 1024;

/** Writes a core of `sizeMiB` MiB of saved memory (one PT_LOAD, a quarter of its pages zero). */
async function makeCore(path: string, sizeMiB: number): Promise<number> {
  const filesz = BigInt(sizeMiB) * BigInt(MIB);
  const head = buildCore({
    notes: [{ owner: "CORE", type: 1, desc: prstatusX86_64(1234, 11, 0x401000n) }],
    loads: [{ vaddr: 0x7f0000000000n, memsz: filesz, filesz }],
  });
  const file = await Deno.open(path, { write: true, create: true, truncate: true });
  const header = new Uint8Array(head.dataOffset);
  header.set(head.bytes.subarray(0, Math.min(head.bytes.length, head.dataOffset)));
  await file.write(header);
  const chunk = new Uint8Array(MIB);
  crypto.getRandomValues(chunk.subarray(0, 65536));
  for (let i = 65536; i < MIB; i += 65536) chunk.copyWithin(i, 0, 65536);
  for (let p = 0; p < MIB; p += 4 * 4096) chunk.fill(0, p, p + 4096); // every 4th page zero
  const view = new DataView(chunk.buffer);
  for (let m = 0; m < sizeMiB; m++) {
    for (let p = 4096; p < MIB; p += 4096) view.setUint32(p, m * 256 + p / 4096); // distinct pages
    let at = 0;
    while (at < chunk.length) at += await file.write(chunk.subarray(at));
  }
  file.close();
  return head.dataOffset + sizeMiB * MIB;
}

/** VmRSS and VmHWM of a process, in KiB. */
async function memory(pid: number): Promise<{ rss: number; hwm: number }> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, "m").exec(status)?.[1] ?? 0);
  return { rss: kb("VmRSS"), hwm: kb("VmHWM") };
}

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
