/**
 * Decompression bombs: the server keeps answering `/health` while one is digested, stops a core
 * that runs far past the end its headers describe, and stops the work when the client hangs up.
 */

import assert from "node:assert/strict";
import { listen, RawClient, requestHead, send } from "./_api_faults.ts";
import { testApp } from "./_api.ts";
import { buildCore, prstatusX86_64 } from "./_elf_writer.ts";
import { loadCore } from "./_fixtures.ts";

/** zstd of `head` followed by `zeros` zero bytes (made by the zstd tool, streamed). */
export async function zstdBomb(head: Uint8Array, zeros: number): Promise<Uint8Array> {
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

/** A valid core whose one PT_LOAD holds `bytes` bytes (of zeros, in the bomb). */
export function bombHeader(bytes: number): Uint8Array {
  const size = BigInt(bytes);
  const b = buildCore({
    notes: [{ owner: "CORE", type: 1, desc: prstatusX86_64(1, 11, 0n) }],
    loads: [{ vaddr: 0x10000000n, memsz: size, filesz: size }],
  });
  return b.bytes.subarray(0, b.dataOffset);
}

Deno.test("/health answers at once while a 1 GiB zstd bomb is digested", async () => {
  const bomb = await zstdBomb(bombHeader(1024 ** 3), 1024 ** 3);
  const t = await testApp();
  const server = await listen(t.app);
  try {
    let done = false;
    const upload = send(server.port, "PUT", "/v1/cores", bomb).finally(() => done = true);
    const worst: number[] = [];
    await new Promise((r) => setTimeout(r, 100));
    while (!done) {
      const t0 = performance.now();
      const r = await fetch(`${server.url}/health`);
      assert.equal(r.status, 200);
      await r.body?.cancel();
      worst.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, 20));
    }
    await upload;
    worst.sort((a, b) => b - a);
    assert.ok(worst.length >= 3, `only ${worst.length} probes`);
    // Typically under 100 ms (bench/hostile.ts measures it); before, one probe waited the whole bomb.
    assert.ok(worst[0]! < 1000, `slowest /health took ${worst[0]} ms`);
  } finally {
    await server.close();
    await t.cleanup();
  }
});

Deno.test("a core that runs 1 GiB past its declared end is stopped early (413)", async () => {
  const bomb = await zstdBomb(loadCore("f033", "kernel"), 1024 ** 3);
  const t = await testApp();
  const server = await listen(t.app);
  try {
    const t0 = performance.now();
    const r = await send(server.port, "PUT", "/v1/cores", bomb);
    assert.equal(r.status, 413, r.body);
    assert.match(JSON.parse(r.body).detail, /past the end its ELF headers describe/);
    assert.ok(performance.now() - t0 < 5000);
  } finally {
    await server.close();
    await t.cleanup();
  }
});

Deno.test("a client that hangs up half-way through a bomb stops the work", async () => {
  const bomb = await zstdBomb(bombHeader(4 * 1024 ** 3), 4 * 1024 ** 3);
  const t = await testApp();
  const server = await listen(t.app);
  try {
    const c = await RawClient.connect(server.port);
    await c.write(requestHead("PUT", "/v1/cores", { "Content-Length": bomb.length }));
    await c.write(bomb.subarray(0, bomb.length >> 1));
    await new Promise((r) => setTimeout(r, 300));
    const t0 = performance.now();
    c.close();
    while (!t.logs.some((l) => l.msg === "request")) {
      assert.ok(performance.now() - t0 < 30_000, "the request never ended");
      await new Promise((r) => setTimeout(r, 20));
    }
    const rec = t.logs.find((l) => l.msg === "request")!;
    assert.equal(rec.problem, "client-closed");
    // The request ended soon after the hang-up (~0.3 s in), not after digesting 2 GiB of zeros.
    assert.ok((rec.ms as number) < 3500, `the work went on ${rec.ms} ms`);
    assert.deepEqual(await t.leftovers(), []);
  } finally {
    await server.close();
    await t.cleanup();
  }
});
