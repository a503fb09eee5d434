import assert from "node:assert/strict";
import { fixturePath, loadCore } from "../test/_fixtures.ts";
import { encodeDigest } from "../lib/digest/codec.ts";
import { digestFile, digestFiles, digestInput } from "./digest.ts";
import { writeSparse } from "../test/_sparse.ts";

Deno.test("digestFile split across two threads gives the same digest bytes as one thread and as a stream", async () => {
  const dir = await Deno.makeTempDir({ prefix: "coredelta-split-test-" });
  try {
    for (const name of ["kernel", "gdb"]) {
      const bytes = loadCore("f033", name);
      const dense = `${dir}/${name}.dense`;
      const sparse = `${dir}/${name}.sparse`;
      await Deno.writeFile(dense, bytes);
      await writeSparse(sparse, bytes);
      const alone = await digestFile(dense, { split: "never" });
      const one = encodeDigest(alone);
      // The modules (build-ids from first pages, some hashed by the Worker) are in the digest.
      assert.ok((alone.modules ?? []).some((m) => m.buildId), "modules with build-ids");
      assert.deepEqual(encodeDigest(await digestFile(dense, { split: "always" })), one);
      const sparseOne = await digestFile(sparse, { split: "never" });
      const sparseTwo = await digestFile(sparse, { split: "always" });
      assert.deepEqual(encodeDigest(sparseTwo), encodeDigest(sparseOne));
      assert.ok([...sparseTwo.segments].some((s) => s.holes?.length), "the sparse copy has holes");
      const streamed = await digestInput(ReadableStream.from([bytes]));
      assert.equal(sparseTwo.fileHash, streamed.fileHash);
      assert.deepEqual(
        [...sparseTwo.segments].map((s) => [...s.hashes]),
        [...streamed.segments].map((s) => [...s.hashes]),
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("digestFiles with Workers gives the same digests as in turn; a bad file fails the call", async () => {
  const dir = await Deno.makeTempDir({ prefix: "coredelta-split-test-" });
  try {
    const paths = [];
    for (const name of ["kernel", "gdb"]) {
      paths.push(`${dir}/${name}`);
      await Deno.writeFile(`${dir}/${name}`, loadCore("f033", name));
    }
    const inTurn = await digestFiles(paths, {}, "never");
    const parallel = await digestFiles(paths, {}, "always");
    assert.deepEqual(parallel.map(encodeDigest), inTurn.map(encodeDigest));
    // Compressed files take the other parallel path: one digest Worker per file after the first.
    const gz = ["kernel", "gdb"].map((n) => fixturePath("f033", `${n}.core.gz`));
    assert.deepEqual(
      (await digestFiles(gz, {}, "always")).map(encodeDigest),
      (await digestFiles(gz, {}, "never")).map(encodeDigest),
    );
    await Deno.writeFile(`${dir}/bad`, new Uint8Array(100));
    for (const order of [[paths[0]!, `${dir}/bad`], [`${dir}/bad`, paths[0]!]]) {
      await assert.rejects(digestFiles(order, {}, "always"), /ELF/);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "digestFile of a pipe (a FIFO, /dev/stdin) streams it: same identity as by path, no crash",
  ignore: Deno.build.os !== "linux",
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "coredelta-pipe-test-" });
    try {
      const bytes = loadCore("f033", "kernel");
      await Deno.writeFile(`${dir}/core`, bytes);
      const mk = await new Deno.Command("mkfifo", { args: [`${dir}/fifo`] }).output();
      assert.ok(mk.success, "mkfifo");
      const writer = new Deno.Command("bash", {
        args: ["-c", 'cat "$0" > "$1"', `${dir}/core`, `${dir}/fifo`],
      }).spawn();
      const piped = await digestFile(`${dir}/fifo`);
      await writer.status;
      const byPath = await digestFile(`${dir}/core`);
      assert.equal(piped.fileHash, byPath.fileHash);
      assert.equal(piped.size, bytes.length);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
