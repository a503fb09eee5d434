/**
 * `kernelDump` through apport's route: `core_pattern` pipes to a helper named `apport` (the test's
 * own), which stores the core the way apport does
 * (`core.<exe path with _>.<uid>.<boot id>.<pid>.<time>`); the core is found by its PID among
 * others and moved. Runs under the exclusive core_pattern lock and restores the pattern.
 */
import assert from "node:assert/strict";
import { bytesSource } from "../lib/bytes/source.ts";
import { parseCore } from "../lib/elf/core.ts";
import { classifyPattern } from "../runtime/core_pattern.ts";
import { kernelDump } from "../runtime/kernel_core.ts";
import { corePatternUnchangeable, withCorePattern } from "./_core_lock.ts";
import { buildMapper, whyNoCores } from "./_capture.ts";

const skip = whyNoCores() ?? corePatternUnchangeable();

Deno.test({
  name: "kernelDump collects an apport core by PID from apport's core directory",
  ignore: skip !== undefined,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "coredelta-apport-" });
    try {
      await buildMapper(`${dir}/mapper`);
      await Deno.mkdir(`${dir}/cores`);
      // Another process's core, older and with another PID: never picked up.
      await Deno.writeTextFile(`${dir}/cores/core._usr_bin_other.0.b00t.1.1700000000`, "x");
      await Deno.writeTextFile(
        `${dir}/apport`,
        `#!/bin/sh\nexec cat > "${dir}/cores/core._tmp_mapper.0.b00t.$1.$2"\n`,
        { mode: 0o755 },
      );
      const pattern = `|${dir}/apport %p %t`;
      assert.equal(classifyPattern(pattern).kind, "apport");
      const child = new Deno.Command(`${dir}/mapper`, {
        cwd: dir,
        env: { TMPDIR: dir },
        stdin: "piped",
        stdout: "piped",
        stderr: "null",
      }).spawn();
      try {
        const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
        assert.equal((await reader.read()).value?.trim(), "ready");
        reader.releaseLock();
        const result = await withCorePattern(
          pattern,
          () =>
            kernelDump(child.pid, `${dir}/kernel.core`, {
              route: classifyPattern(pattern),
              exited: child.status,
              timeoutMs: 30_000,
              apportDir: `${dir}/cores`,
            }),
        );
        assert.equal(result.route, "apport");
        assert.match(
          result.foundAt,
          new RegExp(`core\\._tmp_mapper\\.0\\.b00t\\.${child.pid}\\.\\d+$`),
        );
        const core = await parseCore(bytesSource(await Deno.readFile(`${dir}/kernel.core`)));
        assert.equal(core.producer.producer, "kernel");
        assert.equal(core.process?.pid, child.pid);
        // Moved; the other core stays (other crashes of the machine may land here meanwhile).
        const left = [...Deno.readDirSync(`${dir}/cores`)].map((e) => e.name);
        assert.ok(left.includes("core._usr_bin_other.0.b00t.1.1700000000"));
        assert.ok(!left.some((n) => n.includes(`.${child.pid}.`)));
      } finally {
        try {
          child.kill("SIGKILL");
        } catch {
          // dead of SIGABRT
        }
        await child.status;
        await child.stdin.close().catch(() => {});
        await child.stdout.cancel().catch(() => {});
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
