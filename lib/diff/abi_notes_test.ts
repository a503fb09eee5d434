/**
 * Note presence rules per ABI, from the ABI definitions (the kernel's regset tables and GDB's
 * iterate_over_regset_sections): for ABIs that cannot run here (x32, aarch64) the notes each producer
 * writes are built from those tables; every note only in one core must carry the rule of its own ABI,
 * and a note no rule of that ABI explains stays unexplained.
 */
import assert from "node:assert/strict";
import type { CoreFile } from "../elf/core.ts";
import { noteAbi, noteOnlyRule } from "./abi_notes.ts";
import { diffNotes } from "./notes.ts";

const EM_386 = 3, EM_X86_64 = 62, EM_AARCH64 = 183;

/** A core holding only `types` (per thread) for one thread, as the note diff sees it. */
function core(machine: number, bits: 32 | 64, types: [string, number, string][]): CoreFile {
  return {
    header: { machine, bits },
    notes: types.map(([owner, type, typeName], i) => ({
      owner,
      type,
      typeName,
      offset: i,
      size: 8,
    })),
    threads: [],
  } as unknown as CoreFile;
}

const PRSTATUS: [string, number, string] = ["CORE", 1, "NT_PRSTATUS"];
const PRFPREG: [string, number, string] = ["CORE", 2, "NT_PRFPREG"];
const PRXFPREG: [string, number, string] = ["LINUX", 0x46e62b7f, "NT_PRXFPREG"];
const XSTATE: [string, number, string] = ["LINUX", 0x202, "NT_X86_XSTATE"];
const TLS386: [string, number, string] = ["LINUX", 0x200, "NT_386_TLS"];
const TDESC: [string, number, string] = ["GDB", 0xff000000, "NT_GDB_TDESC"];
const linux = (type: number, name: string): [string, number, string] => ["LINUX", type, name];

const roles = { kernel: "a", gdb: "b" } as const;

function onlyNotes(k: CoreFile, g: CoreFile) {
  return diffNotes(k, g, "kernel-vs-gdb", roles).filter((d) => d.text.startsWith("note "));
}

Deno.test("ABI of a core: x86-64, x32 (EM_X86_64 in ELFCLASS32), i386, aarch64", () => {
  assert.equal(noteAbi(core(EM_X86_64, 64, [])), "x86-64");
  assert.equal(noteAbi(core(EM_X86_64, 32, [])), "x32");
  assert.equal(noteAbi(core(EM_386, 32, [])), "i386");
  assert.equal(noteAbi(core(EM_AARCH64, 64, [])), "aarch64");
  assert.equal(noteAbi(core(8, 32, [])), "other");
});

Deno.test("i386 compat: x86_32_regsets vs GDB's one FP set (XSTATE)", () => {
  const k = core(EM_386, 32, [PRSTATUS, PRFPREG, PRXFPREG, XSTATE, TLS386]);
  const g = core(EM_386, 32, [PRSTATUS, XSTATE, TDESC]);
  const d = onlyNotes(k, g);
  assert.deepEqual(d.map((x) => [x.text, x.reasons[0]?.code, x.unexplained]), [
    ["note CORE/NT_PRFPREG only in A", "layout.kernel-only-note", false],
    ["note LINUX/NT_PRXFPREG only in A", "layout.kernel-only-note", false],
    ["note LINUX/NT_386_TLS only in A", "layout.kernel-only-note", false],
    ["note GDB/NT_GDB_TDESC only in B", "layout.gdb-only-note", false],
  ]);
  // Without XSAVE GDB writes NT_PRXFPREG: then only NT_PRFPREG is the kernel's alone.
  const gx = core(EM_386, 32, [PRSTATUS, PRXFPREG]);
  assert.ok(noteOnlyRule("i386", "CORE/NT_PRFPREG", true, new Set(["LINUX/NT_PRXFPREG"])));
  assert.equal(
    noteOnlyRule("i386", "LINUX/NT_PRXFPREG", true, new Set(["LINUX/NT_PRXFPREG"])),
    undefined,
  );
  const noXsave = core(EM_386, 32, [PRSTATUS, PRFPREG, PRXFPREG, TLS386]);
  assert.deepEqual(onlyNotes(noXsave, gx).map((x) => [x.text, x.unexplained]), [
    ["note CORE/NT_PRFPREG only in A", false],
    ["note LINUX/NT_386_TLS only in A", false],
  ]);
  // A kernel XSTATE with GDB's PRXFPREG fits no i386 rule (both follow the CPU's XSAVE).
  assert.ok(onlyNotes(k, gx).some((x) => x.text.includes("NT_X86_XSTATE") && x.unexplained));
});

Deno.test("x32: the kernel uses the x86-64 regsets, so i386-only notes are not explained", () => {
  // user_x86_64_view for x32 tasks: PRSTATUS, PRFPREG, XSTATE; GDB (amd64-linux, x32): the same.
  const k = core(EM_X86_64, 32, [PRSTATUS, PRFPREG, XSTATE, linux(0x205, "NT_X86_XSAVE_LAYOUT")]);
  const g = core(EM_X86_64, 32, [PRSTATUS, PRFPREG, XSTATE, TDESC]);
  const d = onlyNotes(k, g);
  assert.ok(d.every((x) => !x.unexplained), JSON.stringify(d));
  assert.match(d[0]!.reasons[0]!.text, /\[x32\]/);
  // NT_386_TLS / NT_PRXFPREG in an x32 core fit no x32 rule: unexplained, not the i386 rule.
  const odd = core(EM_X86_64, 32, [PRSTATUS, PRFPREG, XSTATE, TLS386, PRXFPREG]);
  const bad = onlyNotes(odd, g).filter((x) =>
    x.text.includes("386_TLS") || x.text.includes("PRXFPREG")
  );
  assert.equal(bad.length, 2);
  assert.ok(bad.every((x) => x.unexplained));
});

Deno.test("x86-64: NT_PRFPREG is written by both, so a missing one is unexplained", () => {
  const k = core(EM_X86_64, 64, [PRSTATUS, PRFPREG, XSTATE]);
  const g = core(EM_X86_64, 64, [PRSTATUS, XSTATE, TDESC]);
  const d = onlyNotes(k, g).find((x) => x.text.includes("NT_PRFPREG"))!;
  assert.equal(d.unexplained, true);
});

Deno.test("aarch64: kernel-only regsets (HW_BREAK, HW_WATCH, SYSTEM_CALL, PAC keys, SVE vs FPREG)", () => {
  const kTypes: [string, number, string][] = [
    PRSTATUS,
    PRFPREG,
    linux(0x401, "NT_ARM_TLS"),
    linux(0x402, "NT_ARM_HW_BREAK"),
    linux(0x403, "NT_ARM_HW_WATCH"),
    linux(0x404, "NT_ARM_SYSTEM_CALL"),
    linux(0x405, "NT_ARM_SVE"),
    linux(0x406, "NT_ARM_PAC_MASK"),
    linux(0x40a, "NT_0x40a"),
  ];
  // GDB 13 with SVE and pauth: .reg, .reg-aarch64-sve (instead of .reg2), .reg-aarch64-pauth, TLS.
  const gTypes: [string, number, string][] = [
    PRSTATUS,
    linux(0x401, "NT_ARM_TLS"),
    linux(0x405, "NT_ARM_SVE"),
    linux(0x406, "NT_ARM_PAC_MASK"),
    TDESC,
  ];
  const d = onlyNotes(core(EM_AARCH64, 64, kTypes), core(EM_AARCH64, 64, gTypes));
  assert.deepEqual(d.filter((x) => x.unexplained).map((x) => x.text), []);
  assert.deepEqual(d.map((x) => x.text), [
    "note CORE/NT_PRFPREG only in A",
    "note LINUX/NT_ARM_HW_BREAK only in A",
    "note LINUX/NT_ARM_HW_WATCH only in A",
    "note LINUX/NT_ARM_SYSTEM_CALL only in A",
    "note LINUX/NT_ARM_PAC_ENABLED_KEYS only in A",
    "note GDB/NT_GDB_TDESC only in B",
  ]);
  assert.ok(d.slice(0, 5).every((x) => /\[aarch64\]/.test(x.reasons[0]!.text)));
  // Without SVE in GDB's target, NT_PRFPREG is written by both: its absence is unexplained.
  const noSve = onlyNotes(
    core(EM_AARCH64, 64, [PRSTATUS, PRFPREG]),
    core(EM_AARCH64, 64, [PRSTATUS]),
  );
  assert.equal(noSve[0]!.unexplained, true);
  // An x86 note in an aarch64 core: no aarch64 rule explains it.
  const x86 = onlyNotes(core(EM_AARCH64, 64, [PRSTATUS, TLS386]), core(EM_AARCH64, 64, [PRSTATUS]));
  assert.equal(x86[0]!.unexplained, true);
});
