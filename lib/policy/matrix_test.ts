/**
 * The observed decision matrix of spec dump-policies §4.2 (K6.18 + G13) as a table-driven test: each
 * row is a mapping written as the kernel prints it in smaps (VmFlags, Anonymous), with the facts
 * smaps cannot show given as hints where the experiment knew them; each column a filter.
 * Cell = `K/G`: `W` whole, `1p` first page, `0` PT_LOAD with p_filesz 0, `.` no program header.
 */

import assert from "node:assert/strict";
import { parseSmaps } from "../smaps/parse.ts";
import { type EntrySpec, smapsEntry } from "../../test/_smaps_entry.ts";
import type { MappingHints } from "./facts.ts";
import { predict, type ProducerPrediction } from "./predict.ts";

const FILTERS = [0x33, 0x00, 0x01, 0x02, 0x04, 0x08, 0x10, 0x1ff, 0x7e, 0x7d, 0x60];
const EXE = "/tmp/maps";
const LIBC = "/usr/lib/x86_64-linux-gnu/libc.so.6";
const LD = "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2";
const P = 4096;
const A = 0x7f0000000000n;

interface Row {
  label: string;
  spec: Omit<EntrySpec, "start">;
  hints?: MappingHints;
  /** GDB saw a different process (breakpoints COW'd the text): its Anonymous value. */
  gdbAnonymous?: number;
  cells: string;
}

const anon = (size: number, perms: string, anonymous: number, flags: string) => ({
  size,
  perms,
  anonymous,
  flags,
});
const RW = "rd wr mr mw me ac";
const SH = "rd wr sh mr mw me ms";
const file = (name: string, extra: Partial<EntrySpec> = {}) => ({
  name,
  inode: 1234,
  size: 2 * P,
  perms: "r--p",
  flags: "rd mr mw me",
  ...extra,
});
const notElf0644: MappingHints = { execBit: false, elfMagic: false };

// deno-fmt-ignore
const ROWS: Row[] = [
  { label: "exe r--p off 0 (1 page)", spec: file(EXE, { size: P }),
    cells: "W/W 0/. 0/. 0/. W/W 0/. W/W W/W W/W W/W 0/." },
  { label: "exe r-xp off 0x1000", spec: file(EXE, { perms: "r-xp", offset: 0x1000n, flags: "rd ex mr mw me" }),
    cells: "0/. 0/. 0/. 0/. W/W 0/. 0/. W/W W/W W/W 0/." },
  { label: "exe rw-p .data (COW by relocation)", spec: file(EXE, { perms: "rw-p", offset: 0x3000n, size: P, anonymous: P, flags: RW }),
    cells: "W/W 0/. W/W 0/. W/W 0/. 0/. W/W W/W W/W 0/." },
  { label: "[heap]", spec: { ...anon(33 * P, "rw-p", 4 * P, RW), name: "[heap]" },
    cells: "W/W 0/. W/W 0/. 0/W 0/. 0/. W/W 0/W W/W 0/." },
  { label: "[stack]", spec: { ...anon(33 * P, "rw-p", 3 * P, "rd wr mr mw me gd ac"), name: "[stack]" },
    cells: "W/W 0/. W/W 0/. 0/W 0/. 0/. W/W 0/W W/W 0/." },
  { label: "thread stack rw-p 8 MiB", spec: anon(2048 * P, "rw-p", 3 * P, RW),
    cells: "W/W 0/. W/W 0/. 0/. 0/. 0/. W/W 0/. W/W 0/." },
  { label: "thread stack guard ---p", spec: anon(P, "---p", 0, "mr mw me ac"),
    cells: "0/W 0/. 0/W 0/. 0/. 0/. 0/. 0/W 0/. 0/W 0/." },
  { label: "A anon private, pages 0,2 written", spec: anon(4 * P, "rw-p", 2 * P, RW),
    cells: "W/W 0/. W/W 0/. 0/. 0/. 0/. W/W 0/. W/W 0/." },
  { label: "A3 anon private, only read", spec: anon(2 * P, "rw-p", 0, RW),
    cells: "0/W 0/. 0/W 0/. 0/. 0/. 0/. 0/W 0/. 0/W 0/." },
  { label: "B anon private, untouched", spec: anon(2 * P, "rw-p", 0, RW),
    cells: "0/W 0/. 0/W 0/. 0/. 0/. 0/. 0/W 0/. 0/W 0/." },
  { label: "K1 anon PROT_NONE, untouched", spec: anon(2 * P, "---p", 0, "mr mw me ac"),
    cells: "0/W 0/. 0/W 0/. 0/. 0/. 0/. 0/W 0/. 0/W 0/." },
  { label: "K2 anon written then PROT_NONE", spec: anon(2 * P, "---p", P, "mr mw me ac"),
    cells: "W/W 0/. W/W 0/. 0/. 0/. 0/. W/W 0/. W/W 0/." },
  { label: "C shared anonymous", spec: { ...anon(2 * P, "rw-s", 0, SH), rss: P, dev: "00:01", inode: 1043, name: "/dev/zero (deleted)" },
    cells: "W/W 0/. 0/. W/W 0/. 0/. 0/. W/W W/W 0/. 0/." },
  { label: "P SysV SHM", spec: { ...anon(2 * P, "rw-s", 0, SH), rss: P, dev: "00:01", inode: 4, name: "/SYSV00000000 (deleted)" },
    cells: "W/W 0/. 0/. W/W 0/. 0/. 0/. W/W W/W 0/. 0/." },
  { label: "L memfd shared", spec: { ...anon(2 * P, "rw-s", 0, SH), rss: P, dev: "00:01", inode: 1045, name: "/memfd:cap (deleted)" },
    cells: "W/W 0/. 0/. W/W 0/. 0/. 0/. W/W W/W 0/. 0/." },
  { label: "M memfd private, page 1 written", spec: { ...anon(2 * P, "rw-p", P, RW), dev: "00:01", inode: 1045, name: "/memfd:cap (deleted)" },
    hints: { elfMagic: false }, cells: "W/W 0/. W/W 0/. W/. 0/. 1p/. W/W W/. W/W 0/." },
  { label: "N memfd private, read only", spec: { ...anon(2 * P, "r--p", 0, "rd mr mw me"), dev: "00:01", inode: 1045, name: "/memfd:cap (deleted)" },
    hints: { elfMagic: false }, cells: "1p/W 0/. 0/W 0/. W/. 0/. 1p/. W/W W/. W/W 0/." },
  { label: "O file shared, unlinked (nlink 0)", spec: file("/tmp/o.bin (deleted)", { perms: "rw-s", flags: SH }),
    hints: { nlink: 0 }, cells: "W/W 0/. 0/. W/W 0/. 0/. 0/. W/W W/W 0/. 0/." },
  { label: "O2 file shared, unlinked, other hard link", spec: file("/tmp/o2.bin (deleted)", { perms: "rw-s", flags: SH }),
    hints: { nlink: 1 }, cells: "0/W 0/. 0/. 0/W 0/. W/. 0/. W/W W/W W/. 0/." },
  { label: "O3 file private r/o, unlinked", spec: file("/tmp/o3.bin (deleted)"),
    hints: notElf0644, cells: "0/W 0/. 0/W 0/. W/. 0/. 0/. W/W W/. W/W 0/." },
  { label: "D file private r/o (0644, not ELF)", spec: file("/tmp/d.bin"),
    hints: notElf0644, cells: "0/. 0/. 0/. 0/. W/W 0/. 0/. W/W W/W W/W 0/." },
  { label: "E file private, page 0 written (COW)", spec: file("/tmp/e.bin", { perms: "rw-p", anonymous: P, flags: RW }),
    hints: notElf0644, cells: "W/W 0/. W/W 0/. W/W 0/. 0/. W/W W/W W/W 0/." },
  { label: "F file shared, written", spec: file("/tmp/f.bin", { perms: "rw-s", flags: SH }),
    cells: "0/. 0/. 0/. 0/. 0/. W/W 0/. W/W W/W W/W 0/." },
  { label: "G anon + MADV_DONTDUMP", spec: anon(2 * P, "rw-p", 2 * P, `${RW} dd`),
    cells: "0/. 0/. 0/. 0/. 0/. 0/. 0/. 0/. 0/. 0/. 0/." },
  { label: "H ELF mode 0644, off 0, 2 pages", spec: file("/tmp/h.bin"), hints: { execBit: false, elfMagic: true },
    cells: "1p/W 0/. 0/. 0/. W/W 0/. 1p/W W/W W/W W/W 0/." },
  { label: "H2 ELF mode 0755", spec: file("/tmp/h2.bin"), hints: { execBit: true, elfMagic: true },
    cells: "1p/W 0/. 0/. 0/. W/W 0/. 1p/W W/W W/W W/W 0/." },
  { label: "J ELF at offset 0x1000", spec: file("/tmp/h.bin", { size: P, offset: 0x1000n }),
    cells: "0/. 0/. 0/. 0/. W/W 0/. 0/. W/W W/W W/W 0/." },
  { label: "AA ELF PROT_EXEC only (--xp)", spec: file("/tmp/h2.bin", { perms: "--xp", flags: "ex mr mw me" }),
    hints: { execBit: true, elfMagic: true }, cells: "0/W 0/. 0/. 0/. W/W 0/. 0/W W/W W/W W/W 0/." },
  { label: "I non-ELF file mode 0755", spec: file("/tmp/i.bin"), hints: { execBit: true, elfMagic: false },
    cells: "1p/. 0/. 0/. 0/. W/W 0/. 1p/. W/W W/W W/W 0/." },
  { label: "U file 'my file (x).bin'", spec: file("/tmp/my file (x).bin"), hints: notElf0644,
    cells: "0/. 0/. 0/. 0/. W/W 0/. 0/. W/W W/W W/W 0/." },
  { label: "S1 hugetlb private", spec: { ...anon(512 * P, "rw-p", 0, "rd wr mr mw me de ht"), dev: "00:10", inode: 9, name: "/anon_hugepage (deleted)", privateHugetlb: 512 * P },
    cells: "W/W 0/. 0/. 0/. 0/. 0/. 0/. W/W W/W W/W W/W" },
  { label: "S2 hugetlb shared", spec: { ...anon(512 * P, "rw-s", 0, "rd wr sh mr mw me ms de ht"), dev: "00:10", inode: 10, name: "/anon_hugepage (deleted)", sharedHugetlb: 512 * P },
    cells: "0/. 0/. 0/. 0/. 0/. 0/. 0/. W/W W/W W/W W/W" },
  { label: "T anon THP region", spec: { ...anon(1024 * P, "rw-p", 512 * P, `${RW} hg`), anonHuge: 512 * P },
    cells: "W/W 0/. W/W 0/. 0/. 0/. 0/. W/W 0/. W/W 0/." },
  { label: "libc r--p off 0", spec: file(LIBC, { size: 0x26000 }),
    cells: "1p/W 0/. 0/. 0/. W/W 0/. 1p/W W/W W/W W/W 0/." },
  { label: "libc r-xp", spec: file(LIBC, { size: 0x156000, perms: "r-xp", offset: 0x26000n, flags: "rd ex mr mw me" }),
    cells: "0/. 0/. 0/. 0/. W/W 0/. 0/. W/W W/W W/W 0/." },
  { label: "ld.so r-xp (GDB breakpoints COW it in the gcore process)", spec: file(LD, { size: 0x26000, perms: "r-xp", offset: 0x1000n, flags: "rd ex mr mw me" }),
    gdbAnonymous: P, cells: "0/W 0/. 0/W 0/. W/W 0/. 0/. W/W W/W W/W 0/." },
  { label: "[vvar]", spec: { ...anon(4 * P, "r--p", 0, "rd mr pf io de dd"), name: "[vvar]" },
    cells: "W/. W/. W/. W/. W/. W/. W/. W/. W/. W/. W/." },
  { label: "[vvar_vclock]", spec: { ...anon(2 * P, "r--p", 0, "rd mr pf io de dd"), name: "[vvar_vclock]" },
    cells: "W/. W/. W/. W/. W/. W/. W/. W/. W/. W/. W/." },
  { label: "[vdso]", spec: { ...anon(2 * P, "r-xp", 0, "rd ex mr mw me de"), name: "[vdso]" },
    cells: "W/W W/W W/W W/W W/W W/W W/W W/W W/W W/W W/W" },
  { label: "[vsyscall]", spec: { ...anon(P, "--xp", 0, "ex"), name: "[vsyscall]" },
    cells: "W/W W/W W/W W/W W/W W/W W/W W/W W/W W/W W/W" },
];

/** Renders one producer's prediction as a matrix cell half. */
function cell(p: ProducerPrediction, size: number): string {
  if (!p.emitted) return ".";
  if (p.p_filesz === 0) return "0";
  if (p.p_filesz === size) return "W";
  if (p.p_filesz === P) return "1p";
  return `?${p.p_filesz}`;
}

function predictRow(row: Row, filter: number, who: "kernel" | "gdb"): ProducerPrediction {
  const start = row.spec.name === "[vsyscall]" ? 0xffffffffff600000n : A;
  const anonymous = who === "gdb" && row.gdbAnonymous !== undefined ? row.gdbAnonymous : undefined;
  const spec = { ...row.spec, start, ...(anonymous !== undefined ? { anonymous } : {}) };
  const { mappings } = parseSmaps(smapsEntry(spec));
  const hints = new Map(row.hints ? [[start, row.hints]] : []);
  const r = predict(mappings, filter, { producers: [who], hints, executable: EXE });
  return r.mappings[0]![who]!;
}

for (const row of ROWS) {
  Deno.test(`§4.2 matrix: ${row.label}`, () => {
    const want = row.cells.split(" ");
    assert.equal(want.length, FILTERS.length);
    const got = FILTERS.map((f) => {
      const k = predictRow(row, f, "kernel");
      const g = predictRow(row, f, "gdb");
      assert.equal(k.assumption, null, `kernel 0x${f.toString(16)}: ${k.assumption?.text}`);
      assert.equal(g.assumption, null, `gdb 0x${f.toString(16)}: ${g.assumption?.text}`);
      return `${cell(k, row.spec.size)}/${cell(g, row.spec.size)}`;
    });
    const cols = FILTERS.map((f) => `0x${f.toString(16)}`);
    assert.deepEqual(
      Object.fromEntries(cols.map((c, i) => [c, got[i]])),
      Object.fromEntries(cols.map((c, i) => [c, want[i]])),
    );
  });
}

Deno.test("§4.2 matrix: p_flags of guard pages and the xonly gate page", () => {
  const guard = ROWS.find((r) => r.label === "thread stack guard ---p")!;
  assert.equal(predictRow(guard, 0x33, "kernel").flags, "   ");
  assert.equal(predictRow(guard, 0x33, "gdb").flags, "R  ");
  const gate = ROWS.find((r) => r.label === "[vsyscall]")!;
  assert.equal(predictRow(gate, 0x33, "kernel").flags, "  E");
  assert.equal(predictRow(gate, 0x33, "gdb").flags, "R E");
});
