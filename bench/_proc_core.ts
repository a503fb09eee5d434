/**
 * Helpers shared by the upload and load scripts: a synthetic core file of any size, and a process's
 * memory from `/proc`.
 *
 * @module
 */

import { buildCore, prstatusX86_64 } from "../test/_elf_writer.ts";

const MIB = 1024 * 1024;

/**
 * Writes a new (0600) core at `path` with one PT_LOAD of `mib` MiB of saved memory: distinct pages,
 * every 4th page zero. Returns the file size.
 */
export async function writeSyntheticCore(path: string, mib: number): Promise<number> {
  const filesz = BigInt(mib) * BigInt(MIB);
  const head = buildCore({
    notes: [{ owner: "CORE", type: 1, desc: prstatusX86_64(1234, 11, 0x401000n) }],
    loads: [{ vaddr: 0x7f0000000000n, memsz: filesz, filesz }],
  });
  const file = await Deno.open(path, { write: true, createNew: true, mode: 0o600 });
  try {
    const header = new Uint8Array(head.dataOffset);
    header.set(head.bytes.subarray(0, Math.min(head.bytes.length, head.dataOffset)));
    await file.write(header);
    const chunk = new Uint8Array(MIB);
    crypto.getRandomValues(chunk.subarray(0, 65536));
    for (let i = 65536; i < MIB; i += 65536) chunk.copyWithin(i, 0, 65536);
    for (let p = 0; p < MIB; p += 4 * 4096) chunk.fill(0, p, p + 4096); // every 4th page zero
    const view = new DataView(chunk.buffer);
    for (let m = 0; m < mib; m++) {
      for (let p = 4096; p < MIB; p += 4096) view.setUint32(p, m * 256 + p / 4096); // distinct pages
      let at = 0;
      while (at < chunk.length) at += await file.write(chunk.subarray(at));
    }
  } finally {
    file.close();
  }
  return head.dataOffset + mib * MIB;
}

/** VmRSS and VmHWM of a process, in KiB. */
export async function processMemory(pid: number): Promise<{ rss: number; hwm: number }> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, "m").exec(status)?.[1] ?? 0);
  return { rss: kb("VmRSS"), hwm: kb("VmHWM") };
}

/** User + system CPU time of a process so far, in ms (from `/proc/PID/stat`, 100 ticks a second). */
export async function processCpuMs(pid: number): Promise<number> {
  const f = (await Deno.readTextFile(`/proc/${pid}/stat`)).split(") ")[1]!.split(" ");
  return (Number(f[11]) + Number(f[12])) * 10;
}

/**
 * Runs `work` and returns the process's peak RSS while it ran, in KiB: VmHWM when `work` set a new
 * high, else the highest VmRSS sampled every 10 ms (so memory that grows from one request to the
 * next shows).
 */
export async function peakRssDuring<T>(
  pid: number,
  work: () => Promise<T>,
): Promise<{ value: T; peakKiB: number }> {
  const before = (await processMemory(pid)).hwm;
  let sampled = 0, done = false;
  const sampling = (async () => {
    while (!done) {
      sampled = Math.max(sampled, (await processMemory(pid)).rss);
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  let value: T;
  try {
    value = await work();
  } finally {
    done = true;
    await sampling;
  }
  const after = (await processMemory(pid)).hwm;
  return { value, peakKiB: after > before ? after : sampled };
}

/**
 * Follows what `coredelta serve` prints (JSON lines): resolves with its URL once it listens, then
 * goes on collecting the server-side time (`ms`) of each `/v1/diff` request it logs into `served`
 * until its output ends (`ended`).
 */
export async function followServer(
  stdout: ReadableStream<Uint8Array<ArrayBuffer>>,
): Promise<{ url: string; served: number[]; ended: Promise<void> }> {
  const lines = stdout.pipeThrough(new TextDecoderStream()).getReader();
  const served: number[] = [];
  let url: string | undefined;
  let rest = "";
  const next = async () => {
    const r = await lines.read();
    if (r.done) return false;
    rest += r.value;
    const parts = rest.split("\n");
    rest = parts.pop()!;
    for (const l of parts) {
      try {
        const j = JSON.parse(l);
        if (j.msg === "listening") url = j.url;
        if (j.msg === "request" && j.path === "/v1/diff") served.push(j.ms);
      } catch { /* not a log line */ }
    }
    return true;
  };
  while (url === undefined) if (!(await next())) throw new Error("serve exited before listening");
  const ended = (async () => {
    while (await next());
  })();
  return { url, served, ended };
}
