/**
 * Hostile but ordinary uploads over a real socket, with real chunking (`app.request()` delivers a
 * body in one piece and hid these): bad ELF headers in raw bodies that arrive in many reads, and cut
 * or corrupt compressed streams of every codec, on `/v1/cores` and `/v1/diff`. All are 422.
 */

import assert from "node:assert/strict";
import { gzipSync, zstdCompressSync } from "node:zlib";
import { concat } from "../lib/bytes/streams.ts";
import {
  httpChunk,
  listen,
  MULTIPART_TYPE,
  multipartBody,
  problemOf,
  RawClient,
  requestHead,
} from "./_api_faults.ts";
import { testApp } from "./_api.ts";
import { loadCore } from "./_fixtures.ts";

const core = loadCore("f033", "kernel");

/** `core` with bytes set at offsets. */
function patched(edits: [number, number][]): Uint8Array {
  const c = core.slice();
  for (const [at, v] of edits) c[at] = v;
  return c;
}

const BAD_HEADERS: [string, Uint8Array][] = [
  ["text file", new TextEncoder().encode("# README\n".repeat(20_000))],
  ["e_ident magic", patched([[1, 0x46]])],
  ["e_ident class", patched([[4, 7]])],
  ["e_ident data", patched([[5, 9]])],
  ["e_type", patched([[16, 2]])],
  ["e_phentsize", patched([[54, 0x20]])],
];

/** Sends `body` in chunked transfer encoding, `piece` bytes per chunk with a pause between. */
async function sendChunked(
  port: number,
  method: string,
  path: string,
  body: Uint8Array,
  headers: Record<string, string> = {},
  piece = 8192,
): Promise<{ status: number; headers: string; body: string }> {
  const c = await RawClient.connect(port);
  try {
    await c.write(
      requestHead(method, path, {
        "Transfer-Encoding": "chunked",
        Connection: "close",
        ...headers,
      }),
    );
    try {
      for (let at = 0; at < body.length; at += piece) {
        await c.write(httpChunk(body.subarray(at, at + piece)));
        if ((at / piece) % 4 === 0) await new Promise((r) => setTimeout(r, 1));
      }
      await c.write("0\r\n\r\n");
    } catch { /* the server answered early and closed */ }
    return await c.response(15000);
  } finally {
    c.close();
  }
}

/** Same with a Content-Length, written in pieces. */
async function sendSized(
  port: number,
  path: string,
  body: Uint8Array,
): Promise<{ status: number; body: string }> {
  const c = await RawClient.connect(port);
  try {
    await c.write(requestHead("PUT", path, { "Content-Length": body.length, Connection: "close" }));
    await c.writeSlowly(body, 16384, 1).catch(() => {});
    return await c.response(15000);
  } finally {
    c.close();
  }
}

async function xzAsync(bytes: Uint8Array): Promise<Uint8Array> {
  const p = new Deno.Command("xz", { args: ["-1", "-c"], stdin: "piped", stdout: "piped" }).spawn();
  const w = p.stdin.getWriter();
  await w.write(bytes);
  await w.close();
  return (await p.output()).stdout;
}

Deno.test("a raw upload with a bad header, in many reads, is a 422 (not a 500)", async () => {
  const t = await testApp();
  const server = await listen(t.app);
  try {
    for (const [what, body] of BAD_HEADERS) {
      for (const method of ["PUT", "POST"]) {
        const r = await sendChunked(server.port, method, "/v1/cores", body);
        assert.equal(r.status, 422, `${what} ${method} chunked: ${r.body}`);
        assert.match(r.headers, /content-type: application\/problem\+json/i);
        assert.equal(problemOf(r.body).status, 422);
      }
      const r = await sendSized(server.port, "/v1/cores", body);
      assert.equal(r.status, 422, `${what} with Content-Length: ${r.body}`);
    }
    assert.deepEqual(t.logs.filter((l) => l.level === "error"), []);
  } finally {
    await server.close();
    await t.cleanup();
  }
});

Deno.test("cut or corrupt gzip, zstd and xz streams are 422 on /v1/cores and /v1/diff", async () => {
  const t = await testApp();
  const server = await listen(t.app);
  try {
    const gz = new Uint8Array(gzipSync(core));
    const zst = new Uint8Array(zstdCompressSync(core));
    const xzb = await xzAsync(core);
    const corruptXz = xzb.slice();
    for (let i = 200; i < 400; i++) corruptXz[i]! ^= 0x5a;
    const cases: [string, Uint8Array][] = [
      ["gzip cut", gz.subarray(0, Math.floor(gz.length / 2))],
      ["zstd cut", zst.subarray(0, Math.floor(zst.length / 2))],
      ["zstd cut in a block header", zst.subarray(0, 7)],
      ["xz cut", xzb.subarray(0, Math.floor(xzb.length / 2))],
      ["xz corrupt", corruptXz],
    ];
    for (const [what, body] of cases) {
      const r = await sendChunked(server.port, "PUT", "/v1/cores", body);
      assert.equal(r.status, 422, `${what} /v1/cores: ${r.body}`);
      assert.match(problemOf(r.body).type, /decompression|core-format|truncated/, what);
      const d = await sendChunked(
        server.port,
        "POST",
        "/v1/diff",
        multipartBody([["a", body, "a.core"], ["b", core, "b.core"]]),
        { "Content-Type": MULTIPART_TYPE },
      );
      assert.equal(d.status, 422, `${what} /v1/diff: ${d.body}`);
    }
    // Whole streams of every codec still work.
    for (const body of [gz, zst, xzb, concat([zst, zst.subarray(0, 0)])]) {
      const r = await sendChunked(server.port, "PUT", "/v1/cores", body);
      assert.equal(r.status, 201, r.body);
      assert.equal(JSON.parse(r.body).summary.truncated, false);
    }
    assert.deepEqual(t.logs.filter((l) => l.level === "error"), []);
  } finally {
    await server.close();
    await t.cleanup();
  }
});
