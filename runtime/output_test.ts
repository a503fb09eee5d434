import assert from "node:assert/strict";
import { diffCommand } from "../cli/diff.ts";
import { digestCommand } from "../cli/digest.ts";
import { capture } from "../test/_cli.ts";
import { writeOutput } from "./output.ts";

const core = new URL("../test/fixtures/cores/f033/kernel.core.gz", import.meta.url).pathname;
const mode = async (p: string) => (await Deno.stat(p)).mode! & 0o777;

/** A FIFO with a reader draining it, as `-o` meets a pipe or a device (never /dev/null itself). */
async function withFifo(fn: (path: string, got: Promise<number>) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "coredelta-out-" });
  const fifo = `${dir}/pipe`;
  await new Deno.Command("mkfifo", { args: ["-m", "0644", fifo] }).output();
  const reader = new Deno.Command("wc", { args: ["-c", fifo], stdout: "piped" }).spawn();
  const got = reader.output().then((o) =>
    Number(new TextDecoder().decode(o.stdout).trim().split(" ")[0])
  );
  try {
    await fn(fifo, got);
  } finally {
    await got.catch(() => {});
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("-o onto a pipe or device writes through it and never changes its mode", async () => {
  await withFifo(async (fifo, got) => {
    const { io } = capture();
    assert.equal(await digestCommand([core, "-o", fifo], io), 0);
    assert.ok((await got) > 1000);
    assert.equal(await mode(fifo), 0o644);
  });
  await withFifo(async (fifo, got) => {
    const { io } = capture();
    assert.equal(await diffCommand([core, core, "-o", fifo], io), 0);
    assert.ok((await got) > 100);
    assert.equal(await mode(fifo), 0o644);
  });
});

Deno.test("-o keeps an existing file's mode, creates a new one 0600, leaves no temp file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "coredelta-out-" });
  try {
    const old = `${dir}/report.txt`;
    await Deno.writeTextFile(old, "previous");
    await Deno.chmod(old, 0o644);
    const { io } = capture();
    assert.equal(await diffCommand([core, core, "-o", old], io), 0);
    assert.equal(await mode(old), 0o644);
    assert.match(await Deno.readTextFile(old), /pass/i);
    const fresh = `${dir}/new.cddg`;
    assert.equal(await digestCommand([core, "-o", fresh], capture().io), 0);
    assert.equal(await mode(fresh), 0o600);
    // Through a symlink: the link stays a link, its target is replaced and keeps its mode.
    await Deno.symlink(old, `${dir}/link`);
    await writeOutput(`${dir}/link`, new TextEncoder().encode("x"));
    assert.ok((await Deno.lstat(`${dir}/link`)).isSymlink);
    assert.equal(await Deno.readTextFile(old), "x");
    assert.equal(await mode(old), 0o644);
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name).sort(), [
      "link",
      "new.cddg",
      "report.txt",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("-o - writes to stdout (the digest's summary then goes to stderr)", async () => {
  const c = capture();
  assert.equal(await diffCommand([core, core, "-o", "-"], c.io), 0);
  assert.match(c.out.stdout, /pass/i);
  const chunks: Uint8Array[] = [];
  await writeOutput("-", new Uint8Array([1, 2]), (b) => void chunks.push(b));
  assert.deepEqual(chunks, [new Uint8Array([1, 2])]);
});

Deno.test("-o writes JSON piece by piece: the file equals stdout, and a failed piece leaves no file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "coredelta-out-" });
  try {
    const out = `${dir}/all.json`;
    const args = ["--all-ranges", "--format", "json", core, core];
    assert.equal(await diffCommand([...args, "-o", out], capture().io), 0);
    const c = capture();
    assert.equal(await diffCommand(args, c.io), 0);
    assert.equal(await Deno.readTextFile(out), c.out.stdout);
    // Pieces are written as they come; one that throws leaves neither the file nor a temp file.
    const failing = (function* () {
      yield "{";
      throw new Error("render failed");
    })();
    await assert.rejects(writeOutput(`${dir}/bad.json`, failing), /render failed/);
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["all.json"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
