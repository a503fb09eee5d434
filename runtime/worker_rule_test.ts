import assert from "node:assert/strict";
import { buildCore } from "../test/_elf_writer.ts";
import { programHeaderCount, workerPaysPerSegment } from "./worker_rule.ts";

Deno.test("programHeaderCount reads e_phnum, and section 0 under extended numbering", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const loads = Array.from({ length: 3 }, (_, i) => ({
      vaddr: 0x400000n + BigInt(i) * 0x1000n,
      memsz: 0x1000n,
      data: new Uint8Array(0x1000),
    }));
    for (const extendedNumbering of [false, true]) {
      const path = `${dir}/core${extendedNumbering}`;
      await Deno.writeFile(path, buildCore({ loads, extendedNumbering }).bytes);
      // One PT_NOTE and three PT_LOADs.
      assert.equal(programHeaderCount(path), 4, `extended numbering: ${extendedNumbering}`);
    }
    await Deno.writeTextFile(`${dir}/text`, "not a core");
    assert.equal(programHeaderCount(`${dir}/text`), undefined);
    assert.equal(programHeaderCount(`${dir}/missing`), undefined);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a Worker pays by bytes per segment, not by file size alone", () => {
  assert.equal(workerPaysPerSegment(1 << 30, 40), true);
  assert.equal(workerPaysPerSegment(291_090_496, 70_025), false, "70k one-page mappings");
  assert.equal(workerPaysPerSegment(1 << 30, undefined), true, "unknown: the size decides");
});
