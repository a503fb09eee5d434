import assert from "node:assert/strict";
import { capture } from "./test/_cli.ts";
import { main } from "./main.ts";
import { fixturePath } from "./test/_fixtures.ts";

Deno.test("main: no command prints help and exits 2; --help exits 0", async () => {
  const a = capture();
  assert.equal(await main([], a.io), 2);
  assert.match(a.out.stdout, /Usage: coredelta COMMAND/);
  const b = capture();
  assert.equal(await main(["--help"], b.io), 0);
});

Deno.test("main: unknown commands and options exit 2 with one line", async () => {
  const a = capture();
  assert.equal(await main(["frobnicate"], a.io), 2);
  assert.equal(a.out.stderr.trim().split("\n").length, 1);
  assert.match(a.out.stderr, /unknown command "frobnicate"/);
  const b = capture();
  assert.equal(await main(["inspect", "--bogus", "x"], b.io), 2);
  assert.match(b.out.stderr, /^coredelta inspect: Unknown option '--bogus'/);
  assert.equal(b.out.stderr.trim().split("\n").length, 1);
});

Deno.test("inspect --help documents the command", async () => {
  const a = capture();
  assert.equal(await main(["inspect", "--help"], a.io), 0);
  assert.match(a.out.stdout, /--format text\|json/);
});

Deno.test("inspect explains a gzipped real kernel core, as text and as JSON", async () => {
  const path = fixturePath("f033", "kernel.core.gz");
  const a = capture();
  assert.equal(await main(["inspect", path], a.io), 0);
  assert.match(a.out.stdout, /producer: kernel/);
  assert.match(a.out.stdout, /signal: SIGSEGV \(11\)/);
  assert.match(a.out.stdout, /PT_LOAD .* \/usr\/lib\/x86_64-linux-gnu\/libc\.so\.6/);
  const b = capture();
  assert.equal(await main(["inspect", "--format", "json", path], b.io), 0);
  const j = JSON.parse(b.out.stdout);
  assert.equal(j.schemaVersion, 1);
  assert.equal(j.producer.producer, "kernel");
  assert.match(j.segments.at(1).vaddr, /^0x[0-9a-f]+$/);
});

Deno.test("inspect of a non-core or missing file exits 2 naming the field and offset", async () => {
  const a = capture();
  assert.equal(await main(["inspect", "deno.json"], a.io), 2);
  assert.match(a.out.stderr, /Not an ELF file: bad magic at byte 0x0/);
  const b = capture();
  assert.equal(await main(["inspect", "/nonexistent/core"], b.io), 2);
  assert.match(b.out.stderr, /No such file/);
});

Deno.test("inspect leaves no temporary files behind for compressed cores", async () => {
  // TMPDIR is set for a child process only: changing this process's environment would move the
  // temporary files of every test running in parallel into this directory (a --parallel race).
  const tmp = await Deno.makeTempDir();
  const inspect = (path: string) =>
    new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", new URL("./main.ts", import.meta.url).pathname, "inspect", path],
      env: { TMPDIR: tmp },
      stdout: "null",
      stderr: "null",
    }).output();
  try {
    assert.equal((await inspect(fixturePath("f023", "gdb.core.gz"))).code, 0);
    assert.equal((await inspect(new URL("./main.ts", import.meta.url).pathname)).code, 2);
    assert.deepEqual([...Deno.readDirSync(tmp)], []);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("diff: a pair in parity exits 0; the f033 pair's program write and the changed pair exit 1", async () => {
  const same = capture();
  const core = fixturePath("f033", "gdb.core.gz");
  assert.equal(await main(["diff", core, core], same.io), 0);
  assert.match(same.out.stdout, /^coredelta: PASS \(identical\)/);
  const a = capture();
  const f = (s: string, n: string) => fixturePath(s, n);
  assert.equal(
    await main([
      "diff",
      f("f033", "kernel.core.gz"),
      f("f033", "gdb.core.gz"),
      "--smaps",
      f("f033", "smaps.txt"),
      "--filter",
      "0x33",
    ], a.io),
    1,
  );
  // Between its gcore and its crash the program handled a command: one page it wrote, nothing
  // unexplained (issue 14: only stacks, TLS, libc's locks and the GOT are volatile).
  assert.match(
    a.out.stdout,
    /^coredelta: FAIL \(kernel-vs-gdb\) — \d+ difference\(s\), 1 unexpected, 0 unexplained/,
  );
  assert.match(a.out.stdout, /timing\.program-write/);
  const b = capture();
  assert.equal(
    await main(
      ["diff", "--format", "junit", f("changed", "a.core.gz"), f("changed", "b.core.gz")],
      b.io,
    ),
    1,
  );
  assert.match(b.out.stdout, /<failure message="1 unexpected difference\(s\)"/);
});

Deno.test("diff exits 2 with one line for bad input and usage errors", async () => {
  const a = capture();
  assert.equal(await main(["diff", fixturePath("f033", "kernel.core.gz"), "deno.json"], a.io), 2);
  assert.match(a.out.stderr, /^coredelta diff: Not an ELF file: bad magic at byte 0x0\n$/);
  const b = capture();
  assert.equal(await main(["diff", "only-one"], b.io), 2);
  const c = capture();
  assert.equal(await main(["diff", "x", "y", "--format", "pdf"], c.io), 2);
  assert.match(c.out.stderr, /--format must be one of json, text, md, junit, html/);
});

Deno.test("digest -o writes a digest that inspect and diff accept in place of the core", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const out = `${dir}/k.cddg`;
    const a = capture();
    assert.equal(await main(["digest", fixturePath("f023", "kernel.core.gz"), "-o", out], a.io), 0);
    assert.match(a.out.stdout, /digest written to/);
    assert.equal((await Deno.stat(out)).mode! & 0o777, 0o600);
    const b = capture();
    assert.equal(await main(["inspect", out], b.io), 0);
    assert.match(b.out.stdout, /producer: kernel/);
    const c = capture();
    assert.equal(await main(["diff", out, fixturePath("f023", "kernel.core.gz")], c.io), 0);
    assert.match(c.out.stdout, /^coredelta: PASS \(identical\)/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
