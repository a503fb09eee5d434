import assert from "node:assert/strict";
import type { CoreFile } from "../elf/core.ts";
import { executableOf, identify, smapsFitsCore } from "./identity.ts";

const EXE = "/opt/app/bin/server";
const LIBC = "/usr/lib/x86_64-linux-gnu/libc.so.6";

/** A core's notes as identify() reads them: pid, threads, auxv, NT_FILE and loads. */
function core(o: { pid?: number; base?: bigint; lib?: bigint; stack?: bigint; exe?: string }) {
  const base = o.base ?? 0x555555554000n, lib = o.lib ?? 0x7ffff7dd5000n;
  const stack = o.stack ?? 0x7fffffffe000n, pid = o.pid ?? 100;
  const files = [
    { start: base, end: base + 0x1000n, offset: 0n, name: o.exe ?? EXE },
    { start: base + 0x1000n, end: base + 0x3000n, offset: 0x1000n, name: o.exe ?? EXE },
    { start: lib, end: lib + 0x26000n, offset: 0n, name: LIBC },
  ].map((e) => ({ ...e, fileOfs: e.offset / 4096n }));
  return {
    process: { pid, fname: (o.exe ?? EXE).split("/").pop() },
    threads: [{ tid: pid, status: { registers: {} } }, {
      tid: pid + 1,
      status: { registers: {} },
    }],
    auxv: [
      { type: 3, name: "AT_PHDR", value: base + 0x40n },
      { type: 9, name: "AT_ENTRY", value: base + 0x1100n },
      { type: 7, name: "AT_BASE", value: lib + 0x200000n },
      { type: 33, name: "AT_SYSINFO_EHDR", value: lib + 0x1f0000n },
      { type: 25, name: "AT_RANDOM", value: stack + 0xa09n },
    ],
    files: { pageSize: 4096n, entries: files },
    loads: files.map((e) => ({ vaddr: e.start, memsz: e.end - e.start })),
  } as unknown as CoreFile;
}

Deno.test("identify: one process (pid and auxv equal)", () => {
  const id = identify(core({}), core({}));
  assert.equal(id.relation, "same-process");
  assert.equal(id.code, undefined);
  assert.ok(id.evidence.every((e) => e.same), JSON.stringify(id.evidence));
});

Deno.test("identify: another pid with the same layout is identity.different-process", () => {
  const id = identify(core({}), core({ pid: 200 }));
  assert.equal(id.relation, "same-program");
  assert.equal(id.code, "identity.different-process");
  assert.deepEqual(id.evidence.filter((e) => !e.same).map((e) => e.field), ["pid", "threads"]);
});

Deno.test("identify: other load addresses are identity.different-run, whatever the pid", () => {
  const moved = core({ pid: 200, base: 0x5600aa000000n, lib: 0x7f11aa000000n });
  assert.equal(identify(core({}), moved).code, "identity.different-run");
  // pid 1 in two containers: the same pid, but another exec.
  const reused = identify(core({ pid: 1 }), core({ pid: 1, stack: 0x7ffc00000000n }));
  assert.equal(reused.code, "identity.different-run");
  assert.match(reused.text, /reused/);
});

Deno.test("identify: another executable is identity.different-program (not a rebuilt copy)", () => {
  const other = identify(core({}), core({ exe: "/opt/app/bin/worker" }));
  assert.equal(other.relation, "different-program");
  assert.equal(other.code, "identity.different-program");
  assert.equal(executableOf(core({})), EXE);
  // Build 41 and build 42 of one program, in their own directories, are two runs of it.
  const rebuilt = identify(
    core({ exe: "/ci/41/server" }),
    core({ exe: "/ci/42/server", pid: 300, base: 0x5600aa000000n }),
  );
  assert.equal(rebuilt.relation, "same-program");
  assert.equal(rebuilt.code, "identity.different-run");
});

Deno.test("identify: without pid or auxv the relation is unknown", () => {
  const bare = { threads: [], loads: [] } as unknown as CoreFile;
  assert.equal(identify(bare, bare).relation, "unknown");
});

Deno.test("smapsFitsCore: the core's NT_FILE mappings must start where smaps mappings start", () => {
  const c = core({});
  const fits = [0x555555554000n, 0x555555555000n, 0x7ffff7dd5000n].map((start) => ({
    start,
    end: start + 0x1000n,
    name: "x",
  }));
  assert.equal(smapsFitsCore(fits, c).fits, true);
  const moved = fits.map((m) => ({ ...m, start: m.start + 0x10000000n }));
  const r = smapsFitsCore(moved, c);
  assert.equal(r.fits, false);
  assert.match(r.text, /0 of the core's 3 NT_FILE mappings/);
});
