/**
 * `coredelta capture` on this machine's real kernel and gdb: the acceptance run (three filters,
 * `--diff`, JUnit and Markdown in one run) with the live predictions checked against both real
 * cores mapping by mapping; `predict --pid` on a live process; and the errors a CI runner meets
 * (gdb missing, exited before ready, timeout, ptrace denied in a user namespace, cores disabled),
 * each leaving nothing running and no staging folder behind.
 */
import assert from "node:assert/strict";
import { bytesSource } from "../lib/bytes/source.ts";
import { parseCore } from "../lib/elf/core.ts";
import type { PredictResult } from "../lib/policy/predict.ts";
import { withKernelCores } from "./_core_lock.ts";
import { buildMapper, coredelta, whyNoCores } from "./_capture.ts";

const skip = whyNoCores();
if (skip) console.log(`capture_test: skipped: ${skip}`);

/** Checks that no process of `pids` is alive. */
function assertGone(pids: number[]): void {
  for (const pid of pids) {
    let state = "";
    try {
      const s = Deno.readTextFileSync(`/proc/${pid}/stat`);
      state = s.slice(s.lastIndexOf(")") + 2, s.lastIndexOf(")") + 3);
    } catch {
      continue;
    }
    assert.ok(state === "Z" || state === "X", `process ${pid} is still running (${state})`);
  }
}

/** The live prediction has no assumption left and equals both real cores, mapping by mapping. */
async function assertPredictionHolds(dir: string, label: string): Promise<void> {
  const p: PredictResult = JSON.parse(await Deno.readTextFile(`${dir}/prediction.json`));
  assert.equal(p.totals.kernel!.uncertainMappings, 0);
  assert.equal(p.totals.gdb!.uncertainMappings, 0);
  const cores = {
    kernel: await loadsOf(`${dir}/kernel.core`),
    gdb: await loadsOf(`${dir}/gdb.core`),
  };
  for (const m of p.mappings) {
    assert.ok(
      !m.inferences.some((i) => i.certainty === "unknown"),
      `${label} ${m.start} ${m.name}: unknown fact`,
    );
    for (const who of ["kernel", "gdb"] as const) {
      const want = m[who]!;
      assert.equal(want.assumption, null, `${label} ${who} ${m.start} ${m.name}`);
      const got = cores[who].get(BigInt(m.start));
      assert.deepEqual(
        { emitted: got !== undefined, p_filesz: got ?? 0 },
        { emitted: want.emitted, p_filesz: want.p_filesz },
        `${label} ${who} ${m.start} ${m.name}: ${want.reason}`,
      );
    }
  }
}

async function loadsOf(path: string) {
  const core = await parseCore(bytesSource(await Deno.readFile(path)));
  return new Map([...core.loads].map((l) => [l.vaddr, Number(l.filesz)]));
}

Deno.test({
  name: "capture --filters 0x23,0x33,0x3f --ready-line ^ready --out --diff -- ./mapper: pass, " +
    "predictions equal both real cores, JUnit + Markdown in one run, nothing left",
  ignore: skip !== undefined,
  async fn() {
    const tmp = await Deno.makeTempDir({ prefix: "coredelta-capture-" });
    try {
      await buildMapper(`${tmp}/mapper`);
      const r = await withKernelCores(() =>
        coredelta(
          [
            "capture",
            "--filters",
            "0x23,0x33,0x3f",
            "--ready-line",
            "^ready",
            "--out",
            "out",
            "--diff",
            "--format",
            "junit",
            "-o",
            "report.xml",
            "--format",
            "md",
            "-o",
            "summary.md",
            "--",
            "./mapper",
          ],
          { cwd: tmp, env: { TMPDIR: tmp } },
        )
      );
      assert.equal(r.code, 0, r.stderr);
      const pids: number[] = [];
      for (const f of ["f023", "f033", "f03f"]) {
        const dir = `${tmp}/out/${f}`;
        const manifest = JSON.parse(await Deno.readTextFile(`${dir}/manifest.json`));
        pids.push(manifest.pid);
        assert.equal(manifest.filter, `0x${f.slice(1).replace(/^0/, "")}`);
        assert.equal(manifest.verdict, "pass");
        assert.equal(manifest.unexplained, 0);
        assert.equal(manifest.kernelCore.route, "file");
        assert.equal((await Deno.stat(`${dir}/kernel.core`)).mode! & 0o777, 0o600);
        assert.equal((await Deno.stat(`${dir}/gdb.core`)).mode! & 0o777, 0o600);
        for (
          const name of ["smaps.txt", "smaps.before.txt", "maps.txt", "coredump_filter.txt"]
        ) {
          assert.ok((await Deno.stat(`${dir}/${name}`)).size > 0, `${f}/${name}`);
        }
        await assertPredictionHolds(dir, f);
      }
      assertGone(pids);
      const junit = await Deno.readTextFile(`${tmp}/report.xml`);
      assert.equal(junit.match(/<testsuite /g)?.length, 3);
      assert.match(junit, /<testsuites name="coredelta" tests="\d+" failures="0">/);
      const md = await Deno.readTextFile(`${tmp}/summary.md`);
      for (const f of ["f023", "f033", "f03f"]) assert.match(md, new RegExp(`^## ${f}$`, "m"));
      const left = [...Deno.readDirSync(`${tmp}/out`)].map((e) => e.name).sort();
      assert.deepEqual(left, ["f023", "f033", "f03f"]);
      assert.ok(!Deno.readDirSync(tmp).some((e) => e.name === "core" || /^core\./.test(e.name)));
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  },
});

Deno.test({
  name: "predict --pid and diff --pid: a live mapper predicted with no assumption; errors for a " +
    "missing process",
  ignore: skip !== undefined,
  async fn() {
    const tmp = await Deno.makeTempDir({ prefix: "coredelta-pid-" });
    const child = new Deno.Command(`${tmp}/mapper`, {
      args: [],
      cwd: tmp,
      env: { TMPDIR: tmp },
      stdin: "piped",
      stdout: "piped",
      stderr: "null",
    });
    await buildMapper(`${tmp}/mapper`);
    const p = child.spawn();
    try {
      const reader = p.stdout.pipeThrough(new TextDecoderStream()).getReader();
      assert.equal((await reader.read()).value?.trim(), "ready");
      reader.releaseLock();
      const r = await coredelta(["predict", "--pid", String(p.pid), "--format", "json"], {});
      assert.equal(r.code, 0, r.stderr);
      const result: PredictResult = JSON.parse(r.stdout);
      assert.equal(result.filter, "0x33");
      assert.equal(result.totals.kernel!.uncertainMappings, 0);
      assert.equal(result.totals.gdb!.uncertainMappings, 0);
      const exec = result.mappings.find((m) => m.name.endsWith("/elf_0755.so"))!;
      assert.ok(
        exec.inferences.every((i) => i.certainty !== "unknown"),
        JSON.stringify(exec.inferences),
      );
      assert.match(JSON.stringify(exec.inferences), /map_files: mode 0755|mem: first bytes are/);
      // diff --pid: the smaps side comes from the live process.
      const g = await new Deno.Command("gdb", {
        args: ["-nx", "-batch", "-p", String(p.pid), "-ex", `gcore ${tmp}/g.core`],
        env: { DEBUGINFOD_URLS: "" },
        stdout: "null",
        stderr: "null",
      }).output();
      assert.ok(g.success, "gcore");
      const d = await coredelta(
        ["diff", "--pid", String(p.pid), "--format", "json", `${tmp}/g.core`, `${tmp}/g.core`],
        {},
      );
      assert.equal(d.code, 0, d.stderr);
      const report = JSON.parse(d.stdout);
      assert.equal(report.context.filter, "0x33");
      assert.equal(report.context.smaps, true);
      const gone = await coredelta(["predict", "--pid", "999999999"], {});
      assert.equal(gone.code, 2);
      assert.match(gone.stderr, /No process 999999999/);
      const bad = await coredelta(["predict", "--pid", "12x"], {});
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /--pid must be a process ID/);
    } finally {
      p.kill("SIGKILL");
      await p.status;
      await p.stdin.close().catch(() => {});
      await p.stdout.cancel().catch(() => {});
      await Deno.remove(tmp, { recursive: true });
    }
  },
});

Deno.test({
  name: "capture --gdb-setting 'set use-coredump-filter off' at 0x23: the diff and the " +
    "prediction use the setting, and the pair passes",
  ignore: skip !== undefined,
  async fn() {
    const tmp = await Deno.makeTempDir({ prefix: "coredelta-capture-gdbset-" });
    try {
      await buildMapper(`${tmp}/mapper`);
      const r = await withKernelCores(() =>
        coredelta(
          [
            "capture",
            "--filter",
            "0x23",
            "--gdb-setting",
            "set use-coredump-filter off",
            "--ready-line",
            "^ready",
            "--out",
            "out",
            "--diff",
            "--format",
            "json",
            "--",
            "./mapper",
          ],
          { cwd: tmp, env: { TMPDIR: tmp } },
        )
      );
      assert.equal(r.code, 0, r.stderr);
      const report = JSON.parse(r.stdout);
      assert.equal(report.verdict, "pass");
      assert.equal(report.summary.unexplained, 0);
      assert.equal(report.context.settings.gdbUseFilter, false);
      const p = JSON.parse(await Deno.readTextFile(`${tmp}/out/f023/prediction.json`));
      assert.equal(p.gdb.effectiveFilter, "0x33");
      await assertPredictionHolds(`${tmp}/out/f023`, "f023 use-coredump-filter off");
      const gdbLog = await Deno.readTextFile(`${tmp}/out/f023/manifest.json`);
      assert.match(gdbLog, /-ex 'set use-coredump-filter off' -ex 'gcore gdb.core'/);
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  },
});

Deno.test({
  name: "capture --pid: a running mapper is captured once, dies of SIGABRT, and the pair passes",
  ignore: skip !== undefined,
  async fn() {
    const tmp = await Deno.makeTempDir({ prefix: "coredelta-capture-pid-" });
    await buildMapper(`${tmp}/mapper`);
    const p = new Deno.Command(`${tmp}/mapper`, {
      cwd: tmp,
      env: { TMPDIR: tmp },
      stdin: "piped",
      stdout: "piped",
      stderr: "null",
    }).spawn();
    try {
      const reader = p.stdout.pipeThrough(new TextDecoderStream()).getReader();
      assert.equal((await reader.read()).value?.trim(), "ready");
      reader.releaseLock();
      const r = await withKernelCores(() =>
        coredelta(
          ["capture", "--pid", String(p.pid), "--filter", "0x3f", "--out", "out", "--diff"],
          { cwd: tmp },
        )
      );
      assert.equal(
        r.code,
        0,
        r.stderr + r.stdout.split("\n").filter((l) => /unexpl|✗|!/.test(l)).join("\n"),
      );
      assert.match(r.stdout, /PASS \(kernel-vs-gdb\)/);
      const status = await p.status;
      assert.equal(status.signal, "SIGABRT");
      const manifest = JSON.parse(await Deno.readTextFile(`${tmp}/out/f03f/manifest.json`));
      assert.equal(manifest.pid, p.pid);
      assert.equal(manifest.program, null);
      assert.equal(manifest.coredump_filter, "0000003f");
    } finally {
      try {
        p.kill("SIGKILL");
      } catch {
        // already dead of SIGABRT
      }
      await p.status;
      await p.stdin.close().catch(() => {});
      await p.stdout.cancel().catch(() => {});
      await Deno.remove(tmp, { recursive: true });
    }
  },
});
