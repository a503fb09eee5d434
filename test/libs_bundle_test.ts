/**
 * Acceptance of `coredelta libs` and `coredelta bundle`: system libraries match the build-ids in a
 * committed core (judged against readelf's reading of this host's files), a fresh gcore's files all
 * match, a rebuilt program under a sysroot is a different build, and a bundle opens in gdb in a
 * clean directory with the program's own function names in the backtrace.
 *
 * @module
 */

import assert from "node:assert/strict";
import { capture } from "./_cli.ts";
import { FIXTURE_DIR } from "./_fixtures.ts";
import { buildProgram, canGcore, liveGcore, runTool } from "./_live_process.ts";
import { main } from "../main.ts";

const live = await canGcore();
const hasZstd = await new Deno.Command("zstd", { args: ["--version"], stdout: "null" }).output()
  .then((o) => o.success).catch(() => false);

interface LibsModule {
  path: string;
  buildId?: string;
  status: string;
  file?: { path: string; status: string; buildId?: string };
  debug?: { path: string; status: string };
}

async function libs(args: string[]): Promise<{ code: number; modules: LibsModule[]; out: string }> {
  const c = capture();
  const code = await main(["libs", "--format", "json", ...args], c.io);
  const c2 = capture();
  await main(["libs", ...args], c2.io);
  return { code, modules: JSON.parse(c.out.stdout).modules, out: c2.out.stdout };
}

/** The build-id of a file as readelf reads it (an oracle independent of ours). */
async function readelfBuildId(path: string): Promise<string | undefined> {
  const text = await runTool("readelf", ["-nW", path]).catch(() => "");
  return text.match(/Build ID: ([0-9a-f]+)/)?.[1];
}

Deno.test("libs: system libraries of a committed core match this host's files exactly when readelf agrees", async () => {
  const { code, modules, out } = await libs([`${FIXTURE_DIR}f033/kernel.core.gz`]);
  for (const name of ["/libc.so.6", "/ld-linux-x86-64.so.2"]) {
    const m = modules.find((x) => x.path.endsWith(name))!;
    assert.ok(m.buildId, `${name} has its build-id in the core`);
    const host = await readelfBuildId(m.path);
    assert.equal(m.status, host === m.buildId ? "match" : host ? "different-build" : "missing");
    if (m.status === "different-build") assert.equal(m.file?.buildId, host);
  }
  // The fixture program's build directory is gone: missing, so not every module matches.
  const exe = modules.find((x) => x.path.endsWith("/build/mapper"))!;
  assert.equal(exe.status, "missing");
  assert.equal(code, 1);
  assert.match(out, /^missing +\/tmp\/.*\/build\/mapper/m);
  assert.equal(modules.find((x) => x.path === "[vdso]")?.status, "in-core");
});

Deno.test("libs: a core without the elf-headers bit cannot be checked and says why", async () => {
  const { code, modules } = await libs([`${FIXTURE_DIR}f023/kernel.core.gz`]);
  const libc = modules.find((x) => x.path.endsWith("/libc.so.6"))!;
  assert.equal(libc.status, "no-build-id");
  assert.equal(code, 1);
});

Deno.test({
  name:
    "libs: a fresh gcore matches; a rebuilt program under a sysroot or as --exe is a different build",
  ignore: !live,
  async fn() {
    const lc = await liveGcore();
    try {
      const fresh = await libs([lc.core]);
      const files = fresh.modules.filter((m) => m.path.startsWith("/"));
      assert.ok(files.length >= 3, "exe, libc and ld.so");
      for (const m of files) assert.equal(m.status, "match", m.path);
      assert.equal(fresh.code, 0);
      assert.match(fresh.out, /every module matches/);

      const sysroot = `${lc.dir}/sysroot`;
      const rebuilt = `${sysroot}${lc.exe}`;
      await Deno.mkdir(rebuilt.replace(/\/[^/]*$/, ""), { recursive: true });
      await buildProgram(rebuilt, "b");
      const inCore = fresh.modules.find((m) => m.path === lc.exe)!.buildId!;
      const other = (await readelfBuildId(rebuilt))!;
      assert.notEqual(other, inCore);
      const r = await libs([lc.core, "--sysroot", sysroot]);
      const exe = r.modules.find((m) => m.path === lc.exe)!;
      assert.equal(exe.status, "different-build");
      assert.equal(exe.buildId, inCore);
      assert.equal(exe.file?.buildId, other);
      assert.equal(r.code, 1);
      assert.match(
        r.out,
        new RegExp(`DIFFERENT +${lc.exe}.*${inCore}.*different build \\(${other}\\)`),
      );

      const viaExe = await libs([lc.core, "--exe", rebuilt]);
      assert.equal(viaExe.modules.find((m) => m.path === lc.exe)?.status, "different-build");
      const same = await libs([lc.core, "--exe", lc.exe]);
      assert.equal(same.code, 0);
    } finally {
      await lc.remove();
    }
  },
});

Deno.test({
  name:
    "bundle: opens in gdb -batch -x gdb.init -ex bt in a clean root with the program's own frames",
  ignore: !live || !hasZstd,
  async fn() {
    const lc = await liveGcore();
    try {
      const out = `${lc.dir}/bundle.tar.zst`;
      const c = capture();
      assert.equal(await main(["bundle", lc.core, "-o", out], c.io), 0, c.out.stderr);
      // Never overwrites.
      const before = await Deno.readFile(out);
      const again = capture();
      assert.equal(await main(["bundle", lc.core, "-o", out], again.io), 2);
      assert.match(again.out.stderr, /exists/);
      assert.deepEqual(await Deno.readFile(out), before);

      const root = `${lc.dir}/root`;
      await Deno.mkdir(root);
      await runTool("tar", ["--zstd", "-xf", out, "-C", root]);
      const list = await runTool("tar", ["--zstd", "-tf", out]);
      assert.match(list, /^core$/m);
      assert.match(list, /^gdb\.init$/m);
      assert.match(list, /libc\.so\.6$/m);
      // The build directory goes away: gdb can only use the bundle's copy of the program.
      await Deno.remove(`${lc.dir}/build`, { recursive: true });
      const bt = await runTool("gdb", [
        "-batch",
        "-x",
        "gdb.init",
        "-ex",
        "bt",
        "-ex",
        "info sharedlibrary",
      ], root);
      assert.match(bt, /#\d+ .*cd_bundle_inner/);
      assert.match(bt, /#\d+ .*cd_bundle_outer/);
      assert.match(bt, /#\d+ .*main \(\)/);
      assert.match(
        bt,
        new RegExp(`Yes\\s+${root}/usr/lib/.*libc\\.so\\.6`),
        "libc from the bundle",
      );
    } finally {
      await lc.remove();
    }
  },
});

Deno.test({
  name: "bundle: a wrong build of the program is left out and named; gdb.init has no file line",
  ignore: !live || !hasZstd,
  async fn() {
    const lc = await liveGcore();
    try {
      const rebuilt = `${lc.dir}/rebuilt`;
      await buildProgram(rebuilt, "b");
      const out = `${lc.dir}/b.tar.zst`;
      const c = capture();
      assert.equal(await main(["bundle", lc.core, "-o", out, "--exe", rebuilt], c.io), 1);
      assert.match(
        c.out.stdout,
        new RegExp(`left out ${lc.exe} \\(different build: core [0-9a-f]+, file [0-9a-f]+\\)`),
      );
      const init = await runTool("tar", ["--zstd", "-xOf", out, "gdb.init"]);
      assert.doesNotMatch(init, /^file /m);
      assert.match(init, /^set sysroot \.$/m);
      assert.match(init, /^core-file \.\/core$/m);
    } finally {
      await lc.remove();
    }
  },
});

Deno.test("libs reads a digest like its core", async () => {
  const core = `${FIXTURE_DIR}f033/gdb.core.gz`;
  const dir = await Deno.makeTempDir({ prefix: "coredelta-libs-" });
  try {
    assert.equal(await main(["digest", "-o", `${dir}/d.cddg`, core], capture().io), 0);
    const a = await libs([core]), b = await libs([`${dir}/d.cddg`]);
    assert.deepEqual(b.modules, a.modules);
    assert.equal(b.code, a.code);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name:
    "bundle of a compressed core: the archive holds the decompressed core; missing files are named",
  ignore: !hasZstd,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "coredelta-bundle-" });
    try {
      const out = `${dir}/b.tar.zst`;
      const c = capture();
      const code = await main(["bundle", `${FIXTURE_DIR}f033/kernel.core.gz`, "-o", out], c.io);
      assert.equal(code, 1, "the fixture program is not on this host");
      assert.match(c.out.stdout, /left out \/tmp\/.*\/build\/mapper \(missing: /);
      const core = await runTool("sh", ["-c", `tar --zstd -xOf '${out}' core | xxhsum -H3`]);
      const want = await runTool("sh", [
        "-c",
        `gzip -dc '${FIXTURE_DIR}f033/kernel.core.gz' | xxhsum -H3`,
      ]);
      assert.equal(core.split(" ")[0], want.split(" ")[0]);
      const usage = capture();
      assert.equal(await main(["bundle", `${FIXTURE_DIR}f033/kernel.core.gz`], usage.io), 2);
      assert.match(usage.out.stderr, /-o/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
