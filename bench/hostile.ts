/**
 * The hostile-client probes of issue 12 against a real `coredelta serve` (a child process on a
 * loopback port): bad raw uploads in many reads, cut and corrupt compressed streams, slow and
 * stalled clients, request heads that trickle or stop, over-long request lines and headers, a 413
 * that must close the connection while the client still sends, decompression bombs with a `/health` probe running, oversized JSON, hostile
 * strings in every report format and what a stored digest holds. Prints one Markdown table (the
 * README's) and exits 1 if any probe did not get what it should.
 *
 * Run: `deno run -A bench/hostile.ts` (about a minute; needs zstd and xz).
 *
 * @module
 */

import { gzipSync, zstdCompressSync } from "node:zlib";
import { concat } from "../lib/bytes/streams.ts";
import { prepareContext } from "../lib/diff/context.ts";
import { diffDigests } from "../lib/diff/diff.ts";
import { renderReport, REPORT_FORMATS } from "../lib/report/render.ts";
import { digestInput } from "../runtime/digest.ts";
import {
  httpChunk,
  MULTIPART_TYPE,
  multipartBody,
  RawClient,
  requestHead,
  send,
  spawnServe,
} from "../test/_api_faults.ts";
import { buildCore, ntFile, prstatusX86_64 } from "../test/_elf_writer.ts";
import { loadCore } from "../test/_fixtures.ts";

const rows: [string, string, string, boolean][] = [];
const row = (probe: string, want: string, got: string, ok: boolean) => {
  rows.push([probe, want, got, ok]);
  console.error(`${ok ? "ok  " : "FAIL"} ${probe}: ${got}`);
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const core = loadCore("f033", "kernel");

async function tool(cmd: string, args: string[], input: Uint8Array[]): Promise<Uint8Array> {
  const p = new Deno.Command(cmd, { args, stdin: "piped", stdout: "piped" }).spawn();
  const w = p.stdin.getWriter();
  const out = p.output();
  for (const b of input) await w.write(b);
  await w.close();
  return (await out).stdout;
}

/**
 * Sends `head` (then `body()` pieces until the server hangs up) on a raw connection; returns the
 * status, the headers, when the answer and the hang-up came and how many body bytes were sent.
 */
async function rawUntilClose(
  port: number,
  head: string,
  body?: () => Uint8Array | undefined | Promise<Uint8Array | undefined>,
): Promise<{ status: number; head: string; answerMs: number; endMs: number; sent: number }> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const t0 = performance.now();
  let text = "", answerMs = NaN, endMs = NaN, sent = 0;
  const reading = (async () => {
    const buf = new Uint8Array(65536);
    for (;;) {
      const n = await conn.read(buf).catch(() => null);
      if (n === null) break;
      text += new TextDecoder().decode(buf.subarray(0, n));
      if (Number.isNaN(answerMs)) answerMs = performance.now() - t0;
    }
    endMs = performance.now() - t0;
  })();
  const write = async (b: Uint8Array) => {
    while (b.length) b = b.subarray(await conn.write(b));
  };
  try {
    await write(new TextEncoder().encode(head)).catch(() => {});
    for (let b = await body?.(); b && Number.isNaN(endMs); b = await body?.()) {
      if (!(await write(b).then(() => true, () => false))) break;
      sent += b.length;
    }
    await Promise.race([reading, sleep(30_000)]);
  } finally {
    conn.close();
  }
  const split = text.indexOf("\r\n\r\n");
  return {
    status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0),
    head: split < 0 ? text : text.slice(0, split),
    answerMs,
    endMs,
    sent,
  };
}

/** zstd of `head` and `zeros` zero bytes. */
async function zstdBomb(head: Uint8Array, zeros: number): Promise<Uint8Array> {
  const p = new Deno.Command("zstd", { args: ["-q", "-3", "-c"], stdin: "piped", stdout: "piped" })
    .spawn();
  const w = p.stdin.getWriter();
  const out = p.output();
  await w.write(head);
  const mib = new Uint8Array(1 << 20);
  for (let left = zeros; left > 0; left -= mib.length) {
    await w.write(left >= mib.length ? mib : mib.subarray(0, left));
  }
  await w.close();
  return (await out).stdout;
}

/** A valid core header whose one PT_LOAD holds `bytes` bytes. */
function bombHeader(bytes: number): Uint8Array {
  const size = BigInt(bytes);
  const b = buildCore({
    notes: [{ owner: "CORE", type: 1, desc: prstatusX86_64(1, 11, 0n) }],
    loads: [{ vaddr: 0x10000000n, memsz: size, filesz: size }],
  });
  return b.bytes.subarray(0, b.dataOffset);
}

async function chunked(
  port: number,
  method: string,
  path: string,
  body: Uint8Array,
  type?: string,
) {
  const c = await RawClient.connect(port);
  try {
    await c.write(requestHead(method, path, {
      "Transfer-Encoding": "chunked",
      Connection: "close",
      ...(type ? { "Content-Type": type } : {}),
    }));
    try {
      for (let at = 0; at < body.length; at += 8192) {
        await c.write(httpChunk(body.subarray(at, at + 8192)));
      }
      await c.write("0\r\n\r\n");
    } catch { /* answered early */ }
    return await c.response(30_000);
  } finally {
    c.close();
  }
}

async function rssMiB(pid: number): Promise<number> {
  const s = await Deno.readTextFile(`/proc/${pid}/status`);
  return Math.round(Number(/VmRSS:\s+(\d+)/.exec(s)?.[1] ?? 0) / 1024);
}

const dir = await Deno.makeTempDir({ prefix: "coredelta-hostile-" });
const server = await spawnServe(`${dir}/data`, [
  "--idle-timeout",
  "3",
  "--digests",
  "4",
  "--header-timeout",
  "3",
  "--max-upload",
  String(100 * 1024 * 1024),
]);
const port = server.port;
try {
  // 1. Bad raw uploads in many reads.
  const readme = new TextEncoder().encode("# README\n".repeat(20_000));
  const bad = (edits: [number, number][]) => {
    const c = core.slice();
    for (const [at, v] of edits) c[at] = v;
    return c;
  };
  const headers = [
    readme,
    bad([[1, 0x46]]),
    bad([[4, 7]]),
    bad([[5, 9]]),
    bad([[16, 2]]),
    bad([[54, 0x20]]),
  ];
  const got = [];
  for (const body of headers) got.push((await chunked(port, "PUT", "/v1/cores", body)).status);
  row(
    "bad raw uploads, chunked (text, e_ident magic/class/data, e_type, e_phentsize)",
    "422 ×6",
    got.join(" "),
    got.every((s) => s === 422),
  );

  // 2. Codecs.
  const gz = new Uint8Array(gzipSync(core));
  const zst = new Uint8Array(zstdCompressSync(core));
  const xz = await tool("xz", ["-1", "-c"], [core]);
  const corrupt = xz.slice();
  for (let i = 200; i < 400; i++) corrupt[i]! ^= 0x5a;
  const codecs: [string, Uint8Array][] = [
    ["gzip cut", gz.subarray(0, gz.length >> 1)],
    ["zstd cut", zst.subarray(0, zst.length >> 1)],
    ["xz cut", xz.subarray(0, xz.length >> 1)],
    ["xz corrupt", corrupt],
  ];
  for (const [name, body] of codecs) {
    const a = (await chunked(port, "PUT", "/v1/cores", body)).status;
    const d = (await chunked(
      port,
      "POST",
      "/v1/diff",
      multipartBody([["a", body, "a"], ["b", core, "b"]]),
      MULTIPART_TYPE,
    )).status;
    row(`${name}: /v1/cores, /v1/diff`, "422, 422", `${a}, ${d}`, a === 422 && d === 422);
  }

  // 3. Slow clients: four stalled uploads (one per slot), then an ordinary one.
  const stalled: RawClient[] = [];
  for (let i = 0; i < 4; i++) {
    const c = await RawClient.connect(port);
    await c.write(requestHead("PUT", "/v1/cores", { "Content-Length": core.length }));
    await c.write(core.subarray(0, 300_000));
    stalled.push(c);
  }
  await sleep(1500);
  let t0 = performance.now();
  const through = await send(port, "PUT", "/v1/cores", core);
  const tookMs = Math.round(performance.now() - t0);
  row(
    "4 stalled uploads (all slots) then an upload",
    "201 at once",
    `${through.status} in ${tookMs} ms`,
    through.status === 201 && tookMs < 1500,
  );
  const stalledStatus = await Promise.all(stalled.map((c) => c.response(10_000)));
  for (const c of stalled) c.close();
  row(
    "stalled uploads after --idle-timeout 3",
    "408 problem+json",
    stalledStatus.map((r) => r.status).join(" "),
    stalledStatus.every((r) => r.status === 408 && /problem\+json/.test(r.headers)),
  );

  // 3b. Request heads: trickled, stopped, over-long (the front of `serve`, --header-timeout 3).
  let drip = 0;
  const [trickled, stopped] = await Promise.all([
    rawUntilClose(port, "GET /health HTTP/1.1\r\n", async () => {
      // One header line a second, for a minute unless the server ends it.
      if (drip++ > 60) return undefined;
      await sleep(1000);
      return new TextEncoder().encode(`X-Drip-${drip}: ${drip}\r\n`);
    }),
    rawUntilClose(port, "GET /health HTTP/1.1\r\nHost: x\r\n"),
  ]);
  row(
    "request head: a header line a second; nothing after the request line (--header-timeout 3)",
    "408 problem+json, closed",
    `${trickled.status} after ${(trickled.endMs / 1000).toFixed(1)} s, ${stopped.status} after ${
      (stopped.endMs / 1000).toFixed(1)
    } s`,
    [trickled, stopped].every((r) =>
      r.status === 408 && /problem\+json/.test(r.head) && r.endMs < 6000
    ),
  );
  const longLine = await rawUntilClose(port, `GET /${"a".repeat(100_000)} HTTP/1.1\r\n\r\n`);
  const longHead = await rawUntilClose(
    port,
    `GET /health HTTP/1.1\r\nX-Big: ${"b".repeat(100_000)}\r\n\r\n`,
  );
  row(
    "100 KB request line; 100 KB header (beyond Deno's own limits)",
    "414, 431 problem+json",
    `${longLine.status}, ${longHead.status}`,
    longLine.status === 414 && longHead.status === 431 &&
      [longLine, longHead].every((r) => /problem\+json/.test(r.head)),
  );
  // A valid core header announcing 8 GiB, then zeros, chunked: the upload limit (100 MiB) is hit
  // mid-stream; the connection must close while the client still has most of it to send.
  const zeros = httpChunk(new Uint8Array(256 * 1024));
  let first = true;
  const over = await rawUntilClose(
    port,
    requestHead("PUT", "/v1/cores", { "Transfer-Encoding": "chunked" }),
    () => {
      if (!first) return zeros;
      first = false;
      return httpChunk(bombHeader(8 * 1024 ** 3));
    },
  );
  row(
    "chunked upload past --max-upload (100 MiB) of an 8 GiB body",
    "413, connection closed at once",
    `${over.status}, closed ${Math.round(over.endMs - over.answerMs)} ms after the answer, ${
      (over.sent / 1024 ** 2).toFixed(0)
    } MiB sent`,
    over.status === 413 && /connection: close/i.test(over.head) &&
      over.sent < 1024 ** 3 && over.endMs - over.answerMs < 1000,
  );

  // 4. Bombs with a /health probe running.
  const bomb = await zstdBomb(bombHeader(8 * 1024 ** 3), 8 * 1024 ** 3);
  let done = false;
  t0 = performance.now();
  const up = send(port, "PUT", "/v1/cores", bomb).finally(() => done = true);
  const lat: number[] = [];
  let failures = 0;
  while (!done && performance.now() - t0 < 60_000) {
    const h0 = performance.now();
    const r = await fetch(`${server.url}/health`, { signal: AbortSignal.timeout(5000) })
      .catch(() => undefined);
    if (r?.status === 200) lat.push(performance.now() - h0);
    else failures++;
    await r?.body?.cancel();
    await sleep(100);
  }
  await up;
  lat.sort((a, b) => a - b);
  const at = (q: number) => lat[Math.min(lat.length - 1, Math.floor(q * lat.length))] ?? NaN;
  const [p50, p95, max] = [at(0.5), at(0.95), lat[lat.length - 1] ?? NaN];
  row(
    `/health during an 8 GiB zstd bomb (${(bomb.length / 1024).toFixed(0)} KiB, valid core)`,
    "all 200, p95 < 100 ms",
    `${lat.length} ok, ${failures} failed; p50 ${p50.toFixed(1)}, p95 ${p95.toFixed(1)}, max ${
      max.toFixed(1)
    } ms`,
    failures === 0 && p95 < 100,
  );
  const trailing = await zstdBomb(core, 4 * 1024 ** 3);
  t0 = performance.now();
  const tr = await send(port, "PUT", "/v1/cores", trailing);
  row(
    "core + 4 GiB of zeros after its declared end",
    "413 early",
    `${tr.status} in ${Math.round(performance.now() - t0)} ms`,
    tr.status === 413,
  );
  const hang = await RawClient.connect(port);
  await hang.write(requestHead("PUT", "/v1/cores", { "Content-Length": bomb.length }));
  await hang.write(bomb.subarray(0, bomb.length >> 1));
  await sleep(300);
  const before = server.lines.length;
  hang.close();
  t0 = performance.now();
  while (server.lines.length === before && performance.now() - t0 < 60_000) await sleep(10);
  const ended = JSON.parse(server.lines[server.lines.length - 1] ?? "{}");
  row(
    "client hangs up half-way through the bomb",
    "work stops",
    `request ended ${Math.round(performance.now() - t0)} ms after the hang-up (${ended.problem})`,
    performance.now() - t0 < 2000,
  );

  // 5. Oversized JSON.
  const big = JSON.stringify({ a: "A".repeat(60 * 1024 * 1024), b: "0".repeat(64) });
  const rssBefore = await rssMiB(server.child.pid);
  const answers = await Promise.all(
    Array.from({ length: 8 }, () =>
      send(port, "POST", "/v1/diffs", new TextEncoder().encode(big), {
        "Content-Type": "application/json",
      })),
  );
  await sleep(500);
  const rssAfter = await rssMiB(server.child.pid);
  row(
    "8 × POST /v1/diffs with a 60 MB member",
    "413, short answer",
    `${[...new Set(answers.map((r) => r.status))].join("/")}, answer ≤ ${
      Math.max(...answers.map((r) => r.body.length))
    } bytes; RSS ${rssBefore} → ${rssAfter} MiB`,
    answers.every((r) => r.status === 413 && r.body.length < 2048),
  );

  // 6. Hostile strings in every format.
  const HOSTILE = "<img src=x onerror=alert(1)>\u001b[2J\u0007\ufffe\u202e|*_";
  const hostileCore = (v: string) => {
    const ps = new Uint8Array(136);
    ps.set(new TextEncoder().encode(`\u001b]0;${v}<b>`).subarray(0, 15), 40);
    return buildCore({
      notes: [
        { owner: "CORE", type: 1, desc: prstatusX86_64(7, 11, 0x401000n) },
        { owner: "CORE", type: 3, desc: ps },
        {
          owner: "CORE",
          type: 0x46494c45,
          desc: ntFile([{ start: 0x400000n, end: 0x401000n, ofs: 0n, name: `/x/${v}${HOSTILE}` }]),
        },
      ],
      loads: [{ vaddr: 0x400000n, memsz: 0x1000n, data: new Uint8Array(4096).fill(v.length) }],
    }).bytes;
  };
  const report = diffDigests(
    await digestInput(ReadableStream.from([hostileCore("A")])),
    await digestInput(ReadableStream.from([hostileCore("BB")])),
    { context: prepareContext({ expect: "identical" }), labels: { a: HOSTILE, b: "b" } },
  );
  const clean = REPORT_FORMATS.filter((f) => {
    const out = renderReport(report, f);
    if (f === "json") return JSON.parse(out).a.label === HOSTILE;
    // Terminal formats: no control or bidi character; XML formats: nothing XML cannot hold.
    const forbidden = f === "text" || f === "md"
      ? "[\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f\\u202a-\\u202e]"
      : "[\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\ufffe\\uffff\\u202e]";
    const controls = new RegExp(forbidden).test(out);
    return !controls && (f === "text" || !/<img|<b>/.test(out));
  });
  row(
    "hostile label, pr_fname, NT_FILE path in every format",
    REPORT_FORMATS.join(", "),
    `${clean.length}/${REPORT_FORMATS.length} escaped`,
    clean.length === REPORT_FORMATS.length,
  );

  // 7. What a stored digest holds.
  const marker = new TextEncoder().encode("S3CR3T-REGISTER!");
  const secret = (n: number) => Uint8Array.from({ length: n }, (_, i) => marker[i % 16]!);
  const status = prstatusX86_64(9, 11, 0x401000n);
  status.set(secret(120), 112);
  const secretCore = concat([
    buildCore({
      notes: [
        { owner: "CORE", type: 1, desc: status },
        { owner: "CORE", type: 2, desc: secret(512) },
        { owner: "LINUX", type: 0x202, desc: secret(1024) },
      ],
      loads: [{ vaddr: 0x400000n, memsz: 0x1000n, data: new Uint8Array(4096) }],
    }).bytes,
    secret(64 * 1024 * 1024),
  ]);
  const upload = new Uint8Array(zstdCompressSync(secretCore));
  const id = JSON.parse((await send(port, "PUT", "/v1/cores", upload)).body).id;
  const digest = new Uint8Array(
    await (await fetch(`${server.url}/v1/cores/${id}/digest`)).arrayBuffer(),
  );
  const leaks = new TextDecoder("latin1").decode(digest).includes("S3CR3T-R");
  row(
    `stored digest of a ${
      (upload.length / 1024).toFixed(0)
    } KB zstd upload (registers, FP, xstate, 64 MiB trailing)`,
    "no register or trailing bytes",
    `${digest.length} bytes, ${leaks ? "LEAKS" : "no secret bytes"}`,
    !leaks && digest.length < 64 * 1024,
  );

  // 8. HTTP hygiene.
  const m = await fetch(`${server.url}/v1/cores`, { method: "DELETE" });
  await m.body?.cancel();
  const keep = await send(port, "POST", "/v1/cores?keep=", core);
  row(
    "DELETE /v1/cores; ?keep=",
    "405 + Allow; 400",
    `${m.status} Allow: ${m.headers.get("allow")}; ${keep.status}`,
    m.status === 405 && m.headers.get("allow") !== null && keep.status === 400,
  );
} finally {
  await server.kill();
  await Deno.remove(dir, { recursive: true });
}

console.log("| probe | expected | result | |\n|---|---|---|---|");
for (const [p, w, g, ok] of rows) console.log(`| ${p} | ${w} | ${g} | ${ok ? "✔" : "✘"} |`);
if (rows.some((r) => !r[3])) Deno.exit(1);
