/**
 * Inferred rules (no smaps) check every condition of the real rule they name, or say what they
 * could not check: the kernel's ELF-header page only at file offset 0 (from NT_FILE), readable,
 * inside a larger VMA.
 */
import assert from "node:assert/strict";
import type { Segment } from "../elf/program_header.ts";
import { type Aligned, comparePages, type Side } from "./align.ts";
import { explainRange } from "./explain.ts";

function side(vaddr: bigint, filesz: bigint, memsz: bigint, flags: number): Side {
  const pages = Number(filesz / 4096n);
  return {
    seg: { vaddr, filesz, memsz, flags, index: 1, type: 1, offset: 0x1000n } as Segment,
    pages: {
      index: 1,
      hashes: new BigUint64Array(pages).fill(7n),
      zero: new Uint8Array(pages),
    },
  };
}

const V = 0x7f0000000000n;

function codes(r: Aligned, fileOffset: bigint | undefined): string[] {
  const ds = explainRange(r, comparePages(r), {
    expectation: "kernel-vs-gdb",
    roles: { kernel: "a", gdb: "b" },
    fileName: "/srv/data.bin",
    ...(fileOffset !== undefined ? { fileOffset } : {}),
  });
  return ds.flatMap((d) => d.reasons.map((x) => x.code));
}

Deno.test("one kernel-only page of a file mapping: the ELF-header rule only at NT_FILE offset 0", () => {
  const r: Aligned = { start: V, end: V + 0x2000n, a: side(V, 0x1000n, 0x2000n, 4) };
  assert.deepEqual(codes(r, 0n), ["kernel.elf-header-page", "gdb.not-selected"]);
  assert.deepEqual(codes(r, 0x1000n), [], "at offset 0x1000 no ELF-header rule applies");
  assert.deepEqual(codes(r, undefined), [], "without NT_FILE the offset cannot be checked");
  // The rule needs VM_READ.
  const execOnly: Aligned = { start: V, end: V + 0x2000n, a: side(V, 0x1000n, 0x2000n, 1) };
  assert.deepEqual(codes(execOnly, 0n), []);
  // A one-page VMA dumped whole is not told from the header page: not claimed as the header rule.
  const onePage: Aligned = { start: V, end: V + 0x1000n, a: side(V, 0x1000n, 0x1000n, 4) };
  assert.ok(!codes(onePage, 0n).includes("kernel.elf-header-page"));
});

Deno.test("the header page against GDB's whole mapping: offset 0 required, and the text says what was not checked", () => {
  const r: Aligned = {
    start: V,
    end: V + 0x1000n,
    a: side(V, 0x1000n, 0x3000n, 4),
    b: side(V, 0x3000n, 0x3000n, 4),
  };
  const ds = explainRange(r, comparePages(r), {
    expectation: "kernel-vs-gdb",
    roles: { kernel: "a", gdb: "b" },
    fileName: "/usr/lib/libx.so",
    fileOffset: 0n,
  });
  const header = ds.flatMap((d) => d.reasons).find((x) => x.code === "kernel.elf-header-page")!;
  assert.equal(header.certainty, "inferred");
  assert.match(header.text, /not visible in them: the exec bit or \\x7fELF magic/);
  assert.deepEqual(codes(r, 0x2000n).filter((c) => c === "kernel.elf-header-page"), []);
});

Deno.test("run vs attach from psargs and signals; psargs fit the rule of each", async () => {
  const { gdbStart, psargsFit } = await import("./gdb_start.ts");
  const core = (psargs: string, signo?: number, cursig = 0) =>
    ({
      process: { psargs },
      ...(signo !== undefined ? { siginfo: { signo } } : {}),
      threads: [{ status: { cursig } }],
    }) as unknown as Parameters<typeof gdbStart>[0];
  const k = core("/bin/app -v beta gamma 42 ", 11, 11);
  assert.equal(gdbStart(k, core("/bin/app", 19)).how, "attach");
  assert.equal(gdbStart(k, core("/bin/app -v beta\\ gamma 42", 11, 11)).how, "run");
  assert.ok(psargsFit(k.process!.psargs, "/bin/app -v beta\\ gamma 42", "run"));
  assert.ok(psargsFit(k.process!.psargs, "/bin/app", "attach"));
  assert.ok(!psargsFit(k.process!.psargs, "/bin/app", "run"));
  assert.ok(!psargsFit(k.process!.psargs, "/bin/other -v", "run"));
  // Only a trailing space apart: started under GDB.
  assert.ok(psargsFit("/bin/app x ", "/bin/app x", "run"));
  // No arguments: the attach SIGSTOP tells, or a stop by another signal (it ran under GDB).
  assert.equal(gdbStart(core("/bin/app ", 11), core("/bin/app", 19)).how, "attach");
  assert.equal(gdbStart(core("/bin/app ", 11), core("/bin/app", 5, 5)).how, "run");
  assert.ok(psargsFit("/bin/app ", "/bin/app", "run"));
  // argv[0] longer than the 79 bytes the kernel keeps.
  const long = "/" + "d".repeat(90);
  assert.ok(psargsFit(long.slice(0, 79), long.slice(0, 80), "attach"));
});

Deno.test("a page that is a hole only in the kernel core of anonymous memory that cannot change: kernel.hole-not-present", () => {
  const page = (zero: boolean, hash: bigint) => ({ hash, zero });
  const withPages = (s: Side, pages: { hash: bigint; zero: boolean }[]): Side => ({
    seg: s.seg,
    pages: {
      index: s.pages.index,
      hashes: BigUint64Array.from(pages.map((p) => p.hash)),
      zero: Uint8Array.from(pages.map((p) => (p.zero ? 1 : 0))),
    },
  });
  const codesOf = (flags: number, fileName?: string) => {
    const k = withPages(side(V, 0x2000n, 0x2000n, flags), [page(true, 1n), page(false, 5n)]);
    const g = withPages(side(V, 0x2000n, 0x2000n, flags | 4), [page(false, 9n), page(false, 5n)]);
    const r: Aligned = { start: V, end: V + 0x2000n, a: k, b: g };
    return explainRange(r, comparePages(r), {
      expectation: "kernel-vs-gdb",
      roles: { kernel: "a", gdb: "b" },
      ...(fileName ? { fileName } : {}),
    }).filter((d) => d.kind === "content").flatMap((d) => d.reasons.map((x) => x.code));
  };
  assert.deepEqual(codesOf(0), ["kernel.hole-not-present"], "---p written then PROT_NONE");
  assert.deepEqual(codesOf(4 | 1), ["kernel.hole-not-present"], "anonymous r-x (JIT code)");
  assert.deepEqual(codesOf(4 | 2), ["timing.volatile-content"], "writable: may have changed");
  assert.deepEqual(codesOf(4, "/usr/lib/x.so"), [], "file-backed pages are faulted in, no holes");
});
