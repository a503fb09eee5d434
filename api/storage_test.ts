import assert from "node:assert/strict";
import { filesUnder } from "../test/_api.ts";
import { isId, openLocalStorage, sha256Hex } from "./storage.ts";

const bytes = (s: string) => new TextEncoder().encode(s);

Deno.test("LocalStorage: content-addressed put/get/list/delete", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const s = await openLocalStorage(dir);
    const e = await s.put("digest", bytes("one"));
    assert.equal(e.id, sha256Hex(bytes("one")));
    assert.ok(isId(e.id));
    assert.equal((await s.put("digest", bytes("one"))).id, e.id, "idempotent");
    await s.put("report", bytes("two"));
    assert.deepEqual(await s.get("digest", e.id), bytes("one"));
    assert.equal(await s.get("report", e.id), undefined, "kinds are separate");
    assert.equal(await s.get("digest", "../../etc/passwd"), undefined, "ids are validated");
    assert.deepEqual((await s.list("digest")).map((x) => x.id), [e.id]);
    assert.equal(await s.delete("digest", e.id), true);
    assert.equal(await s.delete("digest", e.id), false);
    assert.deepEqual(await filesUnder(`${dir}/tmp`), [], "no half-written files");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("LocalStorage: retention by count and age takes kept cores along", async () => {
  const dir = await Deno.makeTempDir();
  let now = 1_000_000_000_000;
  try {
    const s = await openLocalStorage(dir, {
      retention: { maxCount: 2, maxAgeMs: 10_000 },
      clock: { now: () => now },
    });
    const ids: string[] = [];
    for (const n of [1, 2, 3]) {
      now += 1000;
      const e = await s.put("digest", bytes(`d${n}`));
      ids.push(e.id);
      const tmp = `${await s.tempDir()}/raw`;
      await Deno.writeFile(tmp, bytes(`core${n}`));
      await s.keepCore(e.id, tmp);
    }
    now += 1000;
    await s.prune("digest");
    const left = (await s.list("digest")).map((e) => e.id).sort();
    assert.deepEqual(left, [ids[1], ids[2]].sort(), "count limit drops the oldest");
    assert.equal(await s.hasCore(ids[0]!), false, "its core went with it");
    assert.equal(await s.hasCore(ids[2]!), true);
    now += 20_000;
    assert.equal((await s.prune("digest")).length, 2, "age limit");
    assert.deepEqual(await filesUnder(`${dir}/cores`), []);
    await s.close();
    assert.deepEqual(await filesUnder(`${dir}/tmp`), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("LocalStorage: opening empties tmp/ left by a crashed process", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${dir}/tmp/req-old`, { recursive: true });
    await Deno.writeTextFile(`${dir}/tmp/req-old/spill`, "x");
    await openLocalStorage(dir);
    assert.deepEqual(await filesUnder(`${dir}/tmp`), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
