import assert from "node:assert/strict";
import { main } from "./main.ts";
import { fixturePath } from "./test/_fixtures.ts";

function capture() {
  const out = { stdout: "", stderr: "" };
  return {
    out,
    io: {
      stdout: (t: string) => void (out.stdout += t),
      stderr: (t: string) => void (out.stderr += t),
    },
  };
}

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
  assert.match(j.segments[1].vaddr, /^0x[0-9a-f]+$/);
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
  const tmp = await Deno.makeTempDir();
  const saved = Deno.env.get("TMPDIR");
  Deno.env.set("TMPDIR", tmp);
  try {
    const a = capture();
    assert.equal(await main(["inspect", fixturePath("f023", "gdb.core.gz")], a.io), 0);
    const b = capture();
    assert.equal(await main(["inspect", "main.ts"], b.io), 2);
    assert.deepEqual([...Deno.readDirSync(tmp)], []);
  } finally {
    if (saved === undefined) Deno.env.delete("TMPDIR");
    else Deno.env.set("TMPDIR", saved);
    await Deno.remove(tmp, { recursive: true });
  }
});
