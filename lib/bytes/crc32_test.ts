import assert from "node:assert/strict";
import { crc32 as zlibCrc32 } from "node:zlib";
import { crc32 } from "./crc32.ts";

Deno.test("crc32 equals zlib's on empty, short and long inputs of every byte value", () => {
  const long = new Uint8Array(100_003);
  for (let i = 0; i < long.length; i++) long[i] = (i * 2654435761) >>> 24;
  for (const b of [new Uint8Array(0), new Uint8Array([0]), new Uint8Array([255, 1]), long]) {
    assert.equal(crc32(b), zlibCrc32(b));
  }
});

Deno.test("crc32 of every length 0..40 and every offset (tail and 8-byte steps)", () => {
  const b = new Uint8Array(64).map((_, i) => (i * 97 + 13) & 0xff);
  for (let from = 0; from < 8; from++) {
    for (let len = 0; len <= 40; len++) {
      const part = b.subarray(from, from + len);
      assert.equal(crc32(part), zlibCrc32(part));
    }
  }
});
