/**
 * Acceptance: the module list the digest reads from every committed core (kernel cores and gcores)
 * equals what elfutils reads (`eu-unstrip -n --core=CORE`): same load addresses, same ends, same
 * build-ids; through the streaming pass, the spill path and the binary codec alike.
 *
 * Ends: elfutils prints the exact end of the `PT_LOAD`s when it finds the file on this host, and the
 * end rounded up to the page when it reads the ELF header from the core's memory only; both are
 * accepted against our exact end.
 *
 * @module
 */

import assert from "node:assert/strict";
import { capture } from "./_cli.ts";
import { allCores, FIXTURE_DIR, loadCore, readFixtureText } from "./_fixtures.ts";
import { main } from "../main.ts";
import { diffDigests } from "../lib/diff/diff.ts";
import { renderDiffText } from "../lib/report/diff_text.ts";
import { bytesSource } from "../lib/bytes/source.ts";
import { decodeDigest, encodeDigest } from "../lib/digest/codec.ts";
import { digestStream } from "../lib/digest/digest.ts";
import { digestPositional } from "../lib/digest/positional.ts";
import type { Module } from "../lib/digest/modules.ts";
import { createPageHasher } from "../wasm/mod.ts";

const hasEu = await new Deno.Command("eu-unstrip", { args: ["--version"], stdout: "null" })
  .output().then((o) => o.success).catch(() => false);

interface EuModule {
  start: bigint;
  end: bigint;
  buildId: string;
  file: string;
}

async function euUnstrip(core: Uint8Array): Promise<EuModule[]> {
  const path = await Deno.makeTempFile({ prefix: "coredelta-eu-" });
  try {
    await Deno.writeFile(path, core);
    const out = await new Deno.Command("eu-unstrip", {
      args: ["-n", `--core=${path}`],
      env: { DEBUGINFOD_URLS: "" },
    }).output();
    assert.ok(out.success, new TextDecoder().decode(out.stderr));
    return new TextDecoder().decode(out.stdout).trim().split("\n").filter((l) => l).map((l) => {
      const [range, id, file] = l.split(" ") as [string, string, string];
      const [start, size] = range.split("+").map((x) => BigInt(x)) as [bigint, bigint];
      return { start, end: start + size, buildId: id.split("@")[0]!, file };
    });
  } finally {
    await Deno.remove(path);
  }
}

/** `bytes` as a stream of `size`-byte chunks (pages arrive split across chunks). */
function chunked(bytes: Uint8Array, size: number): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(c) {
      if (at >= bytes.length) return c.close();
      c.enqueue(bytes.slice(at, at + size));
      at += size;
    },
  });
}

function alignUp(v: bigint): bigint {
  return (v + 0xfffn) & ~0xfffn;
}

function assertSameModules(ours: readonly Module[], eu: EuModule[], what: string): void {
  const found = ours.filter((m) => m.buildIdSource === "core");
  assert.deepEqual(
    found.map((m) => [m.start, m.buildId]).sort(),
    eu.map((m) => [m.start, m.buildId]).sort(),
    `${what}: load addresses and build-ids`,
  );
  for (const e of eu) {
    const m = found.find((x) => x.start === e.start)!;
    assert.ok(
      e.end === m.end || e.end === alignUp(m.end),
      `${what}: end of module at 0x${e.start.toString(16)}: eu-unstrip 0x${
        e.end.toString(16)
      }, ours 0x${m.end.toString(16)}`,
    );
  }
}

function filterOf(set: string): number {
  return parseInt(readFixtureText(set, "coredump_filter.txt") ?? "33", 16);
}

for (const [set, name] of allCores()) {
  Deno.test({
    name: `modules: ${set}/${name} equal eu-unstrip -n --core`,
    ignore: !hasEu,
    async fn() {
      const bytes = loadCore(set, name);
      const eu = await euUnstrip(bytes);
      const hasher = await createPageHasher();
      const streamed = await digestStream(
        new Blob([bytes as Uint8Array<ArrayBuffer>]).stream(),
        hasher,
      );
      assert.ok(streamed.modules, "the streaming digest records modules");
      assertSameModules(streamed.modules, eu, "stream");
      const odd = await digestStream(chunked(bytes, 1000), hasher);
      assert.deepEqual(odd.modules, streamed.modules, "1000-byte chunks read the same modules");
      const spilled = await digestPositional(bytesSource(bytes), hasher);
      assert.deepEqual(spilled.modules, streamed.modules, "spill path reads the same modules");
      const decoded = await decodeDigest(encodeDigest(streamed));
      assert.deepEqual(decoded.modules, streamed.modules, "codec round trip");

      const paths = streamed.modules.map((m) => m.path);
      assert.ok(paths.includes("[vdso]"), "the vDSO is a module");
      assert.ok(paths.some((p) => p.endsWith("/libc.so.6")), "libc is a module");
      assert.ok(paths.some((p) => p.endsWith("/build/mapper")), "the executable is a module");
      if ((filterOf(set) & 0x10) !== 0) {
        // elf-headers: every module's build-id is in the core.
        assert.deepEqual(streamed.modules.filter((m) => m.buildIdSource !== "core"), []);
        assert.ok(eu.length >= 4, "eu-unstrip finds the exe, libc, ld.so and the vDSO");
      } else {
        // No elf-headers bit: only the vDSO (always dumped) has its header page; the rest say so.
        const missing = streamed.modules.filter((m) => m.buildIdSource === "missing-page");
        assert.ok(missing.some((m) => m.path.endsWith("/libc.so.6")), "libc page missing");
        assert.ok(missing.every((m) => m.buildId === undefined));
      }
    },
  });
}

async function fixtureDigest(set: string, name: string) {
  const bytes = loadCore(set, name);
  return await digestStream(
    new Blob([bytes as Uint8Array<ArrayBuffer>]).stream(),
    await createPageHasher(),
  );
}

Deno.test("diff: same path with another build-id is module.build-id-differs; kernel vs gcore modules agree", async () => {
  const a = await fixtureDigest("f033", "kernel");
  const g = await fixtureDigest("f033", "gdb");
  assert.deepEqual(diffDigests(a, g).notes.filter((n) => n.kind === "module"), []);
  const libc = a.modules!.find((m) => m.path.endsWith("/libc.so.6"))!;
  const b = {
    ...a,
    modules: a.modules!.map((m) => (m === libc ? { ...m, buildId: "ab".repeat(20) } : m)),
  };
  const r = diffDigests(a, b);
  const mods = r.notes.filter((n) => n.kind === "module");
  assert.equal(mods.length, 1);
  assert.equal(mods[0]!.reasons[0]!.code, "module.build-id-differs");
  assert.match(mods[0]!.text, new RegExp(`${libc.buildId} in A, ${"ab".repeat(20)} in B`));
  assert.equal(r.verdict, "fail");
  assert.deepEqual(r.a.modules, a.modules);
  assert.match(renderDiffText(r), /modules: 5[\s\S]*libc\.so\.6 +93ac61ec\w+ +abab/);
  // Header page missing on one side: nothing is claimed.
  const missing = {
    ...a,
    modules: a.modules!.map((m) => {
      if (m !== libc) return m;
      const { buildId: _, ...rest } = m;
      return { ...rest, buildIdSource: "missing-page" as const };
    }),
  };
  assert.deepEqual(diffDigests(a, missing).notes.filter((n) => n.kind === "module"), []);
});

Deno.test("diff: a module whose path the other core does not map is only in one core", async () => {
  const a = await fixtureDigest("f033", "kernel");
  const elf = a.modules!.find((m) => m.path.endsWith("/elf_0644.so"))!;
  const files = a.core.files!;
  const b = {
    ...a,
    core: {
      ...a.core,
      files: { ...files, entries: files.entries.filter((e) => e.name !== elf.path) },
    },
    modules: a.modules!.filter((m) => m !== elf),
  };
  const mods = diffDigests(a, b).notes.filter((n) => n.kind === "module");
  assert.equal(mods.length, 1);
  assert.equal(mods[0]!.reasons[0]!.code, "module.only-in-one-core");
  assert.match(mods[0]!.text, /elf_0644\.so \(build-id 93b26b\w+\) only in A/);
});

Deno.test("inspect lists modules from a core and from its digest alike", async () => {
  const core = `${FIXTURE_DIR}f033/kernel.core.gz`;
  const dir = await Deno.makeTempDir({ prefix: "coredelta-mod-" });
  try {
    const c1 = capture();
    assert.equal(await main(["inspect", "--format", "json", core], c1.io), 0);
    const c2 = capture();
    assert.equal(await main(["digest", "-o", `${dir}/d.cddg`, core], c2.io), 0);
    const c3 = capture();
    assert.equal(await main(["inspect", "--format", "json", `${dir}/d.cddg`], c3.io), 0);
    const fromCore = JSON.parse(c1.out.stdout).modules;
    assert.deepEqual(JSON.parse(c3.out.stdout).modules, fromCore);
    assert.deepEqual(fromCore.find((m: { path: string }) => m.path === "[vdso]"), {
      path: "[vdso]",
      start: "0x7ffff7fc8000",
      end: "0x7ffff7fc9522",
      buildId: "e95baaeaec8534edc5df3654182ddf12b19d9b23",
      buildIdSource: "core",
    });
    const c4 = capture();
    assert.equal(await main(["inspect", core], c4.io), 0);
    assert.match(
      c4.out.stdout,
      /modules: 5\n.*build-id.*\n(.*\n)*.*93ac61ec5a8eb1396f9fbd350e3169a558528a40 +\/usr\/lib\/x86_64-linux-gnu\/libc\.so\.6/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("diff: no module is 'only in one core' when the other core has no NT_FILE", async () => {
  const a = await fixtureDigest("f033", "kernel");
  const { files: _, ...rest } = a.core;
  const b = { ...a, core: rest, modules: [] };
  assert.deepEqual(diffDigests(a, b).notes.filter((n) => n.kind === "module"), []);
});
