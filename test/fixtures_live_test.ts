/**
 * Live check of `test/fixtures/make_fixtures.sh`: builds the mapper, takes a gcore and a kernel core
 * of one process with `coredump_filter` 0x33 into a temp dir, and checks both files are ELF cores
 * that contain the manifest's `marker` mapping. Skips (with a message) when gcc/gdb/readelf are
 * missing, when the script exits 77 (core_pattern is a pipe, RLIMIT_CORE cannot be raised, ptrace
 * is not permitted) or when not on Linux.
 */
import assert from "node:assert/strict";
import { bytesSource } from "../lib/bytes/source.ts";
import { prepareContext } from "../lib/diff/context.ts";
import { diffDigests } from "../lib/diff/diff.ts";
import { parseCore } from "../lib/elf/core.ts";
import { parseFilter } from "../lib/policy/filter.ts";
import { isPossible, predict } from "../lib/policy/predict.ts";
import { parseSmaps } from "../lib/smaps/parse.ts";
import { digestFile } from "../runtime/digest.ts";
import { withKernelCores } from "./_core_lock.ts";
import { assertOnlyProgramWrites } from "./_program_writes.ts";

const SCRIPT = new URL("./fixtures/make_fixtures.sh", import.meta.url).pathname;
const TOOLS = ["bash", "gcc", "gdb", "readelf"];
const ET_CORE = 4;

function onPath(tool: string): boolean {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    if (!dir) continue;
    try {
      if (Deno.statSync(`${dir}/${tool}`).isFile) return true;
    } catch {
      // not in this directory
    }
  }
  return false;
}

function whyIgnored(): string | undefined {
  if (Deno.build.os !== "linux") return `not Linux (${Deno.build.os})`;
  const missing = TOOLS.filter((t) => !onPath(t));
  return missing.length ? `missing ${missing.join(", ")}` : undefined;
}

/** `p_vaddr` and `p_filesz` of every LOAD line of `readelf -lW`. */
async function readelfLoads(path: string): Promise<{ vaddr: bigint; filesz: bigint }[]> {
  const out = await new Deno.Command("readelf", {
    args: ["-lW", path],
    env: { LC_ALL: "C" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  const loads = [];
  for (const line of new TextDecoder().decode(out.stdout).split("\n")) {
    const m = line.match(/^\s+LOAD\s+0x[0-9a-f]+\s+0x([0-9a-f]+)\s+0x[0-9a-f]+\s+0x([0-9a-f]+)\s/);
    if (m) loads.push({ vaddr: BigInt("0x" + m[1]), filesz: BigInt("0x" + m[2]) });
  }
  return loads;
}

async function assertCore(path: string): Promise<void> {
  const file = await Deno.open(path);
  try {
    const head = new Uint8Array(64);
    let got = 0;
    while (got < head.length) {
      const n = await file.read(head.subarray(got));
      if (n === null) break;
      got += n;
    }
    assert.equal(got, 64, `${path} is shorter than an ELF header`);
    assert.deepEqual([...head.subarray(0, 4)], [0x7f, 0x45, 0x4c, 0x46], `${path} magic`);
    assert.equal(head[5], 1, `${path} is little-endian`);
    assert.equal(head[16]! | (head[17]! << 8), ET_CORE, `${path} e_type`);
  } finally {
    file.close();
  }
}

const ignored = whyIgnored();
if (ignored) console.log(`fixtures_live_test: skipped: ${ignored}`);

Deno.test({
  name:
    "fresh cores from make_fixtures.sh (0x33): reader = readelf, predictions hold, diff is in parity",
  ignore: ignored !== undefined,
  async fn() {
    const tmp = await Deno.makeTempDir({ prefix: "coredelta-live-" });
    try {
      const run = await withKernelCores(() =>
        new Deno.Command("bash", {
          args: [SCRIPT, "--out", tmp, "--filters", "0x33", "--no-gzip"],
          stdout: "piped",
          stderr: "piped",
        }).output()
      );
      const stderr = new TextDecoder().decode(run.stderr);
      if (run.code === 77) {
        const why = stderr.trim().split("\n").filter((l) => l.includes("SKIP")).pop() ?? stderr;
        console.log(`fixtures_live_test: skipped, the environment cannot make cores: ${why}`);
        return;
      }
      assert.equal(run.code, 0, `make_fixtures.sh failed:\n${stderr}`);

      const set = `${tmp}/f033`;
      const manifest = JSON.parse(await Deno.readTextFile(`${set}/manifest.json`));
      assert.equal(manifest.filter, "0x33");
      assert.equal(manifest.coredump_filter, "00000033");
      const marker = manifest.mappings.find((m: { label: string }) => m.label === "marker");
      assert.ok(marker, "manifest has a marker mapping");
      const start = BigInt(marker.start);

      for (const name of ["kernel.core", "gdb.core"]) {
        const path = `${set}/${name}`;
        await assertCore(path);
        const loads = await readelfLoads(path);
        const load = loads.find((l) => l.vaddr === start);
        assert.ok(load, `${name} has a LOAD at the marker start ${marker.start}`);
        // The marker page is written private anonymous memory: dumped by both under 0x33.
        assert.equal(load.filesz, 0x1000n, `${name} marker p_filesz`);
      }
      for (const name of ["a.core", "b.core"]) await assertCore(`${tmp}/changed/${name}`);

      // The ELF reader agrees with readelf on the fresh cores.
      const cores: Record<string, Awaited<ReturnType<typeof parseCore>>> = {};
      for (const name of ["kernel", "gdb"]) {
        const path = `${set}/${name}.core`;
        const core = await parseCore(bytesSource(await Deno.readFile(path)));
        assert.equal(core.producer.producer, name);
        assert.deepEqual(
          [...core.loads].map((l) => [l.vaddr, l.filesz]),
          (await readelfLoads(path)).map((l) => [l.vaddr, l.filesz]),
        );
        cores[name] = core;
      }
      // Predictions from the fresh smaps match both fresh cores, mapping by mapping.
      const smaps = await Deno.readTextFile(`${set}/smaps.txt`);
      const filter = (await Deno.readTextFile(`${set}/coredump_filter.txt`)).trim();
      const predicted = predict(parseSmaps(smaps).mappings, parseFilter(filter).value);
      for (const m of predicted.mappings) {
        for (const producer of ["kernel", "gdb"] as const) {
          const load = [...cores[producer]!.loads].find((l) => l.vaddr === BigInt(m.start));
          const actual = { emitted: !!load, p_filesz: Number(load?.filesz ?? 0n) };
          assert.ok(
            isPossible(m[producer]!, actual),
            `${producer} ${m.start} ${m.name}: ${JSON.stringify(actual)}`,
          );
        }
      }
      // The fresh pair: only the program's own writes are unexpected; the fresh changed pair fails
      // on exactly one page.
      const report = diffDigests(
        await digestFile(`${set}/kernel.core`),
        await digestFile(`${set}/gdb.core`),
        { context: prepareContext({ smaps, filter }) },
      );
      const unexplained = [
        ...report.ranges.flatMap((r) =>
          r.differences.filter((d) => d.unexplained).map((d) =>
            `${r.start.toString(16)}-${r.end.toString(16)} ${r.name} ${r.status}: ${d.text}`
          )
        ),
        ...report.notes.filter((d) => d.unexplained).map((d) => d.text),
      ];
      assert.deepEqual(unexplained, [], "unexplained differences");
      assertOnlyProgramWrites(report);
      const changed = diffDigests(
        await digestFile(`${tmp}/changed/a.core`),
        await digestFile(`${tmp}/changed/b.core`),
      );
      assert.equal(changed.verdict, "fail");
      assert.equal(changed.ranges.reduce((n, r) => n + r.pages.different, 0), 1);
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  },
});
