import assert from "node:assert/strict";
import { bytesSource } from "../bytes/source.ts";
import { CoreFormatError } from "../errors.ts";
import { rejectsWith } from "../../test/_assert.ts";
import { buildCore, encodeNotes, ntFile, prstatusX86_64 } from "../../test/_elf_writer.ts";
import { parseCore } from "./core.ts";

const parse = (b: Uint8Array) => parseCore(bytesSource(b));
const VSYSCALL = 0xffffffffff600000n;

function sampleCore() {
  return buildCore({
    notes: [
      { owner: "CORE", type: 1, desc: prstatusX86_64(100, 11, 0x401000n) },
      {
        owner: "CORE",
        type: 0x46494c45,
        desc: ntFile([{ start: 0x400000n, end: 0x401000n, ofs: 0n, name: "/bin/x" }]),
      },
      { owner: "CORE", type: 2, desc: new Uint8Array(512) },
      { owner: "CORE", type: 1, desc: prstatusX86_64(101, 11, 0x402000n) },
    ],
    loads: [
      { vaddr: 0x400000n, memsz: 0x1000n, flags: 5, data: new Uint8Array(0x1000).fill(7) },
      { vaddr: 0x600000n, memsz: 0x2000n, flags: 6 },
      { vaddr: VSYSCALL, memsz: 0x1000n, flags: 1, data: new Uint8Array(0x1000) },
    ],
  });
}

Deno.test("parseCore reads segments, threads and NT_FILE of a 64-bit little-endian core", async () => {
  const core = await parse(sampleCore().bytes);
  assert.equal(core.header.bits, 64);
  assert.equal(core.header.machineName, "EM_X86_64");
  assert.equal(core.segments.length, 4);
  assert.equal(core.loads.length, 3);
  assert.equal(core.loads.at(2)!.vaddr, VSYSCALL);
  assert.equal(core.loads.at(1)!.filesz, 0n);
  assert.equal(core.loads.at(1)!.unsaved, 0x2000n);
  assert.deepEqual(core.threads.map((t) => t.tid), [100, 101]);
  assert.equal(core.threads[0]!.status.registers.rip, 0x401000n);
  assert.deepEqual(core.threads[0]!.regsets, ["NT_PRFPREG"]);
  assert.equal(core.files?.entries[0]?.name, "/bin/x");
  assert.equal(core.truncated, false);
  assert.equal(core.producer.producer, "kernel");
});

Deno.test("parseCore rejects a file too short for an ELF header", async () => {
  const err = await rejectsWith(parse(sampleCore().bytes.slice(0, 10)), CoreFormatError);
  assert.equal(err.offset, 0);
  assert.equal(err.field, "e_ident");
  const err2 = await rejectsWith(parse(sampleCore().bytes.slice(0, 40)), CoreFormatError);
  assert.match(err2.message, /too short for an ELF64 header/);
});

Deno.test("parseCore rejects non-ELF input and ELF files that are not cores", async () => {
  const err = await rejectsWith(
    parse(new TextEncoder().encode("#!/bin/sh\necho hello world, this is not elf\n")),
    CoreFormatError,
  );
  assert.equal(err.field, "EI_MAG");
  const exe = buildCore({ type: 3 }).bytes;
  const e2 = await rejectsWith(parse(exe), CoreFormatError);
  assert.equal(e2.offset, 16);
  assert.equal(e2.field, "e_type");
  assert.match(e2.message, /Not a core file: e_type is ET_DYN/);
});

Deno.test("parseCore rejects a program header table past end of file", async () => {
  const b = sampleCore().bytes;
  new DataView(b.buffer).setUint16(56, 5000, true); // e_phnum
  const err = await rejectsWith(parse(b), CoreFormatError);
  assert.equal(err.field, "e_phnum");
  assert.equal(err.offset, 64);
  assert.match(err.message, /5000 entries of 56 bytes\) runs past end of file/);
});

Deno.test("parseCore rejects a note whose size overflows its segment", async () => {
  const built = sampleCore();
  new DataView(built.bytes.buffer).setUint32(built.noteOffset + 4, 0xffffffff, true);
  const err = await rejectsWith(parse(built.bytes), CoreFormatError);
  assert.equal(err.field, "n_descsz");
  assert.equal(err.offset, built.noteOffset + 4);
  assert.equal(err.value, 0xffffffff);
});

Deno.test("parseCore warns about trailing bytes too short for a note header and keeps the notes", async () => {
  const built = buildCore({ notes: [{ owner: "CORE", type: 6, desc: new Uint8Array(16) }] });
  const v = new DataView(built.bytes.buffer);
  // Claim 6 more bytes of notes than the one note occupies (readelf warns and lists the note).
  const filesz = Number(v.getBigUint64(built.phoff + 32, true));
  v.setBigUint64(built.phoff + 32, BigInt(filesz + 6), true);
  const core = await parse(built.bytes);
  assert.equal(core.notes.length, 1);
  assert.equal(core.truncated, false);
  assert.match(
    core.warnings.join("\n"),
    new RegExp(`6 byte\\(s\\) at 0x${(built.noteOffset + filesz).toString(16)} .*not a note`),
  );
});

Deno.test("parseCore keeps the notes before zero-filled, partly garbled padding (regression: rejected)", async () => {
  // A kernel core's PT_NOTE that ends in zeros with garbage in them: two empty notes of zeros,
  // then bytes whose n_descsz runs past the segment. readelf warns and lists every note before.
  const notes = encodeNotes([
    { owner: "CORE", type: 1, desc: prstatusX86_64(77, 11, 0x1000n) },
    { owner: "CORE", type: 6, desc: new Uint8Array(32) },
  ]);
  const padding = new Uint8Array(64);
  padding.set([0, 0, 0, 0, 0x10, 0x27, 0, 0, 1, 0, 0, 0], 24); // n_descsz 10000 in the fill
  const built = buildCore({ notes: [{ owner: "CORE", type: 1, desc: new Uint8Array(0) }] });
  const bytes = new Uint8Array(built.dataOffset + 4096);
  bytes.set(built.bytes.subarray(0, built.noteOffset));
  bytes.set(notes, built.noteOffset);
  bytes.set(padding, built.noteOffset + notes.length);
  const v = new DataView(bytes.buffer);
  v.setBigUint64(built.phoff + 32, BigInt(notes.length + padding.length), true);
  const core = await parse(bytes);
  assert.deepEqual(core.notes.slice(0, 2).map((n) => n.typeName), ["NT_PRSTATUS", "NT_AUXV"]);
  assert.equal(core.threads[0]?.tid, 77);
  assert.match(core.warnings.join("\n"), /n_descsz 0x2710.*ignored/);
});

Deno.test("parseCore honours 8-byte note alignment when p_align is 8", async () => {
  const core = await parse(
    buildCore({
      noteAlign: 8n,
      notes: [
        { owner: "CORE", type: 6, desc: new Uint8Array(4) },
        { owner: "LINUX", type: 0x202, desc: new Uint8Array(12) },
      ],
    }).bytes,
  );
  assert.deepEqual(core.notes.map((n) => [n.owner, n.typeName, n.size]), [
    ["CORE", "NT_AUXV", 4],
    ["LINUX", "NT_X86_XSTATE", 12],
  ]);
});

Deno.test("parseCore reads a big-endian ELF32 core with 16-bit ids in NT_PRPSINFO", async () => {
  const ps = new Uint8Array(124);
  const v = new DataView(ps.buffer);
  ps[1] = "R".charCodeAt(0);
  v.setUint16(8, 1000, false); // pr_uid
  v.setUint16(10, 100, false); // pr_gid
  v.setInt32(12, 4242, false); // pr_pid
  ps.set(new TextEncoder().encode("ppcprog"), 28);
  ps.set(new TextEncoder().encode("ppcprog -v"), 44);
  const core = await parse(
    buildCore({
      bits: 32,
      order: "big",
      machine: 20,
      notes: [
        { owner: "CORE", type: 3, desc: ps },
        {
          owner: "CORE",
          type: 0x46494c45,
          desc: ntFile(
            [{ start: 0x10000000n, end: 0x10010000n, ofs: 2n, name: "/usr/bin/ppcprog" }],
            4096n,
            32,
            false,
          ),
        },
      ],
      loads: [{ vaddr: 0x10000000n, memsz: 0x10000n, flags: 5, data: new Uint8Array(0x1000) }],
    }).bytes,
  );
  assert.equal(core.header.bits, 32);
  assert.equal(core.header.byteOrder, "big");
  assert.equal(core.header.machineName, "EM_PPC");
  assert.equal(core.process?.uid, 1000);
  assert.equal(core.process?.pid, 4242);
  assert.equal(core.process?.fname, "ppcprog");
  assert.equal(core.process?.psargs, "ppcprog -v");
  assert.equal(core.files?.entries[0]?.offset, 0x2000n);
  assert.equal(core.loads.at(0)!.filesz, 0x1000n);
  assert.equal(core.loads.at(0)!.unsaved, 0xf000n);
});

Deno.test("parseCore resolves PN_XNUM through sh_info of section header 0", async () => {
  const core = await parse(
    buildCore({
      extendedNumbering: true,
      loads: [{ vaddr: 0x1000n, memsz: 0x1000n }, { vaddr: 0x3000n, memsz: 0x1000n }],
    }).bytes,
  );
  assert.equal(core.header.extendedNumbering, true);
  assert.equal(core.header.rawPhnum, 0xffff);
  assert.equal(core.header.phnum, 3);
  assert.equal(core.loads.length, 2);
});

Deno.test("parseCore reports PN_XNUM without section headers as an error", async () => {
  const b = buildCore({ loads: [{ vaddr: 0x1000n, memsz: 0x1000n }] }).bytes;
  new DataView(b.buffer).setUint16(56, 0xffff, true);
  const err = await rejectsWith(parse(b), CoreFormatError);
  assert.equal(err.field, "e_shoff");
});

Deno.test("parseCore marks segments of a truncated core instead of throwing", async () => {
  const built = sampleCore();
  const cut = built.bytes.slice(0, built.dataOffset + 0x800);
  const core = await parse(cut);
  assert.equal(core.truncated, true);
  assert.equal(core.loads.at(0)!.truncated, true);
  assert.equal(core.loads.at(0)!.available, 0x800n);
  assert.equal(core.loads.at(2)!.available, 0n);
  assert.match(core.warnings.join("\n"), /2 PT_LOAD segment\(s\) extend past the end/);
});

Deno.test("parseCore keeps the notes that fit when the file ends inside PT_NOTE", async () => {
  const built = sampleCore();
  const cut = built.bytes.slice(0, built.noteOffset + 400);
  const core = await parse(cut);
  assert.equal(core.truncated, true);
  assert.equal(core.threads.length, 1);
  assert.match(core.warnings.join("\n"), /PT_NOTE segment 0 is cut off/);
});

Deno.test("parseCore rejects an NT_FILE count that does not fit its note", async () => {
  const desc = ntFile([{ start: 1n, end: 2n, ofs: 0n, name: "a" }]);
  new DataView(desc.buffer).setBigUint64(0, 1n << 40n, true);
  const built = buildCore({ notes: [{ owner: "CORE", type: 0x46494c45, desc }] });
  const err = await rejectsWith(parse(built.bytes), CoreFormatError);
  assert.equal(err.field, "count");
  assert.equal(err.offset, built.noteOffset + 20);
});

Deno.test("parseCore rejects a note name size near 2^32 (regression: 32-bit rounding wrapped, the walk looped back)", async () => {
  // Found by `deno task fuzz`: n_namesz 0xffffdbff rounded with a 32-bit mask became negative, so
  // the next note offset moved backwards and the note list grew until the heap ran out.
  const built = sampleCore();
  new DataView(built.bytes.buffer).setUint32(built.noteOffset, 0xffffdbff, true);
  const err = await rejectsWith(parse(built.bytes), CoreFormatError);
  assert.equal(err.field, "n_namesz");
  assert.equal(err.offset, built.noteOffset);
  assert.equal(err.value, 0xffffdbff);
});
