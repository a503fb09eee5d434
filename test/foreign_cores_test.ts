/**
 * Cores of other ABIs, built from each ABI's structure layout and checked against eu-readelf
 * (elfutils knows every Linux core layout): m68k (`long` 2-byte aligned, big-endian) and x32
 * (x86-64 registers in an ELF32 core).
 */

import assert from "node:assert/strict";
import { bytesSource } from "../lib/bytes/source.ts";
import { parseCore } from "../lib/elf/core.ts";
import { buildCore } from "./_elf_writer.ts";

/** m68k `elf_prstatus` (154 bytes): pr_pid at 22, pr_reg (20 words) at 70, pr_fpvalid at 150. */
export function m68kPrstatus(tid: number, pc: number): Uint8Array {
  const b = new Uint8Array(154);
  const v = new DataView(b.buffer);
  v.setInt32(0, 11);
  v.setUint16(12, 11);
  v.setUint32(14, 0x100); // pr_sigpend right after pr_cursig
  v.setUint32(18, 0x200);
  v.setInt32(22, tid);
  v.setInt32(26, 1);
  v.setInt32(30, tid);
  v.setInt32(34, 7);
  v.setUint32(70 + 14 * 4, 0xdead); // d0
  v.setUint32(70 + 18 * 4, pc);
  return b;
}

/** x32 `elf_prstatus` (296 bytes): 32-bit longs, pr_reg = x86-64 user_regs_struct at 72. */
export function x32Prstatus(tid: number, rip: bigint): Uint8Array {
  const b = new Uint8Array(296);
  const v = new DataView(b.buffer);
  v.setInt32(0, 11, true);
  v.setUint16(12, 11, true);
  v.setInt32(24, tid, true);
  v.setInt32(28, 1, true);
  v.setBigUint64(72 + 16 * 8, rip, true);
  v.setBigUint64(72 + 19 * 8, 0x7ffc0000n, true);
  v.setInt32(288, 1, true);
  return b;
}

const FOREIGN = {
  m68k: buildCore({
    bits: 32,
    order: "big",
    machine: 4,
    notes: [{ owner: "CORE", type: 1, desc: m68kPrstatus(1963, 0x80000400) }],
    loads: [{ vaddr: 0x80000000n, memsz: 0x1000n, data: new Uint8Array(4096) }],
  }).bytes,
  x32: buildCore({
    bits: 32,
    order: "little",
    machine: 62,
    notes: [{ owner: "CORE", type: 1, desc: x32Prstatus(1963, 0x400380n) }],
    loads: [{ vaddr: 0x400000n, memsz: 0x1000n, data: new Uint8Array(4096) }],
  }).bytes,
};

/** What eu-readelf -n says about the first NT_PRSTATUS: pid, ppid, pgrp, sid and the pc. */
async function euReadelf(bytes: Uint8Array): Promise<Record<string, bigint>> {
  const dir = await Deno.makeTempDir({ prefix: "coredelta-foreign-" });
  try {
    await Deno.writeFile(`${dir}/core`, bytes);
    const out = await new Deno.Command("eu-readelf", { args: ["-n", `${dir}/core`] }).output();
    assert.ok(out.success, new TextDecoder().decode(out.stderr));
    const text = new TextDecoder().decode(out.stdout);
    const got: Record<string, bigint> = {};
    for (const m of text.matchAll(/\b(pid|ppid|pgrp|sid|pc|rip|rsp|d0):\s+(0x[0-9a-f]+|\d+)/g)) {
      got[m[1]!] ??= BigInt(m[2]!);
    }
    return got;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("m68k: pr_pid at 22 (long is 2-byte aligned) and the registers agree with eu-readelf", async () => {
  const core = await parseCore(bytesSource(FOREIGN.m68k));
  const want = await euReadelf(FOREIGN.m68k);
  const t = core.threads[0]!;
  assert.equal(BigInt(t.tid), want.pid);
  assert.equal(BigInt(t.status.ppid), want.ppid);
  assert.equal(BigInt(t.status.pgrp), want.pgrp);
  assert.equal(BigInt(t.status.sid), want.sid);
  assert.equal(t.status.registers.pc, want.pc);
  assert.equal(t.status.registers.d0, want.d0);
  assert.equal(t.status.sigpend, 0x100n);
  assert.equal(t.status.fpvalid, 0);
});

Deno.test("x32: pr_reg is the x86-64 register set (rip, not eip) and agrees with eu-readelf", async () => {
  const core = await parseCore(bytesSource(FOREIGN.x32));
  const want = await euReadelf(FOREIGN.x32);
  const t = core.threads[0]!;
  assert.equal(BigInt(t.tid), want.pid);
  assert.equal(t.status.registers.rip, want.rip);
  assert.equal(t.status.registers.rip, 0x400380n);
  assert.equal(t.status.registers.rsp, want.rsp);
  assert.equal(t.status.registerBytes, 27 * 8);
  assert.equal(t.status.fpvalid, 1);
  assert.equal(t.status.registers.eip, undefined);
});

/** Appends a section header table with `names` (BFD style: `note0`, `load`) to a 64-bit LE core. */
function withSections(core: Uint8Array, names: string[]): Uint8Array {
  const strtab = new TextEncoder().encode(`\0${[...names, ".shstrtab"].join("\0")}\0`);
  const strAt = Math.ceil(core.length / 8) * 8;
  const shoff = Math.ceil((strAt + strtab.length) / 8) * 8;
  const count = names.length + 2;
  const out = new Uint8Array(shoff + count * 64);
  out.set(core);
  out.set(strtab, strAt);
  const v = new DataView(out.buffer);
  let name = 1;
  [...names, ".shstrtab"].forEach((n, i) => {
    const at = shoff + (i + 1) * 64;
    v.setUint32(at, name, true);
    v.setUint32(at + 4, n === ".shstrtab" ? 3 : n.startsWith("note") ? 7 : 1, true);
    if (n === ".shstrtab") {
      v.setBigUint64(at + 24, BigInt(strAt), true);
      v.setBigUint64(at + 32, BigInt(strtab.length), true);
    }
    name += n.length + 1;
  });
  v.setBigUint64(40, BigInt(shoff), true);
  v.setUint16(58, 64, true);
  v.setUint16(60, count, true);
  v.setUint16(62, count - 1, true);
  return out;
}

const prstatus = (tid: number) => ({ owner: "CORE", type: 1, desc: x86Prstatus(tid) });
function x86Prstatus(tid: number): Uint8Array {
  const b = new Uint8Array(336);
  new DataView(b.buffer).setInt32(32, tid, true);
  return b;
}

Deno.test("an older GDB core (notes first, BFD sections) is recognised as gdb", async () => {
  const built = buildCore({
    notes: [prstatus(100)],
    loads: [
      { vaddr: 0x400000n, memsz: 0x1000n, data: new Uint8Array(4096), align: 1n, flags: 5 },
      { vaddr: 0x600000n, memsz: 0x1000n, data: new Uint8Array(4096), align: 1n, flags: 6 },
    ],
  });
  const core = await parseCore(bytesSource(withSections(built.bytes, ["note0", "load", "load"])));
  assert.equal(core.producer.producer, "gdb", JSON.stringify(core.producer));
  assert.ok(core.producer.kernelEvidence.some((e) => /PT_NOTE is the first segment/.test(e)));
});

Deno.test("a kdump vmcore and NetBSD/OpenBSD/FreeBSD cores say what they are", async () => {
  const cases: [string, { owner: string; type: number; desc: Uint8Array }[], RegExp][] = [
    [
      "kdump-vmcore",
      [prstatus(0), prstatus(0), {
        owner: "VMCOREINFO",
        type: 0,
        desc: new TextEncoder().encode("OSRELEASE=6.1.0\nPAGESIZE=4096\n"),
      }],
      /kdump vmcore.*2 NT_PRSTATUS note\(s\) are CPUs/,
    ],
    [
      "netbsd",
      [{ owner: "NetBSD-CORE", type: 1, desc: new Uint8Array(108) }, {
        owner: "NetBSD-CORE@1",
        type: 33,
        desc: new Uint8Array(256),
      }],
      /NetBSD core.*not a Linux core/,
    ],
    ["openbsd", [{ owner: "OpenBSD", type: 10, desc: new Uint8Array(64) }], /OpenBSD core/],
    ["freebsd", [{ owner: "FreeBSD", type: 1, desc: new Uint8Array(64) }], /FreeBSD core/],
  ];
  for (const [kind, notes, text] of cases) {
    const core = await parseCore(bytesSource(buildCore({ notes }).bytes));
    assert.equal(core.producer.origin?.kind, kind);
    assert.equal(core.producer.producer, "unknown", kind);
    assert.match(core.warnings.join("\n"), text);
  }
});

Deno.test("every EM_* has a name, and arch-specific note and auxv types are named", async () => {
  const { MACHINE_NAMES, AT_NAMES } = await import("../lib/elf/constants.ts");
  const { noteTypeName } = await import("../lib/elf/note.ts");
  const elfH = await Deno.readTextFile("/usr/include/elf.h");
  for (const m of elfH.matchAll(/^#define\s+(EM_\w+)\s+(\d+)\b/gm)) {
    if (m[1] === "EM_NUM") continue;
    assert.ok(MACHINE_NAMES[Number(m[2])], `${m[1]} (${m[2]}) has no name`);
  }
  assert.equal(MACHINE_NAMES[4], "EM_68K");
  assert.equal(MACHINE_NAMES[0x9026], "EM_ALPHA");
  for (
    const [type, name] of [
      [0x100, "NT_PPC_VMX"],
      [0x300, "NT_S390_HIGH_GPRS"],
      [0x800, "NT_MIPS_DSP"],
      [0x900, "NT_RISCV_CSR"],
      [0xa04, "NT_LOONGARCH_LBT"],
      [0x410, "NT_ARM_GCS"],
      [0x600, "NT_ARC_V2"],
    ] as const
  ) assert.equal(noteTypeName("LINUX", type), name);
  assert.equal(AT_NAMES[19], "AT_DCACHEBSIZE");
  assert.equal(AT_NAMES[35], "AT_L1D_CACHESHAPE");
  assert.equal(AT_NAMES[32], "AT_SYSINFO");
});
