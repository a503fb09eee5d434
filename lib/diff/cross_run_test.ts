import assert from "node:assert/strict";
import { pairMappings } from "./cross_run.ts";
import type { Mapping } from "./mappings.ts";

const file = (start: bigint, size: bigint, path: string, offset = 0n): Mapping => ({
  start,
  end: start + size,
  kind: "file",
  key: `${path}@0x${offset.toString(16)}`,
  name: path,
  path,
  offset,
  writable: false,
});
const anon = (start: bigint, size: bigint): Mapping => ({
  start,
  end: start + size,
  kind: "anon",
  key: "",
  name: "anon",
  writable: true,
});
const special = (start: bigint, size: bigint, name: string): Mapping => ({
  start,
  end: start + size,
  kind: "special",
  key: name,
  name,
  writable: true,
});

/** One run's address space, placed at an executable base and a library (mmap) base. */
function space(
  exe: bigint,
  mmap: bigint,
  heapGap: bigint,
  extraArena = false,
  lib = "/lib/libx.so",
) {
  return [
    file(exe, 0x1000n, "/bin/app"),
    file(exe + 0x1000n, 0x2000n, "/bin/app", 0x1000n),
    anon(exe + 0x3000n, 0x2000n), // .bss
    special(exe + 0x3000n + 0x2000n + heapGap, 0x21000n, "[heap]"),
    ...(extraArena ? [anon(mmap - 0x400000n, 0x100000n)] : []),
    anon(mmap - 0x21000n, 0x10000n), // thread stack
    anon(mmap - 0x11000n, 0x11000n), // arena right below the library
    file(mmap, 0x1000n, lib),
    file(mmap + 0x1000n, 0x3000n, lib, 0x1000n),
    special(0x7ffd00000000n + mmap / 0x1000n, 0x21000n, "[stack]"),
  ];
}

const shiftOf = (p: { a?: Mapping; b?: Mapping }) => p.b!.start - p.a!.start;

Deno.test("pairMappings: files by path and offset, specials by name, anonymous by neighbours", () => {
  const a = space(0x555555554000n, 0x7ffff7dd5000n, 0n);
  const b = space(0x55d0aa000000n, 0x7f1200000000n, 0x1234000n, true);
  const pairs = pairMappings(a, b);
  const both = pairs.filter((p) => p.a && p.b);
  assert.equal(both.length, a.length, "every mapping of A is paired");
  for (const p of both) {
    assert.equal(p.a!.end - p.a!.start, p.b!.end - p.b!.start, p.a!.name);
    assert.equal(p.a!.kind, p.b!.kind);
  }
  const exeShift = 0x55d0aa000000n - 0x555555554000n;
  const libShift = 0x7f1200000000n - 0x7ffff7dd5000n;
  for (const p of both.filter((p) => p.a!.path === "/bin/app")) assert.equal(shiftOf(p), exeShift);
  for (const p of both.filter((p) => p.a!.path === "/lib/libx.so")) {
    assert.equal(shiftOf(p), libShift);
  }
  // .bss pairs with .bss (right after the executable), the arenas below the library with theirs.
  const bss = both.find((p) => p.a!.start === 0x555555557000n)!;
  assert.equal(shiftOf(bss), exeShift);
  for (const start of [0x7ffff7dd5000n - 0x21000n, 0x7ffff7dd5000n - 0x11000n]) {
    assert.equal(shiftOf(both.find((p) => p.a!.start === start)!), libShift);
  }
  // The extra arena of run B has no counterpart.
  assert.deepEqual(pairs.filter((p) => !p.a).map((p) => p.b!.start), [
    0x7f1200000000n - 0x400000n,
  ]);
});

Deno.test("pairMappings: a rebuilt library in another directory pairs by file name and offset", () => {
  const a = space(0x555555554000n, 0x7ffff7dd5000n, 0n, false, "/build/41/libx.so");
  const b = space(0x555555554000n, 0x7ffff7dd5000n, 0n, false, "/build/42/libx.so");
  const pairs = pairMappings(a, b);
  assert.ok(pairs.every((p) => p.a && p.b));
  assert.ok(pairs.every((p) => shiftOf(p) === 0n));
});

Deno.test("pairMappings: the same build under another file name pairs by build-id and offset", () => {
  const withId = (ms: Mapping[], path: string, id: string) =>
    ms.map((m) => (m.path === path ? { ...m, buildId: id } : m));
  const a = withId(space(0x555555554000n, 0x7ffff7dd5000n, 0n), "/lib/libx.so", "ab12");
  const b = withId(
    space(0x555555554000n, 0x7f1200000000n, 0n, false, "/opt/vendored/libx-copy.so.1"),
    "/opt/vendored/libx-copy.so.1",
    "ab12",
  );
  const libPairs = pairMappings(a, b).filter((p) => p.a?.path === "/lib/libx.so");
  assert.equal(libPairs.length, 2);
  for (const p of libPairs) {
    assert.equal(p.b?.path, "/opt/vendored/libx-copy.so.1", "paired by build-id");
    assert.equal(shiftOf(p), 0x7f1200000000n - 0x7ffff7dd5000n);
  }
  // Another build under another name does not pair: each exists in one run only.
  const other = withId(
    space(0x555555554000n, 0x7f1200000000n, 0n, false, "/opt/vendored/libx-copy.so.1"),
    "/opt/vendored/libx-copy.so.1",
    "cd34",
  );
  const unpaired = pairMappings(a, other).filter((p) => p.a?.path === "/lib/libx.so");
  assert.ok(unpaired.every((p) => !p.b), "different builds under different names stay apart");
});
