/**
 * ABIs that cannot run here (x32, aarch64), and i386 for contrast: synthetic kernel cores and gcores
 * written with the ELF writer from the ABI definitions — each thread's notes as the kernel's regset
 * view writes them (`fill_thread_core_info`) and as GDB 13's `iterate_over_regset_sections` lists
 * them, with each ABI's NT_PRSTATUS size — parsed by the real reader and compared by the note diff.
 */
import assert from "node:assert/strict";
import { bytesSource } from "../lib/bytes/source.ts";
import { parseCore } from "../lib/elf/core.ts";
import { diffNotes } from "../lib/diff/notes.ts";
import { buildCore, type NoteSpec } from "./_elf_writer.ts";

const EM_386 = 3, EM_X86_64 = 62, EM_AARCH64 = 183;
const NT = {
  PRSTATUS: 1,
  PRFPREG: 2,
  PRPSINFO: 3,
  AUXV: 6,
  PRXFPREG: 0x46e62b7f,
  SIGINFO: 0x53494749,
  I386_TLS: 0x200,
  X86_XSTATE: 0x202,
  ARM_TLS: 0x401,
  ARM_HW_BREAK: 0x402,
  ARM_HW_WATCH: 0x403,
  ARM_SYSTEM_CALL: 0x404,
  ARM_SVE: 0x405,
  ARM_PAC_MASK: 0x406,
  GDB_TDESC: 0xff000000,
};

interface Abi {
  machine: number;
  bits: 32 | 64;
  /** sizeof(struct elf_prstatus) of the ABI (compat for i386 and x32). */
  prstatus: number;
  /** Per-thread regsets after NT_PRSTATUS: [owner, type, size]. */
  kernel: [string, number, number][];
  gdb: [string, number, number][];
}

const ABIS: Record<string, Abi> = {
  // arch/x86/kernel/ptrace.c x86_32_regsets; gdb/i386-linux-tdep.c (XSAVE CPU: .reg-xstate only).
  i386: {
    machine: EM_386,
    bits: 32,
    prstatus: 144,
    kernel: [["CORE", NT.PRFPREG, 108], ["LINUX", NT.PRXFPREG, 512], [
      "LINUX",
      NT.X86_XSTATE,
      2696,
    ], ["LINUX", NT.I386_TLS, 48]],
    gdb: [["LINUX", NT.X86_XSTATE, 2696]],
  },
  // x32 tasks run in 64-bit mode: user_x86_64_view; compat prstatus of x32 (296 bytes);
  // GDB: amd64_linux_iterate_over_regset_sections (.reg2 and .reg-xstate).
  x32: {
    machine: EM_X86_64,
    bits: 32,
    prstatus: 296,
    kernel: [["CORE", NT.PRFPREG, 512], ["LINUX", NT.X86_XSTATE, 2696]],
    gdb: [["CORE", NT.PRFPREG, 512], ["LINUX", NT.X86_XSTATE, 2696]],
  },
  // arch/arm64/kernel/ptrace.c aarch64_regsets (no SVE on this CPU); GDB 13
  // aarch64_linux_iterate_over_regset_sections: .reg, .reg2, TLS, pauth mask.
  aarch64: {
    machine: EM_AARCH64,
    bits: 64,
    prstatus: 392,
    kernel: [
      ["CORE", NT.PRFPREG, 528],
      ["LINUX", NT.ARM_TLS, 8],
      ["LINUX", NT.ARM_HW_BREAK, 264],
      ["LINUX", NT.ARM_HW_WATCH, 264],
      ["LINUX", NT.ARM_SYSTEM_CALL, 4],
      ["LINUX", NT.ARM_PAC_MASK, 16],
    ],
    gdb: [["CORE", NT.PRFPREG, 528], ["LINUX", NT.ARM_TLS, 8], ["LINUX", NT.ARM_PAC_MASK, 16]],
  },
};

function prstatus(abi: Abi, tid: number): Uint8Array {
  const b = new Uint8Array(abi.prstatus);
  // pr_pid follows pr_info (3 ints), pr_cursig (short + pad), pr_sigpend, pr_sighold (longs).
  const long = abi.bits === 64 ? 8 : 4;
  new DataView(b.buffer).setInt32(12 + 4 + 2 * long, tid, true);
  return b;
}

async function core(abi: Abi, producer: "kernel" | "gdb", tids: number[]) {
  const notes: NoteSpec[] = [];
  // Both write NT_PRPSINFO once (the kernel after the first NT_PRSTATUS, GDB first).
  notes.push({
    owner: "CORE",
    type: NT.PRPSINFO,
    desc: new Uint8Array(abi.bits === 64 ? 136 : 124),
  });
  for (const tid of tids) {
    notes.push({ owner: "CORE", type: NT.PRSTATUS, desc: prstatus(abi, tid) });
    for (const [owner, type, size] of abi[producer]) {
      notes.push({ owner, type, desc: new Uint8Array(size) });
    }
  }
  if (producer === "gdb") {
    notes.push({ owner: "GDB", type: NT.GDB_TDESC, desc: new Uint8Array(16) });
  }
  const built = buildCore({ bits: abi.bits, machine: abi.machine, notes });
  return await parseCore(bytesSource(built.bytes));
}

for (const [name, abi] of Object.entries(ABIS)) {
  Deno.test(`${name}: every note only in one producer's core carries that ABI's rule`, async () => {
    const k = await core(abi, "kernel", [100, 101]), g = await core(abi, "gdb", [100, 101]);
    assert.equal(k.threads.length, 2, "the reader finds both threads");
    const notes = diffNotes(k, g, "kernel-vs-gdb", { kernel: "a", gdb: "b" })
      .filter((d) => d.text.startsWith("note "));
    assert.deepEqual(notes.filter((d) => d.unexplained).map((d) => d.text), []);
    const kernelOnly = notes.filter((d) => d.text.endsWith("only in A"));
    const expected = abi.kernel.filter(([o, t]) => !abi.gdb.some(([p, u]) => p === o && u === t));
    assert.equal(kernelOnly.length, expected.length);
    for (const d of kernelOnly) {
      assert.equal(d.reasons[0]!.code, "layout.kernel-only-note");
      assert.match(d.reasons[0]!.text, new RegExp(`\\[${name}\\]`));
    }
    // The same notes under another ABI's e_machine are not explained by this ABI's rules.
    if (name !== "x32") {
      const other = {
        ...abi,
        machine: name === "aarch64" ? EM_386 : EM_AARCH64,
        bits: 64 as const,
      };
      const ko = await core(other, "kernel", [100]), go = await core(other, "gdb", [100]);
      const wrong = diffNotes(ko, go, "kernel-vs-gdb", { kernel: "a", gdb: "b" })
        .filter((d) => d.text.startsWith("note ") && d.text.endsWith("only in A"));
      assert.ok(wrong.length > 0 && wrong.every((d) => d.unexplained), JSON.stringify(wrong));
    }
  });
}
