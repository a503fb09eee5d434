/**
 * Cores hold secrets: the fixture process wrote a marker string into one of its pages. The marker
 * must be in the cores (so this test can fail) and never in anything coredelta prints: inspect,
 * digest summaries, every report format, or error messages.
 */
import assert from "node:assert/strict";
import { main } from "../main.ts";
import { fixturePath, loadCore, manifest } from "./_fixtures.ts";

const MARKER = manifest("f033").marker.text;

function contains(hay: Uint8Array, needle: string): boolean {
  const n = new TextEncoder().encode(needle);
  outer: for (
    let i = hay.indexOf(n[0]!);
    i >= 0 && i <= hay.length - n.length;
    i = hay.indexOf(n[0]!, i + 1)
  ) {
    for (let j = 1; j < n.length; j++) if (hay[i + j] !== n[j]) continue outer;
    return true;
  }
  return false;
}

Deno.test("the secret marker is in both fixture cores", () => {
  assert.ok(contains(loadCore("f033", "kernel"), MARKER));
  assert.ok(contains(loadCore("f033", "gdb"), MARKER));
});

Deno.test("no command output or error message contains page bytes", async () => {
  let all = "";
  const io = { stdout: (t: string) => void (all += t), stderr: (t: string) => void (all += t) };
  const k = fixturePath("f033", "kernel.core.gz"), g = fixturePath("f033", "gdb.core.gz");
  for (const f of ["text", "json"]) await main(["inspect", "--format", f, k], io);
  await main(["digest", "--format", "json", g], io);
  for (const f of ["text", "json", "md", "junit", "html"]) {
    await main(["diff", "--format", f, k, g, "--smaps", fixturePath("f033", "smaps.txt")], io);
  }
  // A broken core: the error names fields and offsets, never content.
  const dir = await Deno.makeTempDir();
  try {
    const bytes = loadCore("f033", "kernel");
    new DataView(bytes.buffer).setUint32(0x40 + 56 + 4, 0xffffffff, true);
    await Deno.writeFile(`${dir}/bad.core`, bytes);
    await main(["inspect", `${dir}/bad.core`], io);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  assert.ok(all.length > 10_000, "outputs were produced");
  assert.ok(!all.includes(MARKER), "an output contains the marker");
  assert.ok(!all.includes(MARKER.slice(0, 12)), "an output contains part of the marker");
});
