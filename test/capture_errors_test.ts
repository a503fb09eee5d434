/**
 * The errors `coredelta capture` gives a CI runner, each exit 2 with a message that names the fix,
 * and nothing left running or behind: gdb missing, the program exiting before it is ready, a
 * readiness timeout, ptrace denied (a user namespace cannot ptrace a process outside it), cores
 * disabled (RLIMIT_CORE hard limit 0 that a user namespace cannot raise), usage mistakes.
 */
import assert from "node:assert/strict";
import { buildMapper, coredelta, coredeltaCommand, whyNoCores } from "./_capture.ts";
import { withKernelCores } from "./_core_lock.ts";

const skip = whyNoCores();

function alive(pid: number): boolean {
  try {
    const s = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return !/^[ZX]$/.test(s.slice(s.lastIndexOf(")") + 2, s.lastIndexOf(")") + 3));
  } catch {
    return false;
  }
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Why `unshare --user --map-root-user` cannot run here, or `undefined`. */
async function whyNoUserns(): Promise<string | undefined> {
  try {
    const r = await new Deno.Command("unshare", {
      args: ["--user", "--map-root-user", "true"],
      stdout: "null",
      stderr: "piped",
    }).output();
    return r.success ? undefined : new TextDecoder().decode(r.stderr).trim();
  } catch (e) {
    return String(e);
  }
}

/**
 * Runs `fn` in a temp dir under the shared core_pattern lock: capture reads core_pattern first,
 * and a test elsewhere may have set its own meanwhile.
 */
async function inTemp(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "coredelta-capture-err-" });
  try {
    await withKernelCores(() => fn(dir));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test({
  name: "capture errors: gdb missing, exited before ready, timeout, usage",
  ignore: skip !== undefined,
  async fn() {
    await inTemp(async (dir) => {
      const opts = { cwd: dir, env: { TMPDIR: dir } };
      const noGdb = await coredelta(
        ["capture", "--gdb", `${dir}/no-gdb`, "--after", "1", "--out", "o", "--", "true"],
        opts,
      );
      assert.equal(noGdb.code, 2);
      assert.match(noGdb.stderr, /no-gdb is not on PATH: install GDB \(Debian\/Ubuntu: apt-get/);
      assert.ok(!exists(`${dir}/o`), "nothing created before the preflight passed");

      const early = await coredelta(
        [
          "capture",
          "--ready-line",
          "^ready",
          "--out",
          "o",
          "--",
          "sh",
          "-c",
          "echo starting up; exit 3",
        ],
        opts,
      );
      assert.equal(early.code, 2);
      assert.match(early.stderr, /sh exited before it was ready .*exit status 3/);
      assert.match(early.stderr, /starting up/);
      assert.ok(!exists(`${dir}/o`), "no empty output folder left");

      const slow = await coredelta(
        [
          "capture",
          "--ready-file",
          `${dir}/never`,
          "--timeout",
          "3",
          "--diff",
          "--",
          "sh",
          "-c",
          `echo $$ > ${dir}/pid; exec sleep 30`,
        ],
        opts,
      );
      assert.equal(slow.code, 2);
      assert.match(slow.stderr, /was not ready after 3 s \(waiting for .*never\); it was stopped/);
      const pid = Number(await Deno.readTextFile(`${dir}/pid`));
      assert.ok(!alive(pid), "the program was stopped");

      for (
        const [args, message] of [
          [["--filters", "0x33,0x3f", "--pid", "1", "--out", "o"], /one --filter, not --filters/],
          [["--out", "o", "--", "./mapper"], /say when the program is ready/],
          [["--after", "1", "--", "true"], /nothing would be kept/],
          [["--after", "1", "--out", "o", "-o", "x.xml", "--", "true"], /need --diff/],
          [["--after", "1", "--filter", "0x33", "--filters", "0x3f", "--", "x"], /not both/],
        ] as const
      ) {
        const r = await coredelta(["capture", ...args], opts);
        assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
        assert.match(r.stderr, message);
      }
    });
  },
});

Deno.test({
  name: "capture errors under a user namespace: ptrace denied (exit 2, the fix), cores disabled",
  ignore: skip !== undefined,
  async fn() {
    const why = await whyNoUserns();
    if (why) {
      console.log(`capture_errors_test: user namespaces unavailable (${why}): skipped`);
      return;
    }
    await inTemp(async (dir) => {
      await buildMapper(`${dir}/mapper`);
      const outside = new Deno.Command(`${dir}/mapper`, {
        cwd: dir,
        env: { TMPDIR: dir },
        stdin: "piped",
        stdout: "piped",
        stderr: "null",
      }).spawn();
      try {
        const reader = outside.stdout.pipeThrough(new TextDecoderStream()).getReader();
        assert.equal((await reader.read()).value?.trim(), "ready");
        reader.releaseLock();
        const userns = ["unshare", "--user", "--map-root-user"];
        const denied = await coredelta(
          ["capture", "--pid", String(outside.pid), "--out", "o"],
          { cwd: dir, prefix: userns },
        );
        assert.equal(denied.code, 2, denied.stderr);
        assert.match(denied.stderr, /ptrace is not permitted on process \d+/);
        assert.match(denied.stderr, /CAP_SYS_PTRACE/);
        assert.ok(alive(outside.pid), "the process was left alone");
        assert.ok(!exists(`${dir}/o`));

        // RLIMIT_CORE hard limit 0: a user namespace cannot raise it.
        const disabled = await coredelta(
          ["capture", "--ready-line", "^ready", "--out", "o", "--", "./mapper"],
          {
            cwd: dir,
            env: { TMPDIR: dir },
            prefix: [...userns, "prlimit", "--core=0:0"],
          },
        );
        assert.equal(disabled.code, 2, disabled.stderr);
        assert.match(disabled.stderr, /Cores are disabled for process \d+: RLIMIT_CORE hard limit/);
        assert.match(disabled.stderr, /ulimit -c unlimited/);
        assert.ok(!exists(`${dir}/o`), "no staging folder left");
      } finally {
        outside.kill("SIGKILL");
        await outside.status;
        await outside.stdin.close().catch(() => {});
        await outside.stdout.cancel().catch(() => {});
      }
    });
  },
});

Deno.test({
  name: "capture interrupted (SIGTERM) while waiting: the program is stopped, nothing left",
  ignore: skip !== undefined,
  async fn() {
    await inTemp(async (dir) => {
      const cmd = coredeltaCommand(
        [
          "capture",
          "--ready-file",
          `${dir}/never`,
          "--timeout",
          "300",
          "--out",
          "o",
          "--",
          "sh",
          "-c",
          `echo $$ > ${dir}/pid.tmp && mv ${dir}/pid.tmp ${dir}/pid; exec sleep 300`,
        ],
        { cwd: dir },
      ).spawn();
      const output = cmd.output();
      let ended = false;
      output.then(() => ended = true, () => ended = true);
      let pid = 0;
      // Deno starts slowly on a loaded machine: wait for the program as long as capture runs.
      while (!pid && !ended) {
        await new Promise((r) => setTimeout(r, 50));
        pid = Number(await Deno.readTextFile(`${dir}/pid`).catch(() => "0"));
      }
      if (!pid) {
        assert.fail(`capture ended early: ${new TextDecoder().decode((await output).stderr)}`);
      }
      assert.ok(alive(pid), "the program runs");
      cmd.kill("SIGTERM");
      const out = await output;
      assert.equal(out.code, 143);
      assert.match(new TextDecoder().decode(out.stderr), /SIGTERM: stopping the program/);
      assert.ok(!alive(pid), "the program was stopped");
      assert.ok(!exists(`${dir}/o`), "no partial capture left");
    });
  },
});

Deno.test({
  name: "capture errors for core_pattern (seen through a private mount namespace): unreadable, " +
    "empty, a socket, a pipe to an unknown helper",
  ignore: skip !== undefined,
  async fn() {
    const why = await whyNoUserns();
    if (why) {
      console.log(`capture_errors_test: user namespaces unavailable (${why}): skipped`);
      return;
    }
    await inTemp(async (dir) => {
      // Each case covers core_pattern with a file of its own in a private mount namespace, so
      // the machine's pattern is never changed.
      const shown = (file: string) => [
        "unshare",
        "--user",
        "--map-root-user",
        "--mount",
        "sh",
        "-c",
        'mount --bind "$0" /proc/sys/kernel/core_pattern && exec "$@"',
        file,
      ];
      const unreadable = `${dir}/unreadable`;
      await Deno.writeTextFile(unreadable, "core\n", { mode: 0o000 });
      await Deno.chown(unreadable, 65534, 65534); // unmapped in the namespace: no DAC override
      const cases: [string, RegExp][] = [
        [unreadable, /Cannot read \/proc\/sys\/kernel\/core_pattern .*--core-path/],
        ["\n", /kernel.core_pattern is empty: the kernel writes no cores. Fix: sudo sysctl/],
        ["@/run/coredump.socket\n", /sends cores to a socket .*--core-path/],
        ["|/usr/local/bin/crash-reporter %p\n", /pipes cores to \/usr\/local\/bin\/crash-reporter/],
      ];
      for (const [i, [content, message]] of cases.entries()) {
        let file = content;
        if (content !== unreadable) {
          file = `${dir}/pattern${i}`;
          await Deno.writeTextFile(file, content);
        }
        const r = await coredelta(
          ["capture", "--after", "1", "--out", "o", "--", "./never-started"],
          { cwd: dir, prefix: shown(file) },
        );
        assert.equal(r.code, 2, r.stderr);
        assert.match(r.stderr, message);
        assert.ok(!exists(`${dir}/o`));
      }
    });
  },
});

Deno.test({
  name: "capture does not hang when the program leaves a child holding its output open",
  ignore: skip !== undefined,
  async fn() {
    await inTemp(async (dir) => {
      const started = Date.now();
      const r = await coredelta(
        [
          "capture",
          "--ready-line",
          "^ready",
          "--timeout",
          "90",
          "--out",
          "o",
          "--",
          "sh",
          "-c",
          `sleep 120 & echo $! > ${dir}/leftover; echo not yet; exit 5`,
        ],
        { cwd: dir },
      );
      const leftover = Number(await Deno.readTextFile(`${dir}/leftover`));
      try {
        assert.equal(r.code, 2);
        assert.match(r.stderr, /exited before it was ready .*exit status 5[\s\S]*not yet/);
        // Waiting for the leftover's pipes would end only at the 90 s readiness timeout.
        assert.ok(Date.now() - started < 60_000, "returned without waiting for the leftover");
      } finally {
        Deno.kill(leftover, "SIGKILL");
      }
    });
  },
});
