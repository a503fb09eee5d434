/**
 * Cores hold secrets (the fixture process wrote a marker string into one of its pages). Over a whole
 * API session (uploads, diffs in every format, stored reports, predictions, and the errors of
 * malformed uploads) the marker must never reach the request log, a response body or header, or a
 * stored digest or report. Temporary files are owner-only (files 0600, directories 0700), checked
 * while an upload is in progress; raw cores are deleted unless `keep=true`, and kept ones go with
 * their digest's retention.
 */

import assert from "node:assert/strict";
import { zstdCompressSync } from "node:zlib";
import { fixturePath, loadCore, manifest, readFixtureText } from "../test/_fixtures.ts";
import type { createApp } from "./app.ts";
import { filesUnder, type TestApp, testApp } from "../test/_api.ts";
import { gzip, MULTIPART_TYPE, multipartBody, spillingCore, waitFor } from "../test/_api_faults.ts";

const MARKER = manifest("f033").marker.text;
const enc = new TextEncoder();
const FORMATS = ["json", "text", "md", "junit", "html"];

/** Whether `needle` occurs in `hay`. */
function contains(hay: Uint8Array, needle: Uint8Array): boolean {
  if (needle.length === 0) return true;
  for (let i = hay.indexOf(needle[0]!); i >= 0; i = hay.indexOf(needle[0]!, i + 1)) {
    if (i + needle.length > hay.length) return false;
    let j = 1;
    while (j < needle.length && hay[i + j] === needle[j]) j++;
    if (j === needle.length) return true;
  }
  return false;
}

/**
 * Every form the marker (or a recognisable part of it) could take in text: as is, its first 12
 * characters, and as hex of every 8-byte window in both byte orders (how an error's `value` would
 * print page bytes read as a 64-bit header field). A 4-byte field read from the page does show up
 * (`n_namesz = 0x45524f43` is "CORE"): at most 8 bytes of the client's own upload, in the answer to
 * that client only, never in the log.
 */
function markerForms(): string[] {
  const bytes = enc.encode(MARKER);
  const hex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  const forms = [MARKER, MARKER.slice(0, 12)];
  for (let i = 0; i + 8 <= bytes.length; i++) {
    const w = bytes.subarray(i, i + 8);
    forms.push(hex(w), hex(w.slice().reverse()).replace(/^0+/, ""));
  }
  return forms;
}
const FORMS = markerForms();

/** Fails if `text` holds any form of the marker. */
function assertClean(text: string, where: string): void {
  const lower = text.toLowerCase();
  for (const f of FORMS) assert.ok(!lower.includes(f.toLowerCase()), `${where} contains ${f}`);
}

/** Files under the data directory whose bytes hold the marker. */
async function filesWithMarker(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const f of await filesUnder(dir)) {
    if (f.endsWith("/")) continue;
    if (contains(await Deno.readFile(f), enc.encode(MARKER))) out.push(f.slice(dir.length + 1));
  }
  return out;
}

/** Records every response of a session: status, headers and body. */
class Session {
  readonly seen: { what: string; status: number; text: string }[] = [];
  constructor(readonly t: TestApp) {}

  async call(
    what: string,
    path: string,
    body?: Uint8Array | string | ReadableStream<Uint8Array>,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; text: string; headers: Headers }> {
    const init: RequestInit = body === undefined ? {} : {
      method: "POST",
      body: body as BodyInit,
      headers,
      ...(body instanceof ReadableStream ? { duplex: "half" } : {}),
    };
    const res = await Promise.resolve(this.t.app.request(path, init));
    const text = new TextDecoder().decode(new Uint8Array(await res.arrayBuffer()));
    const head = [...res.headers].map(([k, v]) => `${k}: ${v}`).join("\n");
    this.seen.push({ what, status: res.status, text: `${head}\n\n${text}` });
    return { status: res.status, text, headers: res.headers };
  }
}

Deno.test("the marker never reaches logs, responses, or stored digests and reports", async () => {
  const t = await testApp({
    limits: { maxUploadBytes: 8 * 1024 * 1024, maxCoreBytes: 8 * 1024 * 1024 },
  });
  const s = new Session(t);
  try {
    const kernel = loadCore("f033", "kernel"), gdb = loadCore("f033", "gdb");
    for (const c of [kernel, gdb]) {
      assert.ok(contains(c, enc.encode(MARKER)), "the marker is in the cores (the test can fail)");
    }
    const kernelGz = await Deno.readFile(fixturePath("f033", "kernel.core.gz"));
    const gdbGz = await Deno.readFile(fixturePath("f033", "gdb.core.gz"));
    const smaps = readFixtureText("f033", "smaps.txt")!;
    const created = async (what: string, path: string, body: Uint8Array | string, h = {}) => {
      const r = await s.call(what, path, body, h);
      assert.ok(r.status === 201 || r.status === 200, `${what}: ${r.status} ${r.text}`);
      return r;
    };

    // Uploads: plain, gzip, zstd, kept, and a digest in place of a core.
    const a = JSON.parse((await created("plain", "/v1/cores", kernel)).text).id;
    const b = JSON.parse((await created("gzip", "/v1/cores", gdbGz)).text).id;
    await created("zstd", "/v1/cores", new Uint8Array(zstdCompressSync(kernel)));
    await created("keep", "/v1/cores?keep=true", kernel);
    await s.call("summary", `/v1/cores/${a}`);
    const dl = await Promise.resolve(t.app.request(`/v1/cores/${a}/digest`));
    const digest = new Uint8Array(await dl.arrayBuffer());
    assert.ok(!contains(digest, enc.encode(MARKER)), "the downloaded digest holds no page bytes");
    await created("digest as core", "/v1/cores", digest);

    // Diffs in every format, uploaded and stored; the stored reports in every format.
    const form = multipartBody([
      ["a", kernelGz, "kernel.core.gz"],
      ["b", gdbGz, "gdb.core.gz"],
      ["smaps", enc.encode(smaps), "smaps.txt"],
      ["filter", enc.encode("0x33")],
    ]);
    const reports = new Set<string>();
    for (const f of FORMATS) {
      const r = await created(`diff ${f}`, `/v1/diff?format=${f}`, form, {
        "content-type": MULTIPART_TYPE,
      });
      reports.add(r.headers.get("coredelta-report-id")!);
      const j = await created(`diffs ${f}`, `/v1/diffs?format=${f}`, JSON.stringify({ a, b }), {
        "content-type": "application/json",
      });
      reports.add(j.headers.get("coredelta-report-id")!);
    }
    for (const id of reports) {
      for (const f of FORMATS) await s.call(`report ${f}`, `/v1/reports/${id}?format=${f}`);
    }
    // Predictions.
    await created(
      "predict multipart",
      "/v1/predict?format=text",
      multipartBody([["smaps", enc.encode(smaps), "smaps.txt"], ["filter", enc.encode("0x33")]]),
      { "content-type": MULTIPART_TYPE },
    );
    await created("predict json", "/v1/predict", JSON.stringify({ smaps, filter: "0x33" }), {
      "content-type": "application/json",
    });

    // Malformed and hostile uploads, each built around the page that holds the marker. Most are
    // 4xx; a header pointing into the page may still parse (as a core with odd tables): no 5xx.
    const at = kernel.indexOf(enc.encode(MARKER)[0]!, 0);
    const markerAt = (() => {
      for (let i = at; i >= 0; i = kernel.indexOf(enc.encode(MARKER)[0]!, i + 1)) {
        if (contains(kernel.subarray(i, i + MARKER.length), enc.encode(MARKER))) return i;
      }
      throw new Error("marker not found");
    })();
    const pageOf = markerAt - (markerAt % 4096);
    const errors: [string, string, Uint8Array, Record<string, string>?][] = [];
    const phoffInPage = kernel.slice();
    new DataView(phoffInPage.buffer).setBigUint64(32, BigInt(markerAt - 8), true);
    errors.push(["e_phoff into the marker page", "/v1/cores", phoffInPage]);
    const noteInPage = kernel.slice();
    const ph0 = Number(new DataView(kernel.buffer).getBigUint64(32, true));
    new DataView(noteInPage.buffer).setBigUint64(ph0 + 8, BigInt(markerAt), true); // PT_NOTE p_offset
    errors.push(["PT_NOTE pointing at the marker", "/v1/cores", noteInPage]);
    errors.push(["truncated gzip", "/v1/cores", kernelGz.subarray(0, kernelGz.length * 0.6)]);
    errors.push(["the marker page alone", "/v1/cores", kernel.slice(pageOf, pageOf + 4096)]);
    errors.push([
      "ELF header then the marker page",
      "/v1/cores",
      new Uint8Array([
        ...kernel.subarray(0, 64),
        ...kernel.subarray(pageOf, pageOf + 4096),
      ]),
    ]);
    const badDigest = digest.slice();
    badDigest[badDigest.length >> 1]! ^= 0xff;
    errors.push(["corrupt digest", "/v1/cores", badDigest]);
    const padded = new Uint8Array(9 * 1024 * 1024);
    padded.set(kernel);
    errors.push(["too large", "/v1/cores", padded]);
    errors.push([
      "core sent as the smaps part",
      "/v1/diff",
      multipartBody([["a", kernelGz, "a"], ["b", gdbGz, "b"], ["smaps", kernel, "smaps.txt"]]),
      { "content-type": MULTIPART_TYPE },
    ]);
    errors.push([
      "b is the marker page",
      "/v1/diff",
      multipartBody([["a", kernelGz, "a"], ["b", kernel.slice(pageOf, pageOf + 4096), "b"]]),
      { "content-type": MULTIPART_TYPE },
    ]);
    errors.push([
      "core sent to predict as smaps",
      "/v1/predict",
      multipartBody([["smaps", kernel, "smaps"], ["filter", enc.encode("0x33")]]),
      { "content-type": MULTIPART_TYPE },
    ]);
    // A header that calls the marker page its program header table is accepted, and the digest's
    // skeleton keeps the bytes the header names as tables, verbatim (that is what the digest is).
    const hostile = new Set<string>();
    for (const [what, path, body, headers] of errors) {
      const r = await s.call(what, path, body, headers);
      assert.ok(r.status < 500, `${what}: ${r.status} ${r.text}`);
      if (r.status === 201) hostile.add(JSON.parse(r.text).id);
    }
    // A body that ends early (the client went away).
    let sent = 0;
    const broken = new ReadableStream<Uint8Array>({
      pull(ctl) {
        if (sent > kernel.length / 2) return ctl.error(new Error("connection reset"));
        ctl.enqueue(kernel.slice(sent, sent + 65536));
        sent += 65536;
      },
    });
    assert.equal((await s.call("client gone", "/v1/cores", broken)).status, 400);
    assert.ok(s.seen.filter((r) => r.status >= 400).length >= 9, "errors were produced");

    assert.ok(s.seen.length >= 35, `${s.seen.length} responses`);
    for (const r of s.seen) assertClean(r.text, `${r.what} (${r.status})`);
    assert.ok(t.logs.length >= s.seen.length);
    assertClean(JSON.stringify(t.logs), "the request log");
    assert.deepEqual(await filesWithMarker(`${t.dir}/reports`), [], "stored reports");
    for (const f of await filesUnder(`${t.dir}/reports`)) {
      assertClean(new TextDecoder().decode(await Deno.readFile(f)), f);
    }
    const leaky = (await filesWithMarker(`${t.dir}/digests`)).map((f) => f.split("/").pop()!);
    assert.deepEqual(
      leaky.filter((id) => !hostile.has(id)),
      [],
      "no digest of a well-formed core holds page bytes",
    );
    assert.deepEqual(
      (await filesWithMarker(t.dir)).filter((f) => !hostile.has(f.split("/").pop()!))
        .map((f) => f.split("/")[0]),
      ["cores"],
      "only the kept raw core holds the marker",
    );
    assert.deepEqual(await t.leftovers(), []);
  } finally {
    await t.cleanup();
  }
});

/** A body that sends `bytes` up to `pauseAt`, then waits for `resume()`. */
function pausedBody(bytes: Uint8Array, pauseAt: number) {
  const gate = Promise.withResolvers<void>();
  let at = 0;
  const stream = new ReadableStream<Uint8Array>({
    async pull(ctl) {
      if (at >= pauseAt) await gate.promise;
      if (at >= bytes.length) return ctl.close();
      ctl.enqueue(bytes.slice(at, Math.min(at + 65536, bytes.length)));
      at += 65536;
    },
  });
  return { stream, resume: () => gate.resolve() };
}

const mode = async (path: string) => (await Deno.stat(path)).mode! & 0o777;

/** Checks every entry under `dir`: directories 0700, files 0600. */
async function assertPrivate(dir: string): Promise<string[]> {
  const entries = await filesUnder(dir);
  for (const e of entries) {
    const want = e.endsWith("/") ? 0o700 : 0o600;
    let got: number;
    try {
      got = await mode(e.replace(/\/$/, ""));
    } catch (err) {
      // A spill is unlinked right after it is created: it may vanish between listing and stat.
      if (err instanceof Deno.errors.NotFound && /spill/.test(e)) continue;
      throw err;
    }
    assert.equal(got.toString(8), want.toString(8), e.slice(dir.length));
  }
  return entries;
}

async function whileInProgress(
  t: TestApp,
  app: ReturnType<typeof createApp>,
  path: string,
  body: Uint8Array,
  headers: Record<string, string>,
  expect: RegExp[],
): Promise<string> {
  const { stream, resume } = pausedBody(body, body.length >> 1);
  const pending = Promise.resolve(
    app.request(path, { method: "POST", body: stream, headers, duplex: "half" } as RequestInit),
  );
  let entries: string[] = [];
  try {
    await waitFor(`temporary files ${expect.join(", ")}`, async () => {
      entries = (await filesUnder(`${t.dir}/tmp`)).map((e) => e.slice(t.dir.length + 5));
      return expect.every((re) => entries.some((e) => re.test(e)));
    });
    await assertPrivate(`${t.dir}/tmp`);
    assert.equal(await mode(`${t.dir}/tmp`), 0o700);
  } finally {
    resume();
  }
  const res = await pending;
  const text = await res.text();
  assert.equal(res.status, 201, text);
  return entries.join(" ");
}

Deno.test("temporary files are owner-only while an upload is in progress; stored ones too", async () => {
  const t = await testApp();
  try {
    const core = spillingCore(4);
    // The spill is unlinked at creation (runtime/spill_test.ts): only the raw copy has a name.
    await whileInProgress(t, t.app, "/v1/cores?keep=true", core, {}, [/^req-\w+\/raw$/]);
    const kernel = loadCore("f033", "kernel");
    await whileInProgress(
      t,
      t.app,
      "/v1/diff?keep=true",
      multipartBody([["a", core, "a"], ["b", gzip(kernel), "b"]]),
      { "content-type": MULTIPART_TYPE },
      [/^req-\w+\/raw-a$/],
    );
    assert.deepEqual(await t.leftovers(), []);
    // What stays: the layout 0700, every stored object 0600.
    for (const d of ["digests", "reports", "cores", "tmp"]) {
      assert.equal(await mode(`${t.dir}/${d}`), 0o700, d);
    }
    const stored = await assertPrivate(t.dir);
    assert.ok(stored.filter((e) => /\/cores\/[0-9a-f]{64}$/.test(e)).length >= 1);
    assert.ok(stored.filter((e) => /\/reports\/[0-9a-f]{64}$/.test(e)).length === 1);
  } finally {
    await t.cleanup();
  }
});

Deno.test("raw cores are deleted unless keep=true, and kept ones go with their retention", async () => {
  let now = Date.now();
  const t = await testApp({
    retention: { maxCount: 3, maxAgeMs: 60_000 },
    clock: { now: () => now },
  });
  const up = async (body: Uint8Array, keep: boolean) => {
    const res = await Promise.resolve(
      t.app.request(
        `/v1/cores${keep ? "?keep=true" : ""}`,
        { method: "POST", body } as RequestInit,
      ),
    );
    const j = await res.json();
    assert.equal(res.status, 201, JSON.stringify(j));
    assert.equal(j.kept, keep);
    now += 1000; // distinct ages, oldest first
    return j.id as string;
  };
  const cores = async () => (await filesUnder(`${t.dir}/cores`)).map((f) => f.split("/").pop()!);
  try {
    const [k, g] = [loadCore("f033", "kernel"), loadCore("f033", "gdb")];
    await up(k, false);
    assert.deepEqual(await cores(), [], "not kept");
    assert.deepEqual(await filesWithMarker(t.dir), [], "no raw bytes anywhere");
    const keptK = await up(k, true);
    const keptG = await up(g, true);
    assert.deepEqual((await cores()).sort(), [keptK, keptG].sort());
    assert.equal((await filesWithMarker(t.dir)).length, 2);
    // Count retention (3 digests): two newer digests push keptK's digest out, its core with it.
    await up(loadCore("f023", "kernel"), false);
    await up(loadCore("f023", "gdb"), false);
    assert.deepEqual(await cores(), [keptG]);
    await assert.rejects(Deno.stat(`${t.dir}/digests/${keptK}`), Deno.errors.NotFound);
    // Age retention: a minute later, the next upload prunes everything older.
    now += 120_000;
    await up(loadCore("f03f", "kernel"), false);
    assert.deepEqual(await cores(), []);
    assert.deepEqual(await filesWithMarker(t.dir), [], "no raw core left anywhere");
    assert.deepEqual(await t.leftovers(), []);
  } finally {
    await t.cleanup();
  }
});
