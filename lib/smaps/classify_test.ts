import assert from "node:assert/strict";
import { gdbNameRule, gdbView, guessExecutable, isSpecialName, kernelView } from "./classify.ts";
import { parseSmaps } from "./parse.ts";

const dir = new URL("../../test/fixtures/smaps/", import.meta.url);
const rich = parseSmaps(Deno.readTextFileSync(new URL("rich.smaps.txt", dir))).mappings;
const byName = (suffix: string, perms?: string) =>
  rich.find((m) => m.name.endsWith(suffix) && (perms === undefined || m.perms === perms))!;

Deno.test("kernelView and gdbView classify a real capture, and differ where the spec says", () => {
  // [name suffix, perms, kernel class, gdb class]
  const cases: [string, string | undefined, string, string][] = [
    ["[heap]", undefined, "anon-private", "both"],
    ["[stack]", undefined, "anon-private", "both"],
    ["[vdso]", undefined, "special", "file"],
    ["[vvar]", undefined, "special", "file"],
    ["[vvar_vclock]", undefined, "special", "file"],
    ["[vsyscall]", undefined, "gate", "file"],
    ["/dev/zero (deleted)", undefined, "anon-shared", "anon"],
    ["/SYSV00000000 (deleted)", undefined, "anon-shared", "anon"],
    ["/memfd:cap (deleted)", "rw-s", "anon-shared", "anon"],
    ["/memfd:cap (deleted)", "rw-p", "file-private", "anon"],
    ["/memfd:cap (deleted)", "r--p", "file-private", "anon"],
    ["shared-unlinked.bin (deleted)", undefined, "anon-shared", "anon"],
    ["private-unlinked.bin (deleted)", undefined, "file-private", "anon"],
    ["/data.bin", undefined, "file-private", "file"],
    ["/cow.bin", undefined, "file-private", "both"],
    ["/shared.bin", undefined, "file-shared", "file"],
    ["/fake (deleted)", undefined, "file-private", "anon"],
    ["/dev/zero", "rw-p", "file-private", "anon"],
    ["/capture", "r--s", "file-private", "file"],
    ["libc.so.6", "r-xp", "file-private", "file"],
  ];
  for (const [suffix, perms, k, g] of cases) {
    const m = byName(suffix, perms);
    assert.ok(m, suffix);
    assert.equal(kernelView(m).class, k, `kernel ${suffix} ${perms}`);
    assert.equal(gdbView(m).class, g, `gdb ${suffix} ${perms}`);
  }
});

Deno.test("kernelView reads dd/io/ht/sh flags and the MAP_SHARED read-only-fd case", () => {
  const vvar = kernelView(byName("[vvar]"));
  assert.ok(vvar.io && vvar.dontDump && vvar.isSpecial && !vvar.hasFile);
  const y = byName("/capture", "r--s");
  assert.equal(y.mayShare, true);
  assert.equal(kernelView(y).vmShared, false);
  assert.equal(gdbView(y).private, true);
  const dontdump = rich.find((m) => m.vmFlags?.has("dd") && m.name === "")!;
  assert.equal(kernelView(dontdump).dontDump, true);
  assert.equal(gdbView(dontdump).dontDump, true);
});

Deno.test("kernelView honours a given link count for shared mappings", () => {
  const m = byName("shared-linked.bin (deleted)");
  assert.equal(kernelView(m).class, "anon-shared");
  assert.equal(kernelView(m, false).class, "file-shared");
});

Deno.test("gdbNameRule follows mapping_is_anonymous_p", () => {
  assert.equal(gdbNameRule(""), "empty");
  assert.equal(gdbNameRule("/dev/zero"), "dev-zero");
  assert.equal(gdbNameRule("/dev/zero (deleted)"), "dev-zero");
  assert.equal(gdbNameRule("SYSV0000abcd"), "sysv");
  assert.equal(gdbNameRule("/SYSV00000000 (deleted)"), "sysv");
  assert.equal(gdbNameRule("/x/fake (deleted)"), "deleted");
  assert.equal(gdbNameRule("[anon:x]"), null);
  assert.equal(gdbNameRule("/dev/zeroes"), null);
});

Deno.test("isSpecialName: bracketed names other than heap/stack/anon", () => {
  for (const n of ["[vdso]", "[vvar]", "[vvar_vclock]", "[uprobes]", "[sigpage]"]) {
    assert.ok(isSpecialName(n), n);
  }
  for (
    const n of [
      "[heap]",
      "[stack]",
      "[stack:123]",
      "[anon:x]",
      "[anon_shmem:y]",
      "[vsyscall]",
      "/x",
    ]
  ) {
    assert.ok(!isSpecialName(n), n);
  }
});

Deno.test("guessExecutable finds the file below [heap], else the lowest file at offset 0", () => {
  assert.equal(guessExecutable(rich), "/tmp/coredelta-capture/capture");
  const noHeap = parseSmaps(
    "00400000-00401000 r-xp 00000000 08:01 12 /bin/x\n7f0000000000-7f0000001000 r--p 00000000 08:01 13 /lib/y.so\n",
  ).mappings;
  assert.equal(guessExecutable(noHeap), "/bin/x");
  assert.equal(guessExecutable([]), undefined);
});
