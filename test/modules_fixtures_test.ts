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
import { allCores, loadCore, readFixtureText } from "./_fixtures.ts";
import { bytesSource } from "../lib/bytes/source.ts";
import { decodeDigest, encodeDigest } from "../lib/digest/codec.ts";
import { digestSource, digestStream } from "../lib/digest/digest.ts";
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
      const spilled = await digestSource(bytesSource(bytes), hasher);
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
