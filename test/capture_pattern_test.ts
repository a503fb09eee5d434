/**
 * `coredelta capture` collects the kernel core wherever `core_pattern` sends it. Each case sets a
 * pattern of its own under the exclusive core_pattern lock and restores the old one afterwards:
 * a file pattern with `%e.%p.%t` expansions in an absolute directory; a pipe to a collector script
 * named `systemd-coredump`, read back through a `coredumpctl` of the test's own (as on systemd
 * machines); and a pipe to another helper, which needs `--core-path` (and without it fails before
 * starting anything).
 */
import assert from "node:assert/strict";
import { bytesSource } from "../lib/bytes/source.ts";
import { parseCore } from "../lib/elf/core.ts";
import { corePatternUnchangeable, withCorePattern } from "./_core_lock.ts";
import { buildMapper, coredelta, whyNoCores } from "./_capture.ts";

const skip = whyNoCores() ?? corePatternUnchangeable();
if (skip) console.log(`capture_pattern_test: skipped: ${skip}`);

/** Checks `path` is a kernel core of process `pid`. */
async function assertKernelCore(path: string, pid: number): Promise<void> {
  const core = await parseCore(bytesSource(await Deno.readFile(path)));
  assert.equal(core.producer.producer, "kernel");
  assert.equal(core.process?.pid, pid);
}

async function setup(dir: string): Promise<void> {
  await buildMapper(`${dir}/mapper`);
  await Deno.mkdir(`${dir}/store`);
  await Deno.mkdir(`${dir}/bin`);
  // The kernel runs pipe helpers as root with PATH=/sbin:/bin:/usr/sbin:/usr/bin.
  const collector = `#!/bin/sh\nexec cat > "${dir}/store/core.$1"\n`;
  await Deno.writeTextFile(`${dir}/bin/systemd-coredump`, collector, { mode: 0o755 });
  await Deno.writeTextFile(`${dir}/bin/collect`, collector, { mode: 0o755 });
  await Deno.writeTextFile(
    `${dir}/bin/coredumpctl`,
    `#!/bin/sh
# coredumpctl [--no-pager] [-q] -o FILE dump PID, from the collector's store
out=""; pid=""
while [ $# -gt 0 ]; do
  case "$1" in -o) out="$2"; shift 2 ;; dump) shift ;; -*) shift ;; *) pid="$1"; shift ;; esac
done
f="${dir}/store/core.$pid"
[ -s "$f" ] || { echo "No coredump entries found." >&2; exit 1; }
cp "$f" "$out"
`,
    { mode: 0o755 },
  );
}

Deno.test({
  name: "capture collects the kernel core from a %-pattern, systemd-coredump and a pipe helper",
  ignore: skip !== undefined,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "coredelta-pattern-" });
    try {
      await setup(dir);
      const env = { TMPDIR: dir, PATH: `${dir}/bin:${Deno.env.get("PATH")}` };
      const capture = (
        out: string,
        extra: string[] = [],
        ready = ["--ready-line", "^ready"],
        program = ["./mapper"],
      ) =>
        coredelta(
          ["capture", "--filter", "0x33", ...ready, "--out", out, ...extra, "--", ...program],
          { cwd: dir, env },
        );

      await Deno.mkdir(`${dir}/cores`);
      const file = await withCorePattern(
        `${dir}/cores/core.%e.%p.%t`,
        () => capture("file", ["--diff", "--format", "md", "-o", "summary.md"]),
      );
      assert.equal(file.code, 0, file.stderr);
      const fm = JSON.parse(await Deno.readTextFile(`${dir}/file/f033/manifest.json`));
      assert.equal(fm.kernelCore.route, "file");
      assert.match(fm.kernelCore.foundAt, new RegExp(`/cores/core\\.mapper\\.${fm.pid}\\.\\d+$`));
      assert.equal(fm.verdict, "pass");
      await assertKernelCore(`${dir}/file/f033/kernel.core`, fm.pid);
      // Moved, not copied (other processes of the machine may crash meanwhile and land here too).
      assert.ok(
        ![...Deno.readDirSync(`${dir}/cores`)].some((e) => e.name.includes(`.${fm.pid}.`)),
        "the core was moved, not copied",
      );

      const systemd = await withCorePattern(
        `|${dir}/bin/systemd-coredump %P %u %g %s %t %c %h`,
        // Ready when the mapper has written its manifest (--ready-file).
        () => capture("systemd", [], ["--ready-file", "m.json"], ["./mapper", "-m", "m.json"]),
      );
      assert.equal(systemd.code, 0, systemd.stderr);
      const sm = JSON.parse(await Deno.readTextFile(`${dir}/systemd/f033/manifest.json`));
      assert.equal(sm.kernelCore.route, "systemd");
      assert.equal(sm.kernelCore.foundAt, `coredumpctl dump ${sm.pid}`);
      await assertKernelCore(`${dir}/systemd/f033/kernel.core`, sm.pid);

      const pipe = `|${dir}/bin/collect %P`;
      const refused = await withCorePattern(pipe, () => capture("refused"));
      assert.equal(refused.code, 2);
      assert.match(refused.stderr, /pipes cores to .*\/bin\/collect, which coredelta cannot read/);
      assert.match(refused.stderr, /--core-path/);
      assert.match(refused.stderr, /sysctl -w kernel.core_pattern=core/);
      const piped = await withCorePattern(
        pipe,
        () => capture("piped", ["--core-path", `${dir}/store/core.%P`]),
      );
      assert.equal(piped.code, 0, piped.stderr);
      const pm = JSON.parse(await Deno.readTextFile(`${dir}/piped/f033/manifest.json`));
      assert.equal(pm.kernelCore.route, "pipe");
      await assertKernelCore(`${dir}/piped/f033/kernel.core`, pm.pid);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
