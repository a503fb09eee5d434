/**
 * What a stored digest holds without `keep=true`: no register contents (a hash per thread and
 * register set instead), no bytes after the core's end (their length and hash), nothing but the
 * header, tables and notes the diff needs; and diffs of stored digests still name the register sets
 * that differ.
 */

import { prepareContext } from "../lib/diff/context.ts";
import assert from "node:assert/strict";
import { testApp } from "./_api.ts";
import { concat } from "../lib/bytes/streams.ts";
import { decodeDigest } from "../lib/digest/codec.ts";
import { minimalDigest } from "../lib/digest/minimal.ts";
import { diffDigests } from "../lib/diff/diff.ts";
import { digestInput } from "../runtime/digest.ts";
import { buildCore, prstatusX86_64 } from "./_elf_writer.ts";
import { loadCore } from "./_fixtures.ts";

const SECRET = new TextEncoder().encode("S3CR3T-REGISTER!");

/** `n` bytes of the secret marker repeated. */
const secretBytes = (n: number) => {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = SECRET[i % SECRET.length]!;
  return b;
};

/** A core whose registers, FP/xstate notes and trailing bytes all hold the marker. */
function secretCore(rip: bigint): Uint8Array {
  const status = prstatusX86_64(4242, 11, rip);
  status.set(secretBytes(8 * 15), 112); // r15..rdi: secrets
  const built = buildCore({
    notes: [
      { owner: "CORE", type: 1, desc: status },
      { owner: "CORE", type: 2, desc: secretBytes(512) }, // NT_PRFPREG
      { owner: "LINUX", type: 0x202, desc: secretBytes(1024) }, // NT_X86_XSTATE
    ],
    loads: [{ vaddr: 0x400000n, memsz: 0x1000n, data: new Uint8Array(4096).fill(7) }],
  });
  return concat([built.bytes, secretBytes(1 << 20)]); // 1 MiB after the last segment
}

/** Whether `hay` holds any 8-byte window of the marker. */
function holdsSecret(hay: Uint8Array): boolean {
  const text = new TextDecoder("latin1").decode(hay);
  const s = new TextDecoder().decode(SECRET);
  for (let i = 0; i + 8 <= s.length; i++) if (text.includes(s.slice(i, i + 8))) return true;
  return false;
}

const upload = async (
  app: { request: (p: string, i: RequestInit) => Response | Promise<Response> },
  body: Uint8Array,
  keep = false,
) => {
  const r = await app.request(`/v1/cores${keep ? "?keep=true" : ""}`, {
    method: "POST",
    body: body as BodyInit,
  });
  assert.equal(r.status, 201);
  return (await r.json()).id as string;
};

Deno.test("a stored digest holds no register contents and no trailing bytes", async () => {
  const t = await testApp();
  try {
    const id = await upload(t.app, secretCore(0x401000n));
    const stored = await t.storage.get("digest", id);
    assert.ok(stored);
    assert.ok(!holdsSecret(stored), "the stored digest holds register or trailing bytes");
    assert.ok(stored.length < 16 * 1024, `stored digest is ${stored.length} bytes`);
    const served = new Uint8Array(
      await (await t.app.request(`/v1/cores/${id}/digest`)).arrayBuffer(),
    );
    assert.ok(!holdsSecret(served));
    const d = await decodeDigest(stored);
    assert.deepEqual(Object.keys(d.core.threads[0]!.status.registers).sort(), [
      "NT_PRFPREG",
      "NT_PRSTATUS",
      "NT_X86_XSTATE",
    ]);
    const minimal = (d.meta as unknown as { minimal: { trailing: { length: number } } }).minimal;
    assert.equal(minimal.trailing.length, 1 << 20);
    assert.equal(d.core.threads[0]!.tid, 4242);
    // With keep=true the user asked for the core: the digest is whole.
    const kept = await upload(t.app, secretCore(0x401000n), true);
    assert.ok(holdsSecret((await t.storage.get("digest", kept))!));
  } finally {
    await t.cleanup();
  }
});

Deno.test("the real kernel core's XSTATE and FP registers are not in its stored digest", async () => {
  const core = loadCore("f033", "kernel");
  const full = await digestInput(ReadableStream.from([core]));
  const xstate = full.core.notes.find((n) => n.typeName === "NT_X86_XSTATE")!;
  // A 32-byte window of real register state that is not all zeros.
  let at = xstate.offset + 20;
  while (core.subarray(at, at + 32).every((b) => b === 0)) at += 32;
  const window = core.subarray(at, at + 32);
  const t = await testApp();
  try {
    const id = await upload(t.app, core);
    const stored = (await t.storage.get("digest", id))!;
    const hex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
    assert.ok(!hex(stored).includes(hex(window)), "XSTATE bytes are stored");
  } finally {
    await t.cleanup();
  }
});

Deno.test("diffs of stored digests name the register sets that differ, and pass when equal", async () => {
  const t = await testApp();
  try {
    const a = await upload(t.app, secretCore(0x401000n));
    const b = await upload(t.app, secretCore(0x401234n));
    const same = await upload(t.app, secretCore(0x401000n));
    const post = (x: string, y: string) =>
      t.app.request("/v1/diffs?format=json", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ a: x, b: y, expect: "identical" }),
      });
    const differ = await (await post(a, b)).json();
    assert.ok(
      differ.notes.some((n: { text: string }) =>
        /thread 4242: registers differ \(NT_PRSTATUS\)/.test(n.text)
      ),
      JSON.stringify(differ.notes),
    );
    assert.equal((await (await post(a, same)).json()).verdict, "pass");
    // A stored (minimal) digest against a full one of the same core compares alike.
    const full = await digestInput(ReadableStream.from([secretCore(0x401000n)]));
    const r = diffDigests(await minimalDigest(full), full, {
      context: prepareContext({ expect: "identical" }),
    });
    assert.equal(r.verdict, "pass", JSON.stringify(r.notes));
  } finally {
    await t.cleanup();
  }
});
