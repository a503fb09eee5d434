import assert from "node:assert/strict";
import { collect, COLLECT_ABOVE_BYTES } from "./collect.ts";

Deno.test("collect: nothing without an exposed collector", () => {
  assert.equal(collect({ gc: undefined, heapUsed: () => 1 << 30 }), false);
});

Deno.test("collect: only above the heap threshold, as a synchronous major collection", () => {
  const calls: unknown[] = [];
  const gc = (o?: unknown) => void calls.push(o);
  assert.equal(collect({ gc, heapUsed: () => COLLECT_ABOVE_BYTES - 1 }), false);
  assert.equal(collect({ gc, heapUsed: () => COLLECT_ABOVE_BYTES }), true);
  assert.equal(collect({ gc, heapUsed: () => 1024, above: 0 }), true);
  assert.deepEqual(calls, [{ type: "major", execution: "sync" }, {
    type: "major",
    execution: "sync",
  }]);
});

Deno.test("collect: with --expose-gc the garbage is gone, without it nothing runs", async () => {
  const script = `
    import { collect } from ${JSON.stringify(new URL("./collect.ts", import.meta.url).href)};
    let junk = Array.from({ length: 400_000 }, (_, i) => ({ i, s: "x" + i }));
    junk = [];
    const before = Deno.memoryUsage().heapUsed;
    const ran = collect({ above: 0 });
    console.log(JSON.stringify({ ran, freed: before - Deno.memoryUsage().heapUsed, n: junk.length }));
  `;
  const run = async (flags: string[]) => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["eval", ...flags, script],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    return JSON.parse(new TextDecoder().decode(out.stdout)) as { ran: boolean; freed: number };
  };
  const exposed = await run(["--v8-flags=--expose-gc"]);
  assert.equal(exposed.ran, true);
  assert.ok(exposed.freed > 10 * 1024 * 1024, `freed only ${exposed.freed} bytes`);
  assert.equal((await run([])).ran, false);
});

Deno.test("the server's start task and Docker image expose the collector and fix malloc's mmap threshold", async () => {
  const root = new URL("../", import.meta.url);
  const tasks = JSON.parse(await Deno.readTextFile(new URL("deno.json", root))).tasks;
  assert.match(tasks.start, /^MALLOC_MMAP_THRESHOLD_=131072 deno run --v8-flags=[^ ]*--expose-gc/);
  const dockerfile = await Deno.readTextFile(new URL("Dockerfile", root));
  assert.match(dockerfile, /--v8-flags=[^"]*--expose-gc/);
  assert.match(dockerfile, /^ENV [^]*MALLOC_MMAP_THRESHOLD_=131072\n/m);
});
