import assert from "node:assert/strict";
import { loadCore } from "../test/_fixtures.ts";
import { writeSparse } from "../test/_sparse.ts";
import { parseCore } from "../lib/elf/core.ts";
import { LoadPlan } from "../lib/digest/load_plan.ts";
import { hashLoads, sliceSegments } from "../lib/digest/page_loop.ts";
import { allHashed, planWork } from "../lib/digest/page_share.ts";
import { createPageHasher } from "../wasm/mod.ts";
import { extentSource } from "./holes.ts";
import { libc, openReadOnly } from "./libc.ts";
import { startPageWorker } from "./page_helper.ts";

Deno.test("a page Worker hashes every window it claims as this thread would (holes found per window); a bad descriptor fails it", async () => {
  const c = libc();
  assert.ok(c, "libc through FFI");
  const dir = await Deno.makeTempDir({ prefix: "coredelta-page-worker-test-" });
  const fds: number[] = [];
  const worker = startPageWorker();
  try {
    for (const name of ["kernel", "gdb"]) {
      await writeSparse(`${dir}/${name}`, loadCore("f033", name));
      fds.push(openReadOnly(c, `${dir}/${name}`));
    }
    const sizes = ["kernel", "gdb"].map((name) => Deno.statSync(`${dir}/${name}`).size);
    const sources = fds.map((fd, i) => extentSource(c, fd, sizes[i]!));
    const cores = await Promise.all(sources.map((src) => parseCore(src)));
    const plans = cores.map((core) => new LoadPlan(core.loads));
    const shared = plans.map((plan, i) => ({
      loads: Array.from(cores[i]!.loads, ({ index, offset, available, truncated }) => ({
        index,
        offset,
        available,
        truncated,
      })),
      extents: undefined,
      size: sizes[i]!,
      hashes: new BigUint64Array(new SharedArrayBuffer(plan.total * 8)),
      zero: new Uint8Array(new SharedArrayBuffer(plan.total)),
    }));
    const work = planWork(shared);
    assert.ok(work.windows.length / 3 > 2, "several windows");
    // This thread claims nothing: the Worker hashes all of both cores.
    await worker.helper(fds, sizes)(work);
    assert.ok(allHashed(work));
    for (const [i, src] of sources.entries()) {
      const mine = hashLoads(
        src,
        createPageHasher(),
        cores[i]!.loads,
        src.dataExtents!(0, src.size),
      );
      const theirs = sliceSegments(plans[i]!, shared[i]!);
      assert.ok([...mine].some((s) => s.holes?.length), "the sparse copy has holes");
      [...theirs].forEach((s, k) => {
        const m = mine.at(k)!;
        assert.deepEqual([...s.hashes], [...m.hashes], `core ${i} load ${k} hashes`);
        assert.deepEqual([...s.zero], [...m.zero], `core ${i} load ${k} zero flags`);
        assert.deepEqual([...(s.holes ?? [])], [...(m.holes ?? [])], `core ${i} load ${k}`);
      });
    }
    // A descriptor that cannot be read: the Worker reports it, the helper rejects.
    const again = planWork(shared);
    await assert.rejects(worker.helper([-1, -1], sizes)(again), /read of \d+ bytes/);
  } finally {
    worker.stop();
    for (const fd of fds) c.close(fd);
    await Deno.remove(dir, { recursive: true });
  }
});
