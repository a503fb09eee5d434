/**
 * Faults the service must survive, each followed by "no temporary file is left and `/health` is
 * ok": clients that hang up mid-upload (raw and multipart, plain and gzip), SIGTERM to `coredelta
 * serve` mid-request (drained or refused with 503, exit 0 within the drain time), a full data
 * directory (a real 2 MiB tmpfs where this process may mount one, and always a storage whose writes
 * fail with ENOSPC) answered with 507, and stored objects corrupted on disk answered with a stable
 * 500 problem. Everything runs on 127.0.0.1 with bounded waits.
 */

import assert from "node:assert/strict";
import { buildCore, prstatusX86_64 } from "../test/_elf_writer.ts";
import { fixturePath, loadCore } from "../test/_fixtures.ts";
import { createApp } from "./app.ts";
import { openLocalStorage } from "./storage.ts";
import { filesUnder, testApp } from "./_testing.ts";
import {
  assertTmpEmpty,
  fillDisk,
  FullStorage,
  gzip,
  httpChunk,
  listen,
  mountTmpfs,
  MULTIPART_TYPE,
  multipartBody,
  openFilesUnder,
  partHead,
  RawClient,
  requestHead,
  sleep,
  spawnServe,
  waitFor,
} from "./_faults.ts";
import type { LogRecord } from "./deps.ts";

const PROBLEM = "https://coredelta.dev/problems/";
const enc = new TextEncoder();

/** `GET /health` on its own connection (`Connection: close`, so no pooled socket outlives it). */
async function health(port: number): Promise<{ status: number; body: string }> {
  const c = await RawClient.connect(port);
  try {
    await c.write(requestHead("GET", "/health", { Connection: "close" }));
    return await c.response(5000);
  } finally {
    c.close();
  }
}

/** Sends a whole request on its own connection and reads the answer. */
async function send(
  port: number,
  method: string,
  path: string,
  body: Uint8Array,
  headers: Record<string, string | number> = {},
): Promise<{ status: number; headers: string; body: string }> {
  const c = await RawClient.connect(port);
  try {
    await c.write(
      requestHead(method, path, { "Content-Length": body.length, Connection: "close", ...headers }),
    );
    await c.write(body).catch(() => {}); // the server may answer (and close) early
    return await c.response(8000);
  } finally {
    c.close();
  }
}

/** `app.request` as a promise, with a byte body. */
function request(
  app: ReturnType<typeof createApp>,
  path: string,
  body?: Uint8Array | string,
  headers: Record<string, string> = {},
): Promise<Response> {
  const init: RequestInit = body === undefined
    ? {}
    : { method: "POST", body: body as BodyInit, headers };
  return Promise.resolve(app.request(path, init));
}

/** How many objects of a kind are stored. */
async function stored(dir: string, kind: "digests" | "reports" | "cores"): Promise<number> {
  return (await filesUnder(`${dir}/${kind}`)).length;
}

Deno.test("a client that hangs up mid-upload (raw and multipart, plain and gzip) leaves nothing", async (ctx) => {
  const t = await testApp();
  const server = await listen(t.app);
  const core = loadCore("f07f", "kernel");
  const gz = gzip(core);
  const half = (b: Uint8Array) => b.subarray(0, b.length >> 1);
  const cases: [string, string, Record<string, string | number>, Uint8Array][] = [
    [
      "raw plain, Content-Length, keep=true",
      "/v1/cores?keep=true",
      { "Content-Length": core.length },
      half(core),
    ],
    ["raw gzip, chunked", "/v1/cores", { "Transfer-Encoding": "chunked" }, httpChunk(half(gz))],
    [
      "multipart plain, a whole and b half",
      "/v1/diff",
      { "Content-Type": MULTIPART_TYPE, "Content-Length": 2 * core.length + 1000 },
      new Uint8Array([
        ...partHead("a", "a.core"),
        ...core,
        ...enc.encode("\r\n"),
        ...partHead("b", "b.core"),
        ...half(core),
      ]),
    ],
    [
      "multipart gzip, chunked, a half",
      "/v1/diff?keep=true",
      { "Content-Type": MULTIPART_TYPE, "Transfer-Encoding": "chunked" },
      httpChunk(new Uint8Array([...partHead("a", "a.core.gz"), ...half(gz)])),
    ],
  ];
  try {
    for (const [name, path, headers, sent] of cases) {
      await ctx.step(name, async () => {
        const before = t.logs.length;
        const c = await RawClient.connect(server.port);
        await c.write(requestHead("POST", path, headers));
        await c.write(sent);
        await waitFor(
          "the upload to be in progress",
          async () => (await filesUnder(`${t.dir}/tmp`)).length > 0,
        );
        c.close();
        await waitFor("the request to end", () => t.logs.length > before);
        const rec = t.logs[before]!;
        assert.equal(rec.path, path.split("?")[0]);
        assert.equal(rec.status, 400, JSON.stringify(rec));
        assert.equal(rec.problem, "client-closed");
        assert.ok((rec.bytesIn as number) > 0);
        await assertTmpEmpty(t.dir);
        assert.deepEqual(await openFilesUnder(t.dir), [], "no file left open");
        assert.equal(await stored(t.dir, "digests"), 0, "no digest stored");
        assert.equal(await stored(t.dir, "reports"), 0, "no report stored");
        assert.equal(await stored(t.dir, "cores"), 0, "no raw core kept");
        assert.equal((await health(server.port)).status, 200);
      });
    }
    const ok = await send(server.port, "POST", "/v1/cores", core);
    assert.equal(ok.status, 201, ok.body);
    await assertTmpEmpty(t.dir);
  } finally {
    await server.close();
    await t.cleanup();
  }
});

Deno.test("SIGTERM mid-upload: the upload drains to 201, new requests get 503, exit 0, no temp file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "coredelta-faults-" });
  const s = await spawnServe(`${dir}/data`, ["--drain", "5"]);
  try {
    const core = loadCore("f033", "kernel");
    const c = await RawClient.connect(s.port);
    await c.write(requestHead("POST", "/v1/cores", { "Content-Length": core.length }));
    await c.write(core.subarray(0, 256 * 1024));
    await waitFor(
      "the upload to start",
      async () => (await filesUnder(`${dir}/data/tmp`)).length > 0,
    );
    const t0 = performance.now();
    s.child.kill("SIGTERM");
    await waitFor("draining", () => s.lines.some((l) => JSON.parse(l).msg === "draining"));
    const h = await health(s.port);
    assert.equal(h.status, 503);
    assert.equal(JSON.parse(h.body).status, "draining");
    const refused = await send(s.port, "POST", "/v1/cores", core);
    assert.equal(refused.status, 503, refused.body);
    assert.equal(JSON.parse(refused.body).type, `${PROBLEM}unavailable`);
    assert.match(refused.headers, /^retry-after: 5$/im);
    await c.writeSlowly(core.subarray(256 * 1024), 128 * 1024, 20);
    const got = await c.response();
    c.close();
    assert.equal(got.status, 201, got.body);
    assert.equal(JSON.parse(got.body).summary.size, core.length);
    assert.equal((await s.child.status).code, 0);
    assert.ok(performance.now() - t0 < 5000, "exited within the drain time");
    await s.done;
    const msgs = s.lines.map((l) => JSON.parse(l).msg);
    assert.equal(msgs.at(-1), "stopped");
    assert.deepEqual(await filesUnder(`${dir}/data/tmp`), []);
    assert.equal(await stored(`${dir}/data`, "digests"), 1);
  } finally {
    await s.kill();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("SIGTERM with a stalled multipart upload: 503 at the drain time, exit 0, no temp file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "coredelta-faults-" });
  const s = await spawnServe(`${dir}/data`, ["--drain", "1"]);
  try {
    const gz = await Deno.readFile(fixturePath("f07f", "kernel.core.gz"));
    const c = await RawClient.connect(s.port);
    await c.write(
      requestHead("POST", "/v1/diff?keep=true", {
        "Content-Type": MULTIPART_TYPE,
        "Content-Length": 2 * gz.length + 1000,
      }),
    );
    await c.write(partHead("a", "kernel.core.gz"));
    await c.write(gz.subarray(0, gz.length >> 1));
    await waitFor(
      "the upload to start",
      async () => (await filesUnder(`${dir}/data/tmp`)).length > 0,
    );
    const t0 = performance.now();
    s.child.kill("SIGTERM");
    const got = await c.response(6000);
    const answeredMs = performance.now() - t0;
    c.close();
    assert.equal(got.status, 503, got.body);
    assert.equal(JSON.parse(got.body).type, `${PROBLEM}unavailable`);
    assert.ok(answeredMs >= 900 && answeredMs < 4000, `answered after ${answeredMs} ms`);
    assert.deepEqual(await filesUnder(`${dir}/data/tmp`), [], "cleaned up before answering");
    assert.equal((await s.child.status).code, 0);
    assert.ok(performance.now() - t0 < 4000, "exited soon after the drain time");
    await s.done;
    assert.deepEqual(await filesUnder(`${dir}/data/tmp`), []);
    assert.equal(await stored(`${dir}/data`, "cores"), 0);
    assert.equal(await stored(`${dir}/data`, "reports"), 0);
  } finally {
    await s.kill();
    await Deno.remove(dir, { recursive: true });
  }
});

/** A core whose layout forces a spill (extended numbering), of about `mib` MiB of saved pages. */
function spillingCore(mib: number): Uint8Array {
  const data = new Uint8Array(mib * 1024 * 1024);
  for (let i = 0; i < data.length; i += 4096) data[i] = (i >> 12) & 0xff;
  return buildCore({
    extendedNumbering: true,
    notes: [{ owner: "CORE", type: 1, desc: prstatusX86_64(7, 11, 0x1000n) }],
    loads: [{ vaddr: 0x10000000n, memsz: BigInt(data.length), data }],
  }).bytes;
}

function problemOf(body: string): { type: string; status: number } {
  return JSON.parse(body);
}

// A real full disk needs a tmpfs, which only root (CAP_SYS_ADMIN) may mount: probe once.
const PROBE = await mountTmpfs(1024 * 1024);
await PROBE?.unmount();

Deno.test({
  name: "a full data directory (2 MiB tmpfs) gives 507 at every write site and no partial object",
  ignore: !PROBE,
  async fn(ctx) {
    const fs = (await mountTmpfs(2 * 1024 * 1024))!;
    let server: Awaited<ReturnType<typeof listen>> | undefined;
    try {
      const storage = await openLocalStorage(`${fs.dir}/data`);
      const logs: LogRecord[] = [];
      const app = createApp({ storage, logger: { log: (r) => void logs.push(r) } });
      server = await listen(app);
      const port = server.port;
      const data = `${fs.dir}/data`;
      const kernel = loadCore("f033", "kernel"), gdb = loadCore("f033", "gdb");
      const expect507 = async (name: string, path: string, body: Uint8Array, type?: string) => {
        await ctx.step(name, async () => {
          const r = await send(port, "POST", path, body, type ? { "Content-Type": type } : {});
          assert.equal(r.status, 507, r.body);
          assert.match(r.headers, /^content-type: application\/problem\+json/im);
          assert.equal(problemOf(r.body).type, `${PROBLEM}insufficient-storage`);
          await assertTmpEmpty(data);
          assert.deepEqual(await openFilesUnder(fs.dir), [], "no file left open (space held)");
          assert.equal((await health(port)).status, 200);
        });
      };
      // Leave ~256 KiB: a 1 MiB raw copy (keep=true) or spill cannot fit, a digest can.
      await fillDisk(`${fs.dir}/filler`, 2 * 1024 * 1024 - 256 * 1024);
      await expect507("raw copy of keep=true", "/v1/cores?keep=true", kernel);
      await expect507("spill of a core that needs random access", "/v1/cores", spillingCore(1));
      assert.equal(await stored(data, "digests"), 0);
      assert.equal(await stored(data, "cores"), 0);
      // Now nothing at all is left: storing the digests or the report fails.
      await fillDisk(`${fs.dir}/filler2`);
      await expect507(
        "digests and report of a diff",
        "/v1/diff",
        multipartBody([["a", kernel, "a"], ["b", gdb, "b"]]),
        MULTIPART_TYPE,
      );
      assert.equal(await stored(data, "reports"), 0, "no report stored");
      assert.ok(logs.some((r) => r.level === "error" && r.problem === "insufficient-storage"));
      // Room again: the same requests succeed.
      await Deno.remove(`${fs.dir}/filler`);
      await Deno.remove(`${fs.dir}/filler2`);
      const ok = await send(port, "POST", "/v1/cores?keep=true", kernel);
      assert.equal(ok.status, 201, ok.body);
      const diff = await send(
        port,
        "POST",
        "/v1/diff",
        multipartBody([["a", kernel, "a"], ["b", gdb, "b"]]),
        { "Content-Type": MULTIPART_TYPE },
      );
      assert.equal(diff.status, 201, diff.body);
      await assertTmpEmpty(data);
    } finally {
      await server?.close();
      await fs.unmount();
    }
  },
});

Deno.test("a storage that fails with ENOSPC gives 507 on every upload route, then recovers", async () => {
  const dir = await Deno.makeTempDir({ prefix: "coredelta-faults-" });
  const storage = new FullStorage(await openLocalStorage(dir));
  const logs: LogRecord[] = [];
  const app = createApp({ storage, logger: { log: (r) => void logs.push(r) } });
  try {
    const kernel = loadCore("f033", "kernel"), gdb = loadCore("f033", "gdb");
    const up = (body: Uint8Array, path = "/v1/cores") => request(app, path, body);
    const ids = [(await (await up(kernel)).json()).id, (await (await up(gdb)).json()).id];
    storage.full = true;
    const form = () => multipartBody([["a", kernel, "a"], ["b", gdb, "b"]]);
    const attempts: [string, Promise<Response>][] = [
      ["cores", up(kernel)],
      ["cores keep", up(gdb, "/v1/cores?keep=true")],
      ["diff", request(app, "/v1/diff", form(), { "content-type": MULTIPART_TYPE })],
      [
        "diffs",
        request(app, "/v1/diffs", JSON.stringify({ a: ids[0], b: ids[1] }), {
          "content-type": "application/json",
        }),
      ],
    ];
    for (const [name, p] of attempts) {
      const r = await p;
      assert.equal(r.status, 507, name);
      const body = await r.json();
      assert.equal(body.type, `${PROBLEM}insufficient-storage`, name);
      assert.doesNotMatch(body.detail, /\//, "no path in the detail");
    }
    assert.ok(storage.refused >= 4);
    assert.equal(await stored(dir, "reports"), 0);
    assert.equal(await stored(dir, "cores"), 0);
    assert.deepEqual(await filesUnder(`${dir}/tmp`), []);
    assert.equal((await app.request("/health")).status, 200);
    storage.full = false;
    assert.equal((await up(gdb, "/v1/cores?keep=true")).status, 201);
    const again = await app.request("/v1/diffs", {
      method: "POST",
      body: JSON.stringify({ a: ids[0], b: ids[1] }),
      headers: { "content-type": "application/json" },
    });
    assert.equal(again.status, 201);
    await again.body?.cancel();
    assert.equal(logs.filter((r) => r.status === 507).length, 4);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("stored digests and reports corrupted on disk give a stable 500, and a re-upload repairs", async () => {
  const t = await testApp();
  const json = (body: unknown) => ({
    method: "POST",
    body: JSON.stringify(body),
    headers: { "content-type": "application/json" },
  });
  try {
    const kernel = loadCore("f033", "kernel"), gdb = loadCore("f033", "gdb");
    const up = async (b: Uint8Array) =>
      (await (await request(t.app, "/v1/cores", b)).json()).id as string;
    const [a, b] = [await up(kernel), await up(gdb)];
    const first = await t.app.request("/v1/diffs", json({ a, b }));
    assert.equal(first.status, 201);
    const report = first.headers.get("coredelta-report-id")!;
    await first.body?.cancel();

    const digestFile = `${t.dir}/digests/${a}`;
    const good = await Deno.readFile(digestFile);
    const flipped = good.slice();
    flipped[flipped.length >> 1]! ^= 0x40;
    const reportFile = `${t.dir}/reports/${report}`;
    const goodReport = await Deno.readFile(reportFile);
    const badReport = goodReport.slice();
    badReport[goodReport.indexOf(enc.encode("verdict")[0]!, 20)]! ^= 0x01; // still valid JSON
    const corruptions: [string, () => Promise<void>][] = [
      ["a flipped byte", () => Deno.writeFile(digestFile, flipped)],
      ["a truncated file", () => Deno.writeFile(digestFile, good.subarray(0, 100))],
      ["an empty file", () => Deno.writeFile(digestFile, new Uint8Array())],
    ];
    for (const [what, corrupt] of corruptions) {
      await corrupt();
      for (
        const [path, init] of [
          [`/v1/cores/${a}`, {}],
          [`/v1/cores/${a}/digest`, {}],
          ["/v1/diffs", json({ a, b })],
        ] as const
      ) {
        const r = await t.app.request(path, init);
        assert.equal(r.status, 500, `${what}: ${path}`);
        assert.equal(r.headers.get("content-type"), "application/problem+json");
        const p = await r.json();
        assert.equal(p.type, `${PROBLEM}stored-data-corrupt`, `${what}: ${path}`);
        assert.equal(p.id, a);
      }
    }
    await Deno.writeFile(reportFile, badReport);
    const r = await t.app.request(`/v1/reports/${report}?format=text`);
    assert.equal(r.status, 500);
    assert.equal((await r.json()).type, `${PROBLEM}stored-data-corrupt`);
    assert.ok(
      t.logs.some((l) => l.msg === "unhandled error" && /does not match/.test(String(l.error))),
      "the operator's log names the corrupt object",
    );
    assert.equal((await t.app.request("/health")).status, 200);

    // Content addressing heals: uploading the same core (and diffing again) rewrites the objects.
    assert.equal(await up(kernel), a);
    assert.deepEqual(await Deno.readFile(digestFile), good);
    const healed = await t.app.request(`/v1/cores/${a}`);
    assert.equal(healed.status, 200);
    await healed.body?.cancel();
    const again = await t.app.request("/v1/diffs", json({ a, b }));
    assert.equal(again.headers.get("coredelta-report-id"), report);
    await again.body?.cancel();
    assert.equal((await t.app.request(`/v1/reports/${report}`)).status, 200);
    assert.deepEqual(await t.leftovers(), []);
  } finally {
    await t.cleanup();
  }
});

/**
 * The fuzzer's out-of-memory case: f023's kernel core with 5 bytes changed, so that a note's
 * `n_namesz` is 0xffffdbff. Rounding it up with a 32-bit mask wrapped to a negative size, the note
 * walk went backwards and cycled, collecting notes until the heap (4 GiB) was gone.
 */
function wrappingNoteCore(): Uint8Array {
  const core = loadCore("f023", "kernel");
  for (const [at, v] of [[0x2fa, 255], [0x4470, 255], [0x4471, 0], [0x4474, 0], [0x4475, 0]]) {
    core[at!] = v!;
  }
  return core;
}

Deno.test("a served process survives hang-ups and a hostile core (found by the fuzzer: OOM)", async () => {
  // Guards against a fault taking the server process down (not just failing one request).
  const dir = await Deno.makeTempDir({ prefix: "coredelta-faults-" });
  const s = await spawnServe(`${dir}/data`, ["--drain", "2"]);
  try {
    const hostile = await send(s.port, "POST", "/v1/cores", wrappingNoteCore());
    assert.equal(hostile.status, 422, hostile.body);
    const p = JSON.parse(hostile.body);
    assert.equal(p.type, `${PROBLEM}elf-format`);
    assert.equal(p.field, "n_namesz");
    const core = loadCore("f033", "kernel");
    for (let i = 0; i < 3; i++) {
      const c = await RawClient.connect(s.port);
      await c.write(requestHead("POST", "/v1/cores", { "Content-Length": core.length }));
      await c.write(core.subarray(0, 100_000));
      await sleep(50);
      c.close();
    }
    await assertTmpEmpty(`${dir}/data`);
    const ok = await send(s.port, "POST", "/v1/cores", core);
    assert.equal(ok.status, 201, ok.body);
    assert.equal((await health(s.port)).status, 200);
    s.child.kill("SIGTERM");
    assert.equal((await s.child.status).code, 0);
  } finally {
    await s.kill();
    await Deno.remove(dir, { recursive: true });
  }
});
