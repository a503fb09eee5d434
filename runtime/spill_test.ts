import assert from "node:assert/strict";
import { tempFileSpill } from "./spill.ts";
import { openCore } from "./files.ts";
import { gzipSync } from "node:zlib";

/** Names of this process's open files that were deleted, under `dir`. */
function openDeleted(dir: string): string[] {
  const out: string[] = [];
  for (const e of Deno.readDirSync("/proc/self/fd")) {
    try {
      const target = Deno.readLinkSync(`/proc/self/fd/${e.name}`);
      if (target.startsWith(dir) && target.endsWith("(deleted)")) out.push(target);
    } catch {
      // closed meanwhile
    }
  }
  return out;
}

Deno.test({
  name: "a spill is unlinked at creation: no name on disk while in use (SIGKILL leaves nothing)",
  ignore: Deno.build.os !== "linux",
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "coredelta-spill-test-" });
    try {
      const spill = await tempFileSpill(dir)();
      const bytes = new Uint8Array(100_000).map((_, i) => i & 0xff);
      await spill.write(bytes.subarray(0, 60_000));
      await spill.write(bytes.subarray(60_000));
      assert.deepEqual([...Deno.readDirSync(dir)], [], "nothing visible in the spill directory");
      assert.equal(openDeleted(dir).length, 1, "the spill is an open, deleted file");
      const src = await spill.source();
      assert.equal(src.size, bytes.length);
      const into = new Uint8Array(10);
      assert.equal(src.readInto(99_995, into), 5);
      assert.deepEqual(into.subarray(0, 5), bytes.subarray(99_995));
      assert.deepEqual(await src.read(1000, 4), bytes.subarray(1000, 1004));
      await spill.close();
      await spill.close();
      assert.equal(openDeleted(dir).length, 0, "closed");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "a compressed core opened for random access is decompressed into an unlinked file",
  ignore: Deno.build.os !== "linux",
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "coredelta-open-test-" });
    try {
      const bytes = new Uint8Array(300_000).map((_, i) => (i * 7) & 0xff);
      await Deno.writeFile(`${dir}/c.gz`, gzipSync(bytes));
      const src = await openCore(`${dir}/c.gz`);
      assert.equal(src.size, bytes.length);
      assert.equal(src.compression, "gzip");
      assert.deepEqual(await src.read(123_456, 16), bytes.subarray(123_456, 123_472));
      assert.ok(openDeleted(Deno.env.get("TMPDIR") ?? "/tmp").length >= 1);
      await src.close();
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
