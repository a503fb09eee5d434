import assert from "node:assert/strict";
import { predictCommand, type PredictIO } from "./predict.ts";

const smapsDir = new URL("../test/fixtures/smaps/", import.meta.url);
const coresDir = new URL("../test/fixtures/cores/", import.meta.url);

function fakeIO(files: Record<string, string> = {}) {
  const out: string[] = [], err: string[] = [];
  const io: PredictIO = {
    stdout: (t) => void out.push(t),
    stderr: (t) => void err.push(t),
    readText: (path) => {
      if (path in files) return Promise.resolve(files[path]!);
      return Deno.readTextFile(path);
    },
  };
  return { io, out, err };
}

Deno.test("predict --help prints the options and exits 0", async () => {
  const { io, out } = fakeIO();
  assert.equal(await predictCommand(["--help"], io), 0);
  assert.match(out.join(""), /--kernel-profile/);
});

Deno.test("predict text output: aligned table, totals, status, octal warning", async () => {
  const { io, out, err } = fakeIO();
  const smaps = new URL("f033/smaps.txt", coresDir).pathname;
  assert.equal(await predictCommand(["--smaps", smaps, "--filter", "00000033"], io), 0);
  const text = out.join("");
  assert.deepEqual(err, []);
  assert.match(
    text,
    /^coredump_filter 0x33 \(anon-private, anon-shared, elf-headers, hugetlb-private\)/,
  );
  assert.match(
    text,
    /START-END +PERMS +NAME +K +K-SIZE +K-REASON +G +G-SIZE +G-REASON +ASSUMPTIONS/,
  );
  assert.match(
    text,
    /ffffffffff600000-ffffffffff601000 +--xp +\[vsyscall\] +W +0x1000 +kernel\.special-mapping +W/,
  );
  assert.match(text, /\[vvar\] +W +0x4000 +kernel\.special-mapping +\. +- +gdb\.io/);
  assert.match(text, /K:exec-bit-unknown\(0x0\|0x1000\)/);
  assert.match(text, /program headers +60 +47/);
  assert.match(text, /VmData 544 kB/);
  assert.match(text, /warning: Writing 00000033 .* sets 0x1b/);
  const lines = text.split("\n").filter((l) => / kernel\.| gdb\./.test(l));
  const col = (l: string) =>
    l.indexOf("K-REASON") >= 0 ? l.indexOf("K-REASON") : l.search(/ kernel\./) + 1;
  assert.ok(lines.every((l) => col(l) === col(lines[0]!)), "K-REASON column aligned");
});

Deno.test("predict JSON output has schemaVersion 1 and honours the options", async () => {
  const { io, out } = fakeIO({
    "h.json": JSON.stringify({ "0x7ffff7d65000": { execBit: true, elfMagic: false } }),
  });
  const smaps = new URL("f033/smaps.txt", coresDir).pathname;
  const code = await predictCommand([
    "--smaps",
    smaps,
    "--filter",
    "anon-private,elf-headers",
    "--producer",
    "kernel",
    "--kernel-profile",
    "kernel-5.10",
    "--hints",
    "h.json",
    "--format",
    "json",
  ], io);
  assert.equal(code, 0);
  const r = JSON.parse(out.join(""));
  assert.equal(r.schemaVersion, 1);
  assert.equal(r.filter, "0x11");
  assert.equal(r.kernelProfile, "kernel-5.10");
  assert.deepEqual(r.producers, ["kernel"]);
  assert.equal(r.totals.gdb, undefined);
  const notElf = r.mappings.find((m: { start: string }) => m.start === "0x7ffff7d65000");
  assert.equal(notElf.kernel.p_filesz, 4096);
  assert.equal(notElf.kernel.assumption, null);
});

Deno.test("predict gdb settings reach the result", async () => {
  const { io, out } = fakeIO();
  const smaps = new URL("rich.smaps.txt", smapsDir).pathname;
  await predictCommand([
    "--smaps",
    smaps,
    "--filter",
    "0x7e",
    "--gdb-use-filter",
    "off",
    "--gdb-dump-excluded",
    "on",
    "--format",
    "json",
  ], io);
  const r = JSON.parse(out.join(""));
  assert.deepEqual(r.gdb, {
    useCoredumpFilter: false,
    dumpExcludedMappings: true,
    effectiveFilter: "0x33",
  });
});

Deno.test("predict usage and input errors: one line, exit 2", async () => {
  const cases: [string[], Record<string, string>, RegExp][] = [
    [["--filter", "0x33"], {}, /--smaps FILE is required/],
    [["--smaps", "s"], { s: "" }, /--filter F is required/],
    [["--smaps", "s", "--filter", "51"], { s: "" }, /ambiguous/],
    [["--smaps", "s", "--filter", "0x33", "--producer", "both2"], {}, /--producer must be one of/],
    [["--smaps", "s", "--filter", "0x33", "--gdb-use-filter", "yes"], {}, /on, off/],
    [["--smaps", "s", "--filter", "0x33", "--bogus"], {}, /bogus/],
    [["--smaps", "s", "--filter", "0x33", "extra"], {}, /unexpected argument/],
    [["--smaps", "s", "--filter", "0x33"], { s: "" }, /s: no mappings/],
    [
      ["--smaps", "s", "--filter", "0x33"],
      { s: "00400000-00401000 r-xp 0 08:01 1\n" },
      /^coredelta predict: s: .*line 1, column 24/,
    ],
    [["--smaps", "/nonexistent/smaps", "--filter", "0x33"], {}, /No such file|not found/i],
    [
      ["--smaps", "s", "--filter", "0x33", "--hints", "h"],
      { s: "", h: "[1]" },
      /expected an object/,
    ],
    [
      ["--smaps", "s", "--filter", "0x33", "--hints", "h"],
      { s: "", h: '{"0x1":{"execbit":true}}' },
      /bad hint/,
    ],
  ];
  for (const [args, files, message] of cases) {
    const { io, out, err } = fakeIO(files);
    assert.equal(await predictCommand(args, io), 2, args.join(" "));
    assert.deepEqual(out, []);
    assert.equal(err.length, 1);
    assert.match(err[0]!, message);
    assert.ok(err[0]!.endsWith("\n") && err[0]!.split("\n").length === 2, err[0]);
  }
  const rollup = fakeIO();
  const path = new URL("cat.smaps_rollup.txt", smapsDir).pathname;
  assert.equal(await predictCommand(["--smaps", path, "--filter", "0x33"], rollup.io), 2);
  assert.match(rollup.err[0]!, /smaps_rollup/);
});
