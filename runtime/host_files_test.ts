import assert from "node:assert/strict";
import { checkModules, debugFilePath, hostPath, isSafePath } from "./host_files.ts";
import type { Module } from "../lib/digest/modules.ts";

const mod = (path: string, buildId?: string): Module => ({
  path,
  start: 0x1000n,
  end: 0x2000n,
  ...(buildId ? { buildId } : {}),
  buildIdSource: buildId ? "core" : "missing-page",
});

Deno.test("isSafePath refuses relative paths, dot segments and control characters", () => {
  assert.ok(isSafePath("/usr/lib/x86_64-linux-gnu/libc.so.6"));
  assert.ok(isSafePath("/tmp/my file (deleted)"));
  for (const p of ["lib/x.so", "/a/../etc/passwd", "/a/./b", "/a\nshell id", "/a\u007fb", ""]) {
    assert.ok(!isSafePath(p), JSON.stringify(p));
  }
});

Deno.test("checkModules: unsafe paths are never looked up; the vDSO needs no file; ids decide", async () => {
  const dir = await Deno.makeTempDir({ prefix: "coredelta-host-" });
  try {
    const checks = await checkModules([
      mod("/../../etc/passwd", "aa"),
      mod("[vdso]", "bb"),
      mod("/nonexistent/lib.so", "cc"),
      mod("/etc/hostname"),
      mod("/etc/hostname", "dd"),
    ], { sysroot: dir });
    assert.deepEqual(checks.map((c) => c.status), [
      "missing",
      "in-core",
      "missing",
      "missing",
      "missing",
    ]);
    assert.equal(checks[0]!.file?.path, "/../../etc/passwd");
    const host = await checkModules([mod("/etc/hostname"), mod("/etc/hostname", "dd")]);
    assert.deepEqual(host.map((c) => c.status), ["no-build-id", "different-build"]);
    assert.equal(host[1]!.debug?.path, "/usr/lib/debug/.build-id/dd/.debug");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("debug file and sysroot paths", () => {
  assert.equal(debugFilePath("/d", "abcdef"), "/d/.build-id/ab/cdef.debug");
  assert.equal(hostPath("/lib/x.so", "/root/"), "/root/lib/x.so");
  assert.equal(hostPath("/lib/x.so"), "/lib/x.so");
});
