import assert from "node:assert/strict";
import type { ElfHeader } from "./header.ts";
import { parseProgramHeaders, plainSegment, type Segment } from "./program_header.ts";
import { parseSections } from "./sections.ts";
import { PT_LOAD, PT_NOTE } from "./constants.ts";

/** The fields as coredelta decoded them before segments read their table: the reference. */
function reference(
  table: Uint8Array,
  bits: 32 | 64,
  le: boolean,
  phoff: number,
  entsize: number,
  fileSize: number,
): Segment[] {
  const v = new DataView(table.buffer, table.byteOffset, table.byteLength);
  const word = (at: number) => bits === 64 ? v.getBigUint64(at, le) : BigInt(v.getUint32(at, le));
  const end = BigInt(fileSize);
  const out: Segment[] = [];
  for (let i = 0; i * entsize < table.length; i++) {
    const at = i * entsize;
    const is64 = bits === 64;
    const type = v.getUint32(at, le);
    const offset = word(is64 ? at + 8 : at + 4);
    const filesz = word(is64 ? at + 32 : at + 16);
    const memsz = word(is64 ? at + 40 : at + 20);
    const available = offset >= end ? 0n : (offset + filesz > end ? end - offset : filesz);
    out.push({
      index: i,
      headerOffset: phoff + at,
      type,
      typeName: type === PT_LOAD ? "PT_LOAD" : type === PT_NOTE ? "PT_NOTE" : "",
      flags: v.getUint32(is64 ? at + 4 : at + 24, le),
      offset,
      vaddr: word(is64 ? at + 16 : at + 8),
      paddr: word(is64 ? at + 24 : at + 12),
      filesz,
      memsz,
      align: word(is64 ? at + 48 : at + 28),
      available,
      truncated: available < filesz,
      unsaved: memsz > filesz ? memsz - filesz : 0n,
    });
  }
  return out;
}

/** A deterministic generator of awkward values: zero, small, near the file end, near 2^53, huge. */
function values(seed: number) {
  let s = seed >>> 0;
  const next = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0);
  return (bits: 32 | 64, fileSize: number): bigint => {
    const max = (1n << BigInt(bits)) - 1n;
    switch (next() % 8) {
      case 0:
        return 0n;
      case 1:
        return BigInt(next() % 5000);
      case 2:
        return BigInt(fileSize) - BigInt(next() % 9000) + 4500n;
      case 3:
        return bits === 64 ? (1n << 53n) - 2n + BigInt(next() % 4) : max - BigInt(next() % 4);
      case 4:
        return max - BigInt(next() % 4096);
      case 5:
        return (BigInt(next()) << 12n) & max;
      default:
        return BigInt(next() % fileSize);
    }
  };
}

function table(
  bits: 32 | 64,
  le: boolean,
  n: number,
  entsize: number,
  fileSize: number,
  seed: number,
): Uint8Array {
  const bytes = new Uint8Array(n * entsize);
  const v = new DataView(bytes.buffer);
  const val = values(seed);
  const put = (at: number, x: bigint) =>
    bits === 64 ? v.setBigUint64(at, x, le) : v.setUint32(at, Number(x), le);
  const end = BigInt(fileSize);
  // [p_offset, p_filesz] at the edges of the file: ends at, one past and one before its end;
  // starts at or past it, with and without bytes; nothing saved.
  const edges: [bigint, bigint][] = [
    [end - 4096n, 4096n],
    [end - 4096n, 4097n],
    [end - 4096n, 4095n],
    [end, 1n],
    [end, 0n],
    [end + 1n, 0n],
    [0n, 0n],
    [0n, end],
    [0n, end + 1n],
  ];
  for (let i = 0; i < n; i++) {
    const at = i * entsize;
    const is64 = bits === 64;
    // PT_NOTE and others, so the wrap-around check on PT_LOAD does not reject the table.
    v.setUint32(at, i % 3 === 0 ? PT_NOTE : 0x6474e551, le);
    v.setUint32(is64 ? at + 4 : at + 24, i & 7, le);
    for (const k of is64 ? [8, 16, 24, 32, 40, 48] : [4, 8, 12, 16, 20, 28]) {
      put(at + k, val(bits, fileSize));
    }
    const edge = edges[i];
    if (edge) {
      put(at + (is64 ? 8 : 4), edge[0]);
      put(at + (is64 ? 32 : 16), edge[1]);
    }
  }
  return bytes;
}

function header(bits: 32 | 64, le: boolean, phnum: number, phentsize: number): ElfHeader {
  return {
    bits,
    byteOrder: le ? "little" : "big",
    phoff: 64,
    phnum,
    phentsize,
  } as unknown as ElfHeader;
}

Deno.test("segments read from their table equal the decoded fields (ELF32/64, LE/BE, values past 2^53)", () => {
  for (const bits of [32, 64] as const) {
    for (const le of [true, false]) {
      for (const extra of [0, 8]) {
        const entsize = (bits === 64 ? 56 : 32) + extra;
        const fileSize = 1_000_000 + extra;
        const bytes = table(bits, le, 400, entsize, fileSize, bits * 7 + (le ? 1 : 0) + extra);
        const got = parseProgramHeaders(bytes, header(bits, le, 400, entsize), fileSize);
        const want = reference(bytes, bits, le, 64, entsize, fileSize);
        const name = `${bits}-bit ${le ? "LE" : "BE"} entsize ${entsize}`;
        assert.equal(got.length, want.length, name);
        for (let i = 0; i < want.length; i++) {
          const g = plainSegment(got.at(i)!);
          const w = { ...want[i]!, typeName: g.typeName };
          assert.deepEqual(g, w, `${name}, segment ${i}`);
          // The accessors themselves, not only toJSON.
          assert.equal(got.at(i)!.truncated, w.truncated, `${name}, segment ${i} truncated`);
          assert.equal(got.at(i)!.available, w.available, `${name}, segment ${i} available`);
          assert.equal(got.at(i)!.unsaved, w.unsaved, `${name}, segment ${i} unsaved`);
        }
        // JSON.stringify writes the rows as an array, each with the plain object's fields in order.
        assert.equal(
          JSON.stringify(got, (_, x) => typeof x === "bigint" ? `${x}` : x),
          JSON.stringify(
            want.map((w, i) => ({ ...w, typeName: got.at(i)!.typeName })),
            (_, x) => typeof x === "bigint" ? `${x}` : x,
          ),
        );
      }
    }
  }
});

Deno.test("a table is copied unless kept: a source that reuses its buffer cannot change parsed segments", () => {
  const bytes = table(64, true, 10, 56, 1_000_000, 3);
  const h = header(64, true, 10, 56);
  const copied = parseProgramHeaders(bytes, h, 1_000_000);
  const kept = parseProgramHeaders(bytes, h, 1_000_000, true);
  const before = Array.from(copied, (s) => s.vaddr);
  bytes.fill(0xaa);
  assert.deepEqual(Array.from(copied, (s) => s.vaddr), before);
  assert.deepEqual(Array.from(kept, (s) => s.vaddr), Array.from(kept, () => 0xaaaaaaaaaaaaaaaan));
});

Deno.test("sections read from their table: names from the string table, out-of-range names empty", () => {
  const strtab = new TextEncoder().encode("\0load\0note0\0");
  const bytes = new Uint8Array(3 * 64);
  const v = new DataView(bytes.buffer);
  const entries: [number, number, bigint, bigint, bigint][] = [
    [1, 1, 0x400000n, 0x1000n, 0x2000n],
    [6, 7, 0n, 0x3000n, 0x10n],
    [999, 1, 0xffffffffff600000n, 0x4000n, 0x1000n],
  ];
  entries.forEach(([name, type, addr, offset, size], i) => {
    v.setUint32(i * 64, name, true);
    v.setUint32(i * 64 + 4, type, true);
    v.setBigUint64(i * 64 + 16, addr, true);
    v.setBigUint64(i * 64 + 24, offset, true);
    v.setBigUint64(i * 64 + 32, size, true);
  });
  const h = { bits: 64, byteOrder: "little", shnum: 3, shentsize: 64 } as unknown as ElfHeader;
  const sections = parseSections(bytes, h, strtab);
  assert.deepEqual(
    JSON.parse(JSON.stringify(sections, (_, x) => typeof x === "bigint" ? `${x}` : x)),
    [
      { type: 1, addr: "4194304", offset: "4096", size: "8192", name: "load" },
      { type: 7, addr: "0", offset: "12288", size: "16", name: "note0" },
      { type: 1, addr: "18446744073699065856", offset: "16384", size: "4096", name: "" },
    ],
  );
  bytes.fill(0);
  strtab.fill(0);
  assert.equal(sections.at(0)!.name, "load", "a copy of the tables, not the caller's bytes");
  assert.equal(sections.at(2)!.addr, 0xffffffffff600000n);
});

Deno.test("a PT_LOAD past the end of the address space is refused; one ending at its end is not", () => {
  for (const bits of [32, 64] as const) {
    const entsize = bits === 64 ? 56 : 32;
    const top = 1n << BigInt(bits);
    const cases: [bigint, bigint, boolean][] = [
      [top - 0x1000n, 0x1000n, false], // ends exactly at the top
      [top - 0x1000n, 0x1001n, true],
      [0x1000n, top - 0x1000n, false],
      [0x1000n, top - 0xfffn, true],
      [0x400000n, 0x1000n, false],
    ];
    for (const [vaddr, memsz, wraps] of cases) {
      const bytes = new Uint8Array(entsize);
      const v = new DataView(bytes.buffer);
      v.setUint32(0, PT_LOAD, true);
      if (bits === 64) {
        v.setBigUint64(16, vaddr, true);
        v.setBigUint64(40, memsz, true);
      } else {
        v.setUint32(8, Number(vaddr), true);
        v.setUint32(20, Number(memsz), true);
      }
      const parse = () => parseProgramHeaders(bytes, header(bits, true, 1, entsize), 1000);
      if (wraps) {
        assert.throws(parse, /wraps around the address space/, `${bits} ${vaddr} ${memsz}`);
      } else assert.equal(parse().at(0)!.vaddr, vaddr);
    }
  }
});
