import assert from "node:assert/strict";
import { bytesSource } from "../bytes/source.ts";
import { findBuildId, parseElfImage, readFileBuildId } from "./build_id.ts";

/** A minimal ELF image: header, two program headers (PT_LOAD, PT_NOTE) and a GNU build-id note. */
function image(
  opts: { is64: boolean; le: boolean; noteAt?: number; id?: number[]; size?: number },
) {
  const { is64, le } = opts;
  const bytes = new Uint8Array(opts.size ?? 4096);
  const v = new DataView(bytes.buffer);
  bytes.set([0x7f, 0x45, 0x4c, 0x46, is64 ? 2 : 1, le ? 1 : 2, 1]);
  const w = (at: number, x: number) =>
    is64 ? v.setBigUint64(at, BigInt(x), le) : v.setUint32(at, x, le);
  v.setUint16(16, 3, le); // ET_DYN
  const phoff = is64 ? 64 : 52, phent = is64 ? 56 : 32;
  w(is64 ? 32 : 28, phoff);
  v.setUint16(is64 ? 54 : 42, phent, le);
  v.setUint16(is64 ? 56 : 44, 2, le);
  const noteAt = opts.noteAt ?? 0x200;
  const id = opts.id ?? [0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4];
  const ph = (
    i: number,
    type: number,
    off: number,
    vaddr: number,
    filesz: number,
    memsz: number,
  ) => {
    const at = phoff + i * phent;
    v.setUint32(at, type, le);
    if (is64) {
      w(at + 8, off);
      w(at + 16, vaddr);
      w(at + 32, filesz);
      w(at + 40, memsz);
      w(at + 48, 4);
    } else {
      w(at + 4, off);
      w(at + 8, vaddr);
      w(at + 16, filesz);
      w(at + 20, memsz);
      w(at + 28, 4);
    }
  };
  ph(0, 1, 0, 0, 0x3000, 0x3456);
  ph(1, 4, noteAt, noteAt, 16 + id.length, 16 + id.length);
  if (noteAt + 16 + id.length <= bytes.length) {
    v.setUint32(noteAt, 4, le);
    v.setUint32(noteAt + 4, id.length, le);
    v.setUint32(noteAt + 8, 3, le);
    bytes.set([0x47, 0x4e, 0x55, 0], noteAt + 12);
    bytes.set(id, noteAt + 16);
  }
  return bytes;
}

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
