import assert from "node:assert/strict";
import { ByteReader, cString, toSafeNumber } from "./reader.ts";
import { CoreFormatError } from "../errors.ts";
import { throwsWith } from "../../test/_assert.ts";

Deno.test("ByteReader reads little- and big-endian fields and tracks the absolute offset", () => {
  const bytes = new Uint8Array([0x01, 0x02, 0x03, 0x04, 0, 0, 0, 0, 0, 0, 0, 0x80]);
  const le = new ByteReader(bytes, "little", 0x40);
  assert.equal(le.u16("a"), 0x0201);
  assert.equal(le.u16("b"), 0x0403);
  assert.equal(le.u64("c"), 0x8000000000000000n);
  assert.equal(le.offset, 0x4c);
  const be = new ByteReader(bytes, "big");
  assert.equal(be.u32("a"), 0x01020304);
  assert.equal(be.word(4, "w"), 0n);
});

Deno.test("ByteReader fails with the field and offset and does not advance", () => {
  const r = new ByteReader(new Uint8Array(6), "little", 0x1000);
  r.u32("first");
  const err = throwsWith(() => r.u32("p_type"), CoreFormatError);
  assert.equal(err.offset, 0x1004);
  assert.equal(err.field, "p_type");
  assert.equal(r.pos, 4);
  assert.throws(() => r.seek(7, "x"), CoreFormatError);
  assert.throws(() => r.bytesOf(-1, "neg"), CoreFormatError);
});

Deno.test("toSafeNumber refuses values above 2^53 - 1", () => {
  assert.equal(toSafeNumber(5n, 0, "x"), 5);
  assert.throws(() => toSafeNumber(1n << 60n, 8, "p_offset"), /p_offset/);
});

Deno.test("cString stops at the first NUL", () => {
  assert.equal(cString(new TextEncoder().encode("abc\0def")), "abc");
  assert.equal(cString(new TextEncoder().encode("xyz")), "xyz");
});
