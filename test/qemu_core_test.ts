/**
 * A real foreign core: an aarch64 program built with the cross compiler crashes under
 * qemu-user, which writes its own core (in the kernel's layout). Its threads, pids and pcs must
 * read as eu-readelf reads them, its segments as readelf lists them, and it must self-diff clean.
 * Skips (with a message) without `aarch64-linux-gnu-gcc` and `qemu-aarch64-static`.
 */

import assert from "node:assert/strict";
import { prepareContext } from "../lib/diff/context.ts";
import { diffDigests } from "../lib/diff/diff.ts";
import { digestFile } from "../runtime/digest.ts";
import { TINY_ARCHES, tinyElf } from "./_tiny_elf.ts";

const SOURCE = new URL("./fixtures/foreign/threads_crash.c", import.meta.url).pathname;
const TOOLS = ["aarch64-linux-gnu-gcc", "qemu-aarch64-static", "eu-readelf", "readelf"];

const onPath = (tool: string) =>
  (Deno.env.get("PATH") ?? "").split(":").some((d) => {
    try {
      return d !== "" && Deno.statSync(`${d}/${tool}`).isFile;
    } catch {
      return false;
    }
  });
const missing = TOOLS.filter((t) => !onPath(t));
if (missing.length) console.warn(`qemu_core_test: skipped, missing ${missing.join(", ")}`);

async function run(cmd: string, args: string[], cwd?: string): Promise<string> {
  const out = await new Deno.Command(cmd, {
    args,
    ...(cwd ? { cwd } : {}),
    env: { LC_ALL: "C" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  return new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
}

Deno.test({
  name: "a qemu-user aarch64 core reads as eu-readelf and readelf read it, and self-diffs clean",
  ignore: missing.length > 0,
  async fn() {
    // Kernel cores are made (qemu itself may dump): share the core_pattern lock with such tests.
    const lock = await Deno.open("/tmp/coredelta-core-pattern.lock", { create: true, write: true });
    await lock.lock(false);
    const dir = await Deno.makeTempDir({ prefix: "coredelta-qemu-" });
    try {
      await run("aarch64-linux-gnu-gcc", [
        "-static",
        "-O0",
        "-o",
        `${dir}/crash`,
        SOURCE,
        "-lpthread",
      ]);
      await run("bash", ["-c", "ulimit -c unlimited; exec qemu-aarch64-static ./crash"], dir);
      const name = [...Deno.readDirSync(dir)].map((e) => e.name).find((n) =>
        /^qemu_.*\.core$/.test(n)
      );
      assert.ok(name, "qemu wrote no core");
      const path = `${dir}/${name}`;
      const d = await digestFile(path);
      assert.equal(d.core.header.machineName, "EM_AARCH64");
      // Threads: pid and pc of every NT_PRSTATUS, in order.
      const eu = await run("eu-readelf", ["-n", path]);
      const pids = [...eu.matchAll(/^\s+pid: (\d+), ppid/gm)].map((m) => Number(m[1]));
      const pcs = [...eu.matchAll(/\bpc: (0x[0-9a-f]+)/g)].map((m) => BigInt(m[1]!));
      assert.ok(pids.length >= 2);
      assert.deepEqual(d.core.threads.map((t) => t.tid), pids.slice(0, d.core.threads.length));
      assert.equal(d.core.threads.length, pcs.length);
      assert.deepEqual(d.core.threads.map((t) => t.status.registers.pc), pcs);
      assert.equal(d.core.process?.fname, "crash");
      // Segments as readelf lists them.
      const loads = [...(await run("readelf", ["-lW", path])).matchAll(
        /^\s+LOAD\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+0x[0-9a-f]+\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)/gm,
      )].map((m) => m.slice(1, 5).map((x) => BigInt(x!)));
      assert.deepEqual(
        [...d.core.loads].map((s) => [s.offset, s.vaddr, s.filesz, s.memsz]),
        loads,
      );
      const r = diffDigests(d, await digestFile(path), {
        context: prepareContext({ expect: "identical" }),
      });
      assert.equal(r.verdict, "pass");
    } finally {
      await Deno.remove(dir, { recursive: true });
      lock.close();
    }
  },
});

const tinyArches = TINY_ARCHES.filter((a) => onPath(`qemu-${a.qemu}-static`));

Deno.test({
  name:
    "qemu-user cores of 13 architectures: tid, ppid, fname and segments read right, self-diff clean",
  ignore: !onPath("readelf") || tinyArches.length === 0,
  async fn(t) {
    const lock = await Deno.open("/tmp/coredelta-core-pattern.lock", { create: true, write: true });
    await lock.lock(false);
    const dir = await Deno.makeTempDir({ prefix: "coredelta-qemu-" });
    try {
      for (const arch of tinyArches) {
        await t.step(arch.qemu, async () => {
          const at = `${dir}/${arch.qemu}`;
          await Deno.mkdir(at);
          await Deno.writeFile(`${at}/t`, tinyElf(arch), { mode: 0o755 });
          // `exec` keeps the shell's pid: that is the tid the core must hold, and we are its parent.
          // coredump_filter 0 keeps qemu's own (host) core small; the guest core is qemu's.
          const out = await run("bash", [
            "-c",
            `ulimit -c unlimited; echo 0 > /proc/self/coredump_filter; echo $$; exec qemu-${arch.qemu}-static ./t`,
          ], at);
          const pid = Number(out.trim().split("\n")[0]);
          const name = [...Deno.readDirSync(at)].map((e) => e.name).find((n) =>
            /^qemu_.*\.core$/.test(n)
          );
          assert.ok(name, `qemu-${arch.qemu} wrote no core: ${out}`);
          const path = `${at}/${name}`;
          const d = await digestFile(path);
          assert.equal(d.core.header.machine, arch.machine);
          const th = d.core.threads[0]!;
          assert.equal(th.tid, pid, "tid");
          assert.equal(th.status.ppid, Deno.pid, "ppid");
          assert.equal(d.core.process?.pid, pid);
          assert.equal(d.core.process?.fname, "t");
          const eu = await run("eu-readelf", ["-n", path]);
          const euPid = /^\s+pid: (\d+), ppid: (\d+)/m.exec(eu);
          if (euPid) assert.deepEqual([Number(euPid[1]), Number(euPid[2])], [pid, Deno.pid]);
          const loads = [...(await run("readelf", ["-lW", path])).matchAll(
            /^\s+LOAD\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+0x[0-9a-f]+\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)/gm,
          )].map((m) => m.slice(1, 5).map((x) => BigInt(x!)));
          assert.deepEqual(
            [...d.core.loads].map((s) => [s.offset, s.vaddr, s.filesz, s.memsz]),
            loads,
          );
          const r = diffDigests(d, await digestFile(path), {
            context: prepareContext({ expect: "identical" }),
          });
          assert.equal(r.verdict, "pass");
        });
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
      lock.close();
    }
  },
});
