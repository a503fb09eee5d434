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
