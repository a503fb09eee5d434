import assert from "node:assert/strict";
import { parseSmaps } from "./parse.ts";
import { parseStatusVm, recomputeStatus } from "./status.ts";

const root = new URL("../../test/fixtures/", import.meta.url);
const read = (path: string) => Deno.readTextFileSync(new URL(path, root));

Deno.test("recomputeStatus equals /proc/self/status captured with the same smaps", () => {
  const got = recomputeStatus(parseSmaps(read("smaps/rich.smaps.txt")).mappings);
  const want = parseStatusVm(read("smaps/rich.status.txt"));
  for (const key of ["VmSize", "VmLck", "VmData", "VmStk", "VmExe", "VmLib", "VmSwap"] as const) {
    assert.equal(got[key], want[key], key);
  }
  // Buffers were touched before the reads, so even VmRSS agrees here; in general it is approximate.
  assert.ok(Math.abs(got.VmRSS - want.VmRSS!) <= 64 * 1024);
});

Deno.test("recomputeStatus equals status.txt of every real-core fixture set", async (t) => {
  for (const set of ["f023", "f033", "f03f", "f07f"]) {
    let smaps: string, status: string;
    try {
      smaps = read(`cores/${set}/smaps.txt`);
      status = read(`cores/${set}/status.txt`);
    } catch {
      continue;
    }
    await t.step(set, () => {
      const got = recomputeStatus(parseSmaps(smaps).mappings);
      const want = parseStatusVm(status);
      for (const key of ["VmSize", "VmData", "VmStk", "VmExe", "VmLib", "VmSwap"] as const) {
        assert.equal(got[key], want[key], `${set} ${key}`);
      }
    });
  }
});

Deno.test("recomputeStatus without VmFlags uses s for sharing and [stack] for the stack", () => {
  const got = recomputeStatus(parseSmaps(read("smaps/rich.maps.txt")).mappings);
  const want = parseStatusVm(read("smaps/rich.status.txt"));
  assert.equal(got.VmSize, want.VmSize);
  assert.equal(got.VmStk, want.VmStk);
  assert.equal(got.VmExe, want.VmExe);
  assert.equal(got.VmLib, want.VmLib);
});
