/**
 * Module lists of synthetic cores (other classes and byte orders, and the cases the real fixtures
 * lack): an ELF module found by its saved header, a saved executable mapping that is not ELF, an
 * executable mapping whose header page was not saved, a data file (not a module), a segment that
 * starts inside a module found earlier, and a core cut inside a header page.
 *
 * @module
 */

import assert from "node:assert/strict";
import { buildCore, elfImage, ntFile } from "./_elf_writer.ts";
import { bytesSource } from "../lib/bytes/source.ts";
import { decodeDigest, encodeDigest } from "../lib/digest/codec.ts";
import { digestStream } from "../lib/digest/digest.ts";
import { digestPositional } from "../lib/digest/positional.ts";
import { modulesToJson } from "../lib/digest/modules.ts";
import { NT_FILE } from "../lib/elf/constants.ts";
import { createPageHasher } from "../wasm/mod.ts";

const R = 4, W = 2, X = 1;
const hasher = await createPageHasher();

function core(bits: 32 | 64, order: "little" | "big") {
  const le = order === "little";
  const page = (fill: number) => new Uint8Array(4096).fill(fill);
  const files = [
    { start: 0x10000n, end: 0x12000n, ofs: 0n, name: "/lib/libfoo.so" },
    { start: 0x12000n, end: 0x13000n, ofs: 2n, name: "/lib/libfoo.so" },
    { start: 0x20000n, end: 0x22000n, ofs: 0n, name: "/opt/jit.bin" },
    { start: 0x30000n, end: 0x32000n, ofs: 0n, name: "/lib/libbar.so" },
    { start: 0x40000n, end: 0x41000n, ofs: 0n, name: "/data.bin" },
  ];
  return buildCore({
    bits,
    order,
    notes: [{ owner: "CORE", type: NT_FILE, desc: ntFile(files, 4096n, bits, le) }],
    loads: [
      { vaddr: 0x10000n, memsz: 0x2000n, flags: R | X, data: elfImage({ is64: bits === 64, le }) },
      // Inside libfoo's PT_LOAD extent (0x3456 from its load address): part of libfoo.
      { vaddr: 0x12000n, memsz: 0x1000n, flags: R, data: elfImage({ is64: bits === 64, le }) },
      { vaddr: 0x20000n, memsz: 0x2000n, flags: R | X, data: page(0x90) },
      { vaddr: 0x30000n, memsz: 0x2000n, flags: R | X, data: new Uint8Array(0) },
      { vaddr: 0x40000n, memsz: 0x1000n, flags: R | W, data: page(0) },
    ],
  }).bytes;
}

for (const [bits, order] of [[64, "little"], [32, "big"], [32, "little"], [64, "big"]] as const) {
  Deno.test(`modules of a synthetic ELF${bits} ${order}-endian core`, async () => {
    const bytes = core(bits, order);
    const d = await digestStream(new Blob([bytes as Uint8Array<ArrayBuffer>]).stream(), hasher);
    assert.deepEqual(modulesToJson(d.modules!), [
      {
        path: "/lib/libfoo.so",
        start: "0x10000",
        end: "0x13456",
        buildId: "deadbeef01020304",
        buildIdSource: "core",
      },
      { path: "/opt/jit.bin", start: "0x20000", end: "0x22000", buildIdSource: "not-elf" },
      { path: "/lib/libbar.so", start: "0x30000", end: "0x32000", buildIdSource: "missing-page" },
    ]);
    assert.deepEqual((await digestPositional(bytesSource(bytes), hasher)).modules, d.modules);
    assert.deepEqual((await decodeDigest(encodeDigest(d))).modules, d.modules);
  });
}

Deno.test("a core cut inside a module's header page keeps what was saved and says what is missing", async () => {
  const bytes = core(64, "little");
  // Cut 100 bytes into libfoo's saved page: the header and program headers are there, the note
  // (at 0x200) is not.
  const at = bytes.indexOf(0x7f, 64 * 2);
  const cut = bytes.slice(0, at + 0x100);
  const d = await digestStream(new Blob([cut]).stream(), hasher);
  const foo = d.modules!.find((m) => m.path === "/lib/libfoo.so")!;
  assert.equal(foo.buildId, undefined);
  assert.equal(foo.buildIdSource, "missing-page");
});
