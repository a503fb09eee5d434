import assert from "node:assert/strict";
import { minimalDigest } from "../../lib/digest/minimal.ts";
import { gzipSync, zstdCompressSync } from "node:zlib";
import { encodeDigest } from "../../lib/digest/codec.ts";
import type { CoreFormatError } from "../../lib/errors.ts";
import { digestInput } from "../../runtime/digest.ts";
import { fixturePath, loadCore } from "../../test/_fixtures.ts";
import { call, checkResponse } from "../../test/_spec.ts";
import { testApp } from "../../test/_api.ts";

const gz = () => Deno.readFile(fixturePath("f033", "kernel.core.gz"));

/** A body stream without a declared length (sent chunked by a real client). */
function chunked(bytes: Uint8Array, chunk = 65536): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(ctl) {
      if (at >= bytes.length) return ctl.close();
      ctl.enqueue(bytes.slice(at, at + chunk));
      at += chunk;
    },
  });
}

const post = (body: BodyInit | Uint8Array, headers: Record<string, string> = {}): RequestInit => ({
  method: "POST",
  body: body as BodyInit,
  headers,
  ...(body instanceof ReadableStream ? { duplex: "half" } : {}),
});

Deno.test("POST /v1/cores digests gzip, zstd, plain and chunked uploads to the same summary", async () => {
  const t = await testApp();
  try {
    const plain = loadCore("f033", "kernel");
    const bodies: [string, BodyInit | Uint8Array, Record<string, string>][] = [
      ["gzip", await gz(), { "content-type": "application/gzip" }],
      ["zstd", new Uint8Array(zstdCompressSync(plain)), {}],
      ["none", plain, { "content-type": "application/octet-stream" }],
      ["none", chunked(plain), {}],
    ];
    const seen = new Set<number>();
    const ids: string[] = [];
    for (const [compression, body, headers] of bodies) {
      const r = await call(t.app, "/v1/cores", post(body, headers));
      ids.push(r.json.id);
      assert.equal(r.res.status, 201, r.text);
      assert.equal(r.res.headers.get("location"), `/v1/cores/${r.json.id}`);
      assert.equal(r.json.kept, false);
      assert.equal(r.json.summary.producer, "kernel");
      assert.equal(r.json.summary.size, plain.length);
      assert.equal(r.json.summary.meta.compression, compression);
      seen.add(r.json.summary.pages.hashed);
      const again = await call(t.app, `/v1/cores/${r.json.id}`);
      assert.equal(again.res.status, 200);
      assert.deepEqual(again.json, r.json);
    }
    assert.equal(seen.size, 1);
    assert.deepEqual(await t.leftovers(), []);
    for (const id of ids) assert.equal(await t.storage.hasCore(id), false, "nothing kept");
  } finally {
    await t.cleanup();
  }
});

Deno.test("a stored digest can be downloaded and uploaded again in place of the core", async () => {
  const t = await testApp();
  try {
    const up = await call(t.app, "/v1/cores", post(await gz()));
    const dl = await t.app.request(`/v1/cores/${up.json.id}/digest`);
    checkResponse(
      "GET",
      `/v1/cores/${up.json.id}/digest`,
      dl.status,
      dl.headers.get("content-type"),
      "",
    );
    assert.equal(dl.status, 200);
    assert.equal(dl.headers.get("content-type"), "application/x-coredelta-digest");
    const bytes = new Uint8Array(await dl.arrayBuffer());
    // Stored in minimal form: no register contents, no trailing bytes (issue 12 item 8).
    const direct = encodeDigest(
      await minimalDigest(await digestInput(ReadableStream.from([await gz()]))),
    );
    assert.deepEqual(bytes, direct);
    const re = await call(t.app, "/v1/cores", post(bytes));
    assert.equal(re.res.status, 201);
    assert.equal(re.json.id, up.json.id, "content-addressed: same digest, same id");
    const missing = await call(t.app, `/v1/cores/${"f".repeat(64)}/digest`);
    assert.equal(missing.res.status, 404);
  } finally {
    await t.cleanup();
  }
});

Deno.test("keep=true stores the raw upload, which goes with its digest", async () => {
  let now = Date.now();
  const t = await testApp({ retention: { maxAgeMs: 60_000 }, clock: { now: () => now } });
  try {
    const body = await gz();
    const r = await call(t.app, "/v1/cores", post(body));
    assert.equal(r.json.kept, false);
    const k = await call(t.app, "/v1/cores?keep=true", post(body));
    assert.equal(k.res.status, 201);
    assert.equal(k.json.kept, true);
    const kept = await t.storage.readCore(k.json.id);
    assert.deepEqual(new Uint8Array(await new Response(kept).arrayBuffer()), body);
    assert.equal((await call(t.app, `/v1/cores/${k.json.id}`)).json.kept, true);
    const bad = await call(t.app, "/v1/cores?keep=perhaps", post(body));
    assert.equal(bad.res.status, 400);
    assert.equal(bad.json.field, "keep");
    now += 120_000;
    const other = await call(t.app, "/v1/cores", post(loadCore("f033", "gdb")));
    assert.equal(other.res.status, 201);
    assert.equal((await call(t.app, `/v1/cores/${k.json.id}`)).res.status, 404, "expired");
    assert.equal(await t.storage.hasCore(k.json.id), false, "the core went with it");
  } finally {
    await t.cleanup();
  }
});

Deno.test("bad uploads get their documented 4xx and leave no temporary file", async (ctx) => {
  const core = loadCore("f033", "kernel");
  const limit = core.length + 1024 * 1024;
  const t = await testApp({ limits: { maxUploadBytes: 4 * 1024 * 1024, maxCoreBytes: limit } });
  const expectProblem = async (
    name: string,
    init: RequestInit,
    status: number,
    type: string,
  ) => {
    await ctx.step(name, async () => {
      const r = await call(t.app, "/v1/cores", init);
      assert.equal(r.res.status, status, r.text);
      assert.equal(r.res.headers.get("content-type"), "application/problem+json");
      assert.equal(r.json.type, `https://coredelta.dev/problems/${type}`);
      assert.equal(r.json.status, status);
      assert.deepEqual(await t.leftovers(), []);
      return r.json;
    });
  };
  // A real core followed by zeros: it parses, so only the size can stop it.
  const padded = new Uint8Array(5 * 1024 * 1024);
  padded.set(core);
  try {
    await expectProblem(
      "wrong media type",
      post("{}", { "content-type": "application/json" }),
      415,
      "unsupported-media-type",
    );
    await expectProblem(
      "multipart to the raw route",
      post(new FormData()),
      415,
      "unsupported-media-type",
    );
    await expectProblem(
      "declared too large",
      post(padded),
      413,
      "too-large",
    );
    await expectProblem(
      "chunked too large",
      post(chunked(padded)),
      413,
      "too-large",
    );
    const noisy = new Uint8Array(5 * 1024 * 1024);
    noisy.set(core);
    for (let i = core.length; i < noisy.length; i += 65536) {
      crypto.getRandomValues(noisy.subarray(i, Math.min(i + 65536, noisy.length)));
    }
    await expectProblem(
      "gzip past the upload limit mid-stream",
      post(chunked(new Uint8Array(gzipSync(noisy)))),
      413,
      "too-large",
    );
    const bomb = gzipSync(new Uint8Array([...core, ...new Uint8Array(8 * 1024 * 1024)]));
    assert.ok(bomb.length < 4 * 1024 * 1024);
    await expectProblem("decompression bomb", post(new Uint8Array(bomb)), 413, "too-large");
    await expectProblem(
      "truncated gzip",
      post((await gz()).slice(0, 50_000)),
      422,
      "decompression",
    );
    await expectProblem("empty body", post(new Uint8Array()), 422, "elf-format");
    await expectProblem(
      "not an ELF file",
      post(new TextEncoder().encode("hello")),
      422,
      "elf-format",
    );
    const broken = core.slice();
    new DataView(broken.buffer).setBigUint64(32, 0x7fff_0000n, true); // e_phoff past the end
    const want = await digestInput(ReadableStream.from([broken])).then(
      () => assert.fail("should not parse"),
      (e) => e as CoreFormatError,
    );
    await ctx.step("malformed ELF names field and offset", async () => {
      const r = await call(t.app, "/v1/cores", post(broken));
      assert.equal(r.res.status, 422);
      assert.equal(r.json.type, "https://coredelta.dev/problems/elf-format");
      assert.equal(r.json.field, want.field);
      assert.equal(r.json.offset, want.offset);
      assert.equal(r.json.detail, want.message);
    });
    const digest = encodeDigest(await digestInput(ReadableStream.from([core])));
    digest[digest.length - 10]! ^= 0xff;
    await expectProblem("corrupt digest", post(digest), 422, "digest-format");
  } finally {
    await t.cleanup();
  }
});

Deno.test("a body that stalls gets 408 at the request deadline, and leaves nothing", async () => {
  const t = await testApp({ limits: { requestTimeoutMs: 300 } });
  try {
    const gz = await Deno.readFile(fixturePath("f033", "kernel.core.gz"));
    for (
      const [url, init] of [
        ["/v1/cores", {}],
        ["/v1/diff", { "content-type": "multipart/form-data; boundary=XX" }],
      ] as const
    ) {
      const head = url === "/v1/cores" ? gz.slice(0, 65536) : new Uint8Array([
        ...new TextEncoder().encode(
          '--XX\r\ncontent-disposition: form-data; name="a"; filename="a"\r\n\r\n',
        ),
        ...gz.slice(0, 65536),
      ]);
      let cancelled = false;
      const body = new ReadableStream<Uint8Array>({
        start(ctl) {
          ctl.enqueue(head);
        },
        cancel() {
          cancelled = true;
        },
      });
      const r = await call(t.app, url, { ...post(body, init) });
      assert.equal(r.res.status, 408, r.text);
      assert.equal(r.json.type, "https://coredelta.dev/problems/timeout");
      assert.ok(cancelled, "the body was cancelled");
      assert.deepEqual(await t.leftovers(), []);
    }
  } finally {
    await t.cleanup();
  }
});

Deno.test("with one digest slot, concurrent uploads wait their turn and all succeed", async () => {
  const t = await testApp({ limits: { maxConcurrentDigests: 1 } });
  try {
    const cores = ["kernel", "gdb"].flatMap((n) => [loadCore("f033", n), loadCore("f023", n)]);
    const results = await Promise.all(cores.map((c) => call(t.app, "/v1/cores", post(chunked(c)))));
    for (const r of results) assert.equal(r.res.status, 201, r.text);
    assert.equal(new Set(results.map((r) => r.json.id)).size, 4);
    assert.deepEqual(await t.leftovers(), []);
  } finally {
    await t.cleanup();
  }
});
