import assert from "node:assert/strict";
import { toJson } from "../report/json.ts";
import { parseSmaps } from "../smaps/parse.ts";
import { type EntrySpec, smapsEntry } from "../../test/_smaps_entry.ts";
import type { MappingHints } from "./facts.ts";
import { isPossible, predict, predictionLookup, type PredictOptions } from "./predict.ts";
import { tableOf } from "../smaps/table.ts";

const P = 4096;
const A = 0x7f0000000000n;
const rich = parseSmaps(
  Deno.readTextFileSync(new URL("../../test/fixtures/smaps/rich.smaps.txt", import.meta.url)),
).mappings;

function one(spec: Omit<EntrySpec, "start">, filter: number, options: PredictOptions = {}) {
  const { mappings } = parseSmaps(smapsEntry({ ...spec, start: A }));
  return predict(mappings, filter, options).mappings[0]!;
}
const hints = (h: MappingHints) => new Map([[A, h]]);
const fileRo = (name: string) => ({
  name,
  inode: 7,
  size: 2 * P,
  perms: "r--p",
  flags: "rd mr mw me",
});

Deno.test("predict: kernel profiles differ only in the ELF-header rule", () => {
  const elf0644 = hints({ execBit: false, elfMagic: true });
  const nonElf0755 = hints({ execBit: true, elfMagic: false });
  const size = (h: Map<bigint, MappingHints>, kernelProfile: PredictOptions["kernelProfile"]) =>
    one(fileRo("/tmp/f.bin"), 0x33, { hints: h, kernelProfile }).kernel!.p_filesz;
  assert.deepEqual(
    [size(elf0644, "kernel"), size(elf0644, "kernel-5.10"), size(elf0644, "kernel-5.9")],
    [P, 0, P],
  );
  assert.deepEqual(
    [size(nonElf0755, "kernel"), size(nonElf0755, "kernel-5.10"), size(nonElf0755, "kernel-5.9")],
    [P, P, 0],
  );
  const k = one(fileRo("/tmp/f.bin"), 0x33, { hints: nonElf0755, kernelProfile: "kernel-5.9" });
  assert.equal(k.kernel!.reason, "kernel.not-selected");
  assert.match(k.kernel!.text, /no \\x7fELF magic/);
});

Deno.test("predict: GDB use-coredump-filter off applies 0x33, dump-excluded-mappings keeps dd", () => {
  const anon = { size: 2 * P, perms: "rw-p", anonymous: P, flags: "rd wr mr mw me ac" };
  const off = one(anon, 0x7e, { gdb: { useCoredumpFilter: false } });
  assert.equal(off.gdb!.p_filesz, 2 * P);
  assert.equal(off.kernel!.p_filesz, 0);
  const on = one(anon, 0x7e);
  assert.equal(on.gdb!.emitted, false);
  const dd = { ...anon, flags: "rd wr mr mw me ac dd" };
  assert.equal(one(dd, 0x33).gdb!.reason, "gdb.dontdump");
  const excl = one(dd, 0x33, { gdb: { dumpExcludedMappings: true } });
  assert.equal(excl.gdb!.p_filesz, 2 * P);
  assert.equal(excl.gdb!.reason, "gdb.anon-private");
  assert.equal(excl.kernel!.reason, "kernel.dontdump");
  const r = predict(rich, 0x7e, { gdb: { useCoredumpFilter: false } });
  assert.equal(r.gdb.effectiveFilter, "0x33");
  assert.match(r.warnings.join("\n"), /use-coredump-filter off/);
});

Deno.test("predict: an unknown exec bit becomes an assumption with every outcome; a hint settles it", () => {
  const p = one(fileRo("/srv/blob"), 0x33);
  const a = p.kernel!.assumption!;
  assert.equal(a.assumption, "exec-bit-unknown");
  assert.deepEqual(a.facts, ["execBit", "elfMagic"]);
  assert.deepEqual(a.outcomes.map((o) => [o.p_filesz, o.reason]), [
    [0, "kernel.not-selected"],
    [P, "kernel.elf-header-page"],
  ]);
  assert.ok(isPossible(p.kernel!, { emitted: true, p_filesz: P }));
  assert.ok(!isPossible(p.kernel!, { emitted: false, p_filesz: 0 }));
  assert.equal(p.gdb!.assumption!.assumption, "elf-magic-unknown");
  const settled = one(fileRo("/srv/blob"), 0x33, { hints: hints({ execBit: true }) });
  assert.equal(settled.kernel!.assumption, null);
  assert.equal(settled.kernel!.p_filesz, P);
  // Under a filter where the fact cannot matter there is no assumption at all.
  assert.equal(one(fileRo("/srv/blob"), 0x04).kernel!.assumption, null);
});

Deno.test("predict: shared ' (deleted)' files depend on the link count", () => {
  const spec = { ...fileRo("/tmp/s.bin (deleted)"), perms: "rw-s", flags: "rd wr sh mr mw me ms" };
  const p = one(spec, 0x33);
  assert.equal(p.kernel!.assumption!.assumption, "nlink-unknown");
  assert.equal(p.kernel!.p_filesz, 2 * P);
  assert.equal(p.kernel!.reason, "kernel.anon-shared");
  const linked = one(spec, 0x33, { hints: hints({ nlink: 2 }) });
  assert.equal(linked.kernel!.p_filesz, 0);
  assert.equal(linked.kernel!.reason, "kernel.file-shared");
  assert.equal(linked.gdb!.p_filesz, 2 * P);
  assert.deepEqual(linked.differences.map((d) => d.code), ["gdb-only"]);
});

Deno.test("predict: GDB's ' (deleted)' heuristic is named when it decides", () => {
  const memfd = one(
    { ...fileRo("/memfd:x (deleted)"), dev: "00:01", perms: "r--p" },
    0x33,
    { hints: hints({ elfMagic: false }) },
  );
  assert.equal(memfd.gdb!.reason, "gdb.deleted-name-is-anonymous");
  assert.equal(memfd.gdb!.p_filesz, 2 * P);
  assert.equal(memfd.kernel!.p_filesz, P);
  assert.equal(memfd.kernel!.reason, "kernel.elf-header-page");
  assert.deepEqual(memfd.differences.map((d) => d.code), ["size-differs"]);
  // /dev/zero (deleted) is anonymous by its own rule, not by the suffix.
  const devzero = one(
    { ...fileRo("/dev/zero (deleted)"), perms: "rw-s", flags: "rd wr sh mr mw me ms" },
    0x33,
  );
  assert.equal(devzero.gdb!.reason, "gdb.anon-shared");
});

Deno.test("predict: gdb omits segments the kernel writes empty; p_flags differ on ---p", () => {
  const guard = one({ size: P, perms: "---p", flags: "mr mw me ac" }, 0x02);
  assert.equal(guard.kernel!.emitted, true);
  assert.equal(guard.kernel!.p_filesz, 0);
  assert.equal(guard.gdb!.emitted, false);
  assert.deepEqual(guard.differences.map((d) => d.code), ["gdb.omits-empty-segment"]);
  const dumped = one({ size: P, perms: "---p", flags: "mr mw me ac" }, 0x33);
  assert.deepEqual(dumped.differences.map((d) => d.code), ["gdb-only", "flags-differ"]);
  assert.equal(dumped.gdb!.flags, "R  ");
  const written = one({ size: P, perms: "---p", anonymous: P, flags: "mr mw me ac" }, 0x33);
  assert.deepEqual(written.differences.map((d) => d.code), ["flags-differ"]);
  assert.equal(written.kernel!.p_flags, 0);
  assert.equal(written.gdb!.p_flags, 4);
});

Deno.test("predict: page estimates (holes vs written) for the kernel core", () => {
  const r = predict(rich, 0x33);
  const get = (name: string, perms?: string) =>
    r.mappings.find((m) => m.name === name && (perms === undefined || m.perms === perms))!;
  assert.deepEqual(
    [get("[vvar]").kernel!.pages!.holes, get("[vvar]").kernel!.pages!.written],
    [4, 0],
  );
  assert.equal(get("[vsyscall]").kernel!.pages!.holes, 1);
  assert.equal(get("[vdso]").kernel!.pages!.holes, 0);
  const heap = get("[heap]").kernel!.pages!;
  assert.equal(heap.written + heap.holes, get("[heap]").size / P);
  assert.ok(heap.holes > 0);
  const shm = get("/SYSV00000000 (deleted)").kernel!.pages!;
  assert.deepEqual([shm.written, shm.holes, shm.zeroFilled], [2, 0, 1]);
  assert.equal(get("/dev/zero", "rw-p").kernel!.pages!.holes, 1);
});

Deno.test("predict: totals, status and a JSON-able result", () => {
  const r = predict(rich, 0x33);
  assert.equal(r.schemaVersion, 1);
  assert.equal(r.filter, "0x33");
  assert.deepEqual(r.filterBits, ["anon-private", "anon-shared", "elf-headers", "hugetlb-private"]);
  const k = r.totals.kernel!, g = r.totals.gdb!;
  assert.equal(k.loadSegments, rich.length);
  assert.equal(k.phnum, rich.length + 1);
  assert.equal(k.headerBytes, 64 + 56 * k.phnum);
  assert.equal(g.loadSegments, r.mappings.filter((m) => m.gdb!.emitted).length);
  assert.equal(g.headerBytes, 64 + 56 * g.phnum + 64 * (g.loadSegments + 3));
  assert.equal(k.memoryBytes, r.mappings.reduce((s, m) => s + m.kernel!.p_filesz, 0));
  assert.ok(k.memoryBytesMin <= k.memoryBytes && k.memoryBytes <= k.memoryBytesMax);
  assert.equal(r.executable, "/tmp/coredelta-capture/capture");
  assert.equal(r.status.VmStk, 135168);
  const json = JSON.parse(toJson(r));
  assert.equal(json.mappings[0].start, `0x${r.mappings[0]!.start.toString(16)}`);
  assert.equal(r.mappings.at(-1)!.start, 0xffffffffff600000n);
});

Deno.test("predict: inferences name the guessed facts that matter", () => {
  const r = predict(rich, 0x33);
  const memfd = r.mappings.find((m) => m.name === "/memfd:cap (deleted)" && m.perms === "r--p")!;
  assert.deepEqual(memfd.inferences.find((i) => i.fact === "execBit"), {
    fact: "execBit",
    value: true,
    certainty: "inferred",
    basis: "memfd inodes have mode 0777 (unless MFD_NOEXEC_SEAL)",
  });
  const libc = r.mappings.find((m) => m.name.endsWith("libc.so.6") && m.offset === 0n)!;
  assert.ok(libc.inferences.some((i) => i.fact === "elfMagic" && i.value));
  assert.equal(libc.kernel!.p_filesz, P);
});

Deno.test("predict: maps input makes GDB dump everything and leaves anon_vma open", () => {
  const maps = parseSmaps(
    Deno.readTextFileSync(new URL("../../test/fixtures/smaps/rich.maps.txt", import.meta.url)),
  ).mappings;
  const r = predict(maps, 0x33);
  assert.ok(r.mappings.every((m) => m.gdb!.emitted && m.gdb!.reason === "gdb.no-anonymous-field"));
  const heap = r.mappings.find((m) => m.name === "[heap]")!;
  assert.equal(heap.kernel!.assumption!.assumption, "anon-vma-unknown");
  assert.equal(heap.kernel!.p_filesz, heap.size);
  const shared = r.mappings.find((m) => m.name.endsWith("/capture") && m.perms === "r--s")!;
  assert.equal(shared.kernel!.assumption!.assumption, "vm-shared-unknown");
  assert.match(r.warnings[0]!, /maps, not smaps/);
});

Deno.test("predict: producers can be chosen", () => {
  const r = predict(rich, 0x33, { producers: ["gdb"] });
  assert.equal(r.mappings[0]!.kernel, undefined);
  assert.equal(r.totals.kernel, undefined);
  assert.deepEqual(r.mappings[0]!.differences, []);
  assert.ok(r.mappings[0]!.gdb);
});

Deno.test("predict: alike mappings share a prediction equal to deciding each alone", () => {
  for (const name of ["rich.smaps.txt", "cat.smaps.txt", "edge.smaps.txt"]) {
    const text = Deno.readTextFileSync(
      new URL(`../../test/fixtures/smaps/${name}`, import.meta.url),
    );
    const { mappings } = parseSmaps(text);
    // The same mappings twice over, so every one has an alike twin.
    const twice = [...mappings, ...mappings.map((m) => ({ ...m, start: m.start + (1n << 47n) }))];
    const executable = "/usr/bin/cat";
    const together = predict(twice, 0x33, { executable }).mappings;
    const alone = twice.map((m) => predict([m], 0x33, { executable }).mappings[0]!);
    assert.deepEqual(together, alone, name);
  }
});

Deno.test("predict: a parsed table and its plain mappings give the same result, under every filter", () => {
  const dir = new URL("../../test/fixtures/", import.meta.url);
  const texts = [
    "smaps/rich.smaps.txt",
    "smaps/rich.maps.txt",
    "smaps/edge.smaps.txt",
    "cores/f07f/smaps.txt",
  ].map((f) => Deno.readTextFileSync(new URL(f, dir)));
  for (const text of texts) {
    const doc = parseSmaps(text);
    const table = tableOf(doc);
    const plain = [...doc.mappings].map((m) => ({ ...m }));
    assert.ok(table.bodies.length <= table.length);
    for (const filter of [0x0, 0x13, 0x33, 0x7f, 0x1ff]) {
      for (const gdb of [{}, { useCoredumpFilter: false, dumpExcludedMappings: true }]) {
        const a = predict(table, filter, { gdb }), b = predict(plain, filter, { gdb });
        assert.equal(toJson(a), toJson(b));
        // The lookup a diff uses makes the same per-mapping predictions.
        const look = predictionLookup(a);
        for (let i = 0; i < look.length; i += 7) {
          assert.equal(toJson(look.at(i)), toJson(b.mappings[i]));
        }
      }
    }
  }
});
