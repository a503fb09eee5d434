/**
 * Storage faults the service must survive: a full data directory (a real 2 MiB tmpfs where this
 * process may mount one, and always a storage whose writes fail with ENOSPC) answered with 507 and
 * no partial object, and stored objects corrupted on disk answered with a stable 500 problem.
 */

import assert from "node:assert/strict";
import { loadCore } from "../test/_fixtures.ts";
import { createApp } from "./app.ts";
import type { LogRecord } from "./deps.ts";
import { openLocalStorage } from "./storage.ts";
import { filesUnder, testApp } from "../test/_api.ts";
import {
  assertTmpEmpty,
  health,
  listen,
  MULTIPART_TYPE,
  multipartBody,
  openFilesUnder,
  PROBLEM,
  problemOf,
  request,
  send,
  spillingCore,
  stored,
} from "../test/_api_faults.ts";
import { fillDisk, FullStorage, mountTmpfs } from "../test/_disk_faults.ts";

const enc = new TextEncoder();

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
