import assert from "node:assert/strict";
import { bytesSource } from "../bytes/source.ts";
import { findBuildId, parseElfImage, readFileBuildId } from "./build_id.ts";
import { elfImage as image } from "../../test/_elf_writer.ts";

Deno.test("parseElfImage reads the build-id and PT_LOAD extent of ELF64 LE and ELF32 BE images", () => {
  for (const [is64, le] of [[true, true], [false, false], [true, false], [false, true]]) {
    const img = parseElfImage(image({ is64: is64!, le: le! }))!;
    assert.equal(img.buildId, "deadbeef01020304", `${is64 ? 64 : 32} ${le ? "LE" : "BE"}`);
    assert.equal(img.type, 3);
    assert.equal(img.firstVaddr, 0n);
    assert.equal(img.endVaddr, 0x3456n);
    assert.equal(img.notesBeyond, false);
  }
});

Deno.test("parseElfImage: a note beyond the saved bytes is reported, never read past", () => {
  const img = parseElfImage(image({ is64: true, le: true, noteAt: 0x1800, size: 0x1000 }))!;
  assert.equal(img.buildId, undefined);
  assert.equal(img.notesBeyond, true);
  assert.equal(parseElfImage(new Uint8Array(4096)), undefined, "not ELF");
  assert.equal(parseElfImage(image({ is64: true, le: true }).subarray(0, 40)), undefined, "short");
});

Deno.test("findBuildId skips other notes and stops at malformed sizes", () => {
  const le = true;
  const other = new Uint8Array(12 + 4 + 4);
  const v = new DataView(other.buffer);
  v.setUint32(0, 4, le);
  v.setUint32(4, 4, le);
  v.setUint32(8, 1, le);
  other.set([0x47, 0x4e, 0x55, 0], 12);
  const id = new Uint8Array(12 + 4 + 2);
  const w = new DataView(id.buffer);
  w.setUint32(0, 4, le);
  w.setUint32(4, 2, le);
  w.setUint32(8, 3, le);
  id.set([0x47, 0x4e, 0x55, 0, 0xab, 0xcd], 12);
  const both = new Uint8Array(other.length + 20);
  both.set(other);
  both.set(id, other.length);
  assert.equal(findBuildId(both, le), "abcd");
  const bad = other.slice();
  new DataView(bad.buffer).setUint32(0, 0xffffffff, le);
  assert.equal(findBuildId(bad, le), undefined);
});

Deno.test("readFileBuildId reads a file's build-id by its PT_NOTE offset; not ELF is null", async () => {
  assert.equal(
    await readFileBuildId(bytesSource(image({ is64: true, le: true }))),
    "deadbeef01020304",
  );
  assert.equal(await readFileBuildId(bytesSource(new Uint8Array(100))), null);
});

Deno.test("parseElfImage never throws or reads past random pages that start with the ELF magic", () => {
  let seed = 12345;
  const rand = () => (seed = (seed * 1103515245 + 12345) >>> 0) & 0xff;
  const base = image({ is64: true, le: true });
  for (let i = 0; i < 5000; i++) {
    const page = i % 2 ? base.slice(0, 64 + (i % 4032)) : new Uint8Array(4096).map(rand);
    page.set([0x7f, 0x45, 0x4c, 0x46, 1 + (i % 2), 1 + ((i >> 1) % 2)]);
    for (let k = 0; k < 8; k++) page[rand() % Math.min(page.length, 256)] = rand();
    const img = parseElfImage(page);
    if (img?.buildId) assert.match(img.buildId, /^[0-9a-f]+$/);
  }
});
