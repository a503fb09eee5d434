import assert from "node:assert/strict";
import { gzipSync, zstdCompressSync } from "node:zlib";
import { rejectsWith } from "../../test/_assert.ts";
import {
  byteLimit,
  decompressed,
  DecompressionError,
  detectCompression,
  TooLargeError,
} from "./streams.ts";

const body = (b: Uint8Array) => ReadableStream.from([b.subarray(0, 3), b.subarray(3)]);
const bytesOf = async (s: ReadableStream<Uint8Array>) =>
  new Uint8Array(await new Response(s).arrayBuffer());

Deno.test("detectCompression recognises gzip, zstd and xz magic", () => {
  assert.equal(detectCompression(new Uint8Array([0x1f, 0x8b, 8])), "gzip");
  assert.equal(detectCompression(new Uint8Array([0x28, 0xb5, 0x2f, 0xfd])), "zstd");
  assert.equal(detectCompression(new Uint8Array([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0])), "xz");
  assert.equal(detectCompression(new Uint8Array([0x7f, 0x45, 0x4c, 0x46])), "none");
  assert.equal(detectCompression(new Uint8Array()), "none");
});

Deno.test("decompressed passes plain bytes and inflates gzip and zstd", async () => {
  const plain = new TextEncoder().encode("\x7fELF and some more bytes to be sure");
  for (
    const [packed, format] of [[plain, "none"], [gzipSync(plain), "gzip"], [
      zstdCompressSync(plain),
      "zstd",
    ]] as const
  ) {
    const d = await decompressed(body(new Uint8Array(packed)), 1 << 20);
    assert.equal(d.format, format);
    assert.deepEqual(await bytesOf(d.stream), plain);
  }
});

Deno.test("decompressed inflates xz", async () => {
  const plain = new Uint8Array(100_000).fill(9);
  const cmd = new Deno.Command("xz", { args: ["-c"], stdin: "piped", stdout: "piped" }).spawn();
  const w = cmd.stdin.getWriter();
  await w.write(plain);
  await w.close();
  const { stdout } = await cmd.output();
  const d = await decompressed(body(stdout), 1 << 20);
  assert.equal(d.format, "xz");
  assert.deepEqual(await bytesOf(d.stream), plain);
});

Deno.test("decompressed stops a decompression bomb at the limit", async () => {
  const bomb = gzipSync(new Uint8Array(10 << 20));
  assert.ok(bomb.length < 20_000);
  const d = await decompressed(body(new Uint8Array(bomb)), 1 << 20);
  const err = await rejectsWith(bytesOf(d.stream), TooLargeError);
  assert.equal(err.limit, 1 << 20);
});

Deno.test("decompressed reports corrupt gzip as a DecompressionError", async () => {
  const bad = new Uint8Array(gzipSync(new Uint8Array(5000).fill(1)));
  bad.fill(0x55, 12, 40);
  const d = await decompressed(body(bad), 1 << 20);
  await rejectsWith(bytesOf(d.stream), DecompressionError);
});

Deno.test("byteLimit passes streams within the limit", async () => {
  const out = await bytesOf(
    ReadableStream.from([new Uint8Array(4)]).pipeThrough(byteLimit(4, "x")),
  );
  assert.equal(out.length, 4);
});

Deno.test("an aborted compressed input errors the decompressed stream instead of hanging", async () => {
  const packed = new Uint8Array(gzipSync(new Uint8Array(1 << 20).map((_, i) => i * 7)));
  let ctl!: ReadableStreamDefaultController<Uint8Array>;
  const input = new ReadableStream<Uint8Array>({
    start(c) {
      ctl = c;
      c.enqueue(packed.subarray(0, 4000));
    },
  });
  const d = await decompressed(input, 1 << 30);
  setTimeout(() => ctl.error(new Error("client went away")), 20);
  await rejectsWith(bytesOf(d.stream), Error);
});

Deno.test("a compressed input that simply stops early is a DecompressionError", async () => {
  const packed = new Uint8Array(gzipSync(new Uint8Array(1 << 20).map((_, i) => i * 7)));
  const d = await decompressed(
    ReadableStream.from([packed.subarray(0, packed.length >> 1)]),
    1 << 30,
  );
  await rejectsWith(bytesOf(d.stream), DecompressionError);
});
