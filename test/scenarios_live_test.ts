/**
 * Explanations that hold on real pairs (issue 13): `make_fixtures.sh --scenarios all` makes, at test
 * time, a gcc -m32 process's pair, kernel cores cut by RLIMIT_CORE inside the notes and inside the
 * memory, gcores under each GDB setting and `gcore -a`, a process started under gdb, and a read-only
 * THP region. For each pair: the verdict, 0 unexplained, and every size reason checked against the
 * real program headers (readelf) and the mapping's kind in the program's manifest.
 *
 * Skips (with a message) when gcc/gdb/readelf are missing or the environment cannot make cores.
 */
import assert from "node:assert/strict";
import { type ContextInput, prepareContext } from "../lib/diff/context.ts";
import { diffDigests } from "../lib/diff/diff.ts";
import type { DiffReport, RangeDiff } from "../lib/diff/model.ts";
import type { CoreDigest } from "../lib/digest/model.ts";
import { isPossible, predict } from "../lib/policy/predict.ts";
import { parseSmaps } from "../lib/smaps/parse.ts";
import { digestFile } from "../runtime/digest.ts";
import { main } from "../main.ts";
import { capture } from "./_cli.ts";
import { withCoreLock } from "./_core_lock.ts";

const SCRIPT = new URL("./fixtures/make_fixtures.sh", import.meta.url).pathname;
const TOOLS = ["bash", "gcc", "gdb", "readelf"];

function onPath(tool: string): boolean {
  return (Deno.env.get("PATH") ?? "").split(":").some((dir) => {
    try {
      return !!dir && Deno.statSync(`${dir}/${tool}`).isFile;
    } catch {
      return false;
    }
  });
}

const ignored = Deno.build.os !== "linux"
  ? `not Linux (${Deno.build.os})`
  : TOOLS.filter((t) => !onPath(t)).map((t) => `missing ${t}`).join(", ") || undefined;
if (ignored) console.log(`scenarios_live_test: skipped: ${ignored}`);

interface Made {
  dir: string;
  skipped?: string;
}
let made: Promise<Made> | undefined;
/** Makes every scenario once, into a temp dir removed at unload. */
function scenarios(): Promise<Made> {
  made ??= withCoreLock(async () => {
    const dir = await Deno.makeTempDir({ prefix: "coredelta-scenarios-" });
    globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));
    const run = await new Deno.Command("bash", {
      args: [SCRIPT, "--out", dir, "--filters", "none", "--scenarios", "all", "--no-gzip"],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(run.stderr);
    if (run.code === 77) {
      return { dir, skipped: stderr.split("\n").filter((l) => l.includes("SKIP")).pop() ?? stderr };
    }
    assert.equal(run.code, 0, `make_fixtures.sh --scenarios all failed:\n${stderr}`);
    return { dir };
  });
  return made;
}

/** One program header as `readelf -lW` prints it. */
interface Phdr {
  type: string;
  offset: bigint;
  vaddr: bigint;
  filesz: bigint;
  memsz: bigint;
}

async function readelf(args: string[], path: string): Promise<string> {
  const out = await new Deno.Command("readelf", {
    args: [...args, path],
    env: { LC_ALL: "C" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  return new TextDecoder().decode(out.stdout);
}

async function phdrs(path: string): Promise<Phdr[]> {
  const out: Phdr[] = [];
  for (const line of (await readelf(["-lW"], path)).split("\n")) {
    const m = line.match(
      /^\s+(LOAD|NOTE)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+0x[0-9a-f]+\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s/,
    );
    if (m) {
      out.push({
        type: m[1]!,
        offset: BigInt(`0x${m[2]}`),
        vaddr: BigInt(`0x${m[3]}`),
        filesz: BigInt(`0x${m[4]}`),
        memsz: BigInt(`0x${m[5]}`),
      });
    }
  }
  return out;
}

/** Note types (`NT_...` as readelf names them) of a core. */
async function noteTypes(path: string): Promise<Set<string>> {
  const text = await readelf(["-nW"], path);
  return new Set([...text.matchAll(/\b(NT_[A-Z0-9_]+)\b/g)].map((m) => m[1]!));
}

interface Manifest {
  mappings: { label: string; start: string; kind: string }[];
}

const digests = new Map<string, Promise<CoreDigest>>();
const digestOf = (path: string) => {
  if (!digests.has(path)) digests.set(path, digestFile(path));
  return digests.get(path)!;
};

async function pair(set: string, a: string, b: string, options: ContextInput = {}) {
  const { dir } = await scenarios();
  return diffDigests(
    await digestOf(`${dir}/${set}/${a}`),
    await digestOf(`${dir}/${set}/${b}`),
    { labels: { a, b }, context: prepareContext(options) },
  );
}

async function withSmaps(set: string, extra: ContextInput = {}): Promise<ContextInput> {
  const { dir } = await scenarios();
  return {
    smaps: await Deno.readTextFile(`${dir}/${set}/smaps.txt`),
    filter: (await Deno.readTextFile(`${dir}/${set}/coredump_filter.txt`)).trim(),
    ...extra,
  };
}

/**
 * The mapper writes its own memory between its gcore and its crash (the command, its locks and its
 * stack): those differences are `timing.program-write` (unexpected, by main's narrowing); every other
 * difference must be expected, and none unexplained.
 */
function assertOnlyProgramWrites(r: DiffReport): void {
  for (const d of [...r.ranges.flatMap((g) => g.differences), ...r.notes]) {
    if (d.expected) continue;
    assert.deepEqual(d.reasons.map((x) => x.code), ["timing.program-write"], d.text);
  }
  assert.equal(r.summary.unexplained, 0);
}

function unexplained(r: DiffReport): string[] {
  return [
    ...r.ranges.flatMap((g) =>
      g.differences.filter((d) => d.unexplained).map((d) => `${g.start.toString(16)} ${d.text}`)
    ),
    ...r.notes.filter((d) => d.unexplained).map((d) => d.text),
  ];
}

const codesAt = (r: DiffReport, start: bigint): string[] =>
  r.ranges.filter((g) => g.start === start).flatMap((g) =>
    g.differences.flatMap((d) => d.reasons.map((x) => x.code))
  );

/**
 * Every predicted size reason is the rule the policy gives for what the real program headers hold,
 * under the settings the report says it used.
 */
async function assertTrueRules(set: string, kernel: string, gdb: string, r: DiffReport) {
  const { dir } = await scenarios();
  const smaps = parseSmaps(await Deno.readTextFile(`${dir}/${set}/smaps.txt`));
  const filter = Number(r.context.filter);
  const p = predict(smaps.mappings, filter, {
    gdb: {
      useCoredumpFilter: r.context.settings.gdbUseFilter ?? true,
      dumpExcludedMappings: r.context.settings.gdbDumpExcluded ?? false,
    },
  });
  const real = {
    kernel: new Map((await phdrs(`${dir}/${set}/${kernel}`)).map((h) => [h.vaddr, h])),
    gdb: new Map((await phdrs(`${dir}/${set}/${gdb}`)).map((h) => [h.vaddr, h])),
  };
  let checked = 0;
  for (const m of p.mappings) {
    const start = BigInt(m.start);
    const range = r.ranges.find((g: RangeDiff) => g.start === start);
    const sized = range?.differences.some((d) => d.kind === "presence" || d.kind === "dumped-size");
    if (!sized) continue;
    const codes = codesAt(r, start);
    for (const who of ["kernel", "gdb"] as const) {
      const h = real[who].get(start);
      const actual = { emitted: !!h, p_filesz: Number(h?.filesz ?? 0n) };
      const pred = m[who]!;
      assert.ok(isPossible(pred, actual), `${set} ${who} ${m.start} ${m.name}: real ${actual}`);
      const outcome = (pred.assumption?.outcomes ?? [pred]).find((o) =>
        o.emitted === actual.emitted && o.p_filesz === actual.p_filesz
      )!;
      assert.ok(
        codes.includes(outcome.reason),
        `${set} ${m.start} ${m.name}: ${who} rule ${outcome.reason} not in ${codes}`,
      );
      checked++;
    }
  }
  assert.ok(checked > 10, `${set}: only ${checked} size reasons checked`);
}

async function manifestOf(set: string): Promise<Manifest> {
  const { dir } = await scenarios();
  return JSON.parse(await Deno.readTextFile(`${dir}/${set}/manifest.json`));
}

const start = async (set: string, label: string) =>
  BigInt((await manifestOf(set)).mappings.find((m) => m.label === label)!.start);

function live(name: string, fn: () => Promise<void>) {
  Deno.test({
    name: `scenarios: ${name}`,
    ignore: ignored !== undefined,
    async fn() {
      const { skipped } = await scenarios();
      if (skipped) {
        console.log(`scenarios_live_test: skipped, the environment cannot make cores: ${skipped}`);
        return;
      }
      await fn();
    },
  });
}

// 1. GDB settings.
for (
  const [core, use, excl] of [
    ["gdb-nofilter.core", false, false],
    ["gdb-excluded.core", true, true],
    ["gdb-a.core", false, true],
  ] as const
) {
  live(
    `gdbset ${core}: settings given explicitly, parity, every size reason the true rule`,
    async () => {
      const r = await pair(
        "gdbset",
        "kernel.core",
        core,
        await withSmaps("gdbset", { gdbUseFilter: use, gdbDumpExcluded: excl }),
      );
      assert.deepEqual(unexplained(r), []);
      assertOnlyProgramWrites(r);
      assert.equal(r.context.settings.gdbUseFilter, use);
      assert.equal(r.context.settings.gdbDumpExcluded, excl);
      assert.equal(r.context.inferred, undefined);
      assert.equal(r.context.contradictions, undefined);
      await assertTrueRules("gdbset", "kernel.core", core, r);
      // The mapped-shared file mapping GDB skipped under its built-in 0x33 is gdb.not-selected.
      const shared = await start("gdbset", "file_shared_written");
      if (!use) {
        assert.ok(codesAt(r, shared).includes("gdb.not-selected"), String(codesAt(r, shared)));
      }
      assert.ok(!codesAt(r, shared).includes("gdb.dontdump"));
      // The MADV_DONTDUMP mapping: the kernel's dontdump rule; GDB's class rule when it dumped it.
      const dd = await start("gdbset", "dontdump");
      assert.ok(codesAt(r, dd).includes("kernel.dontdump"));
      assert.ok(codesAt(r, dd).includes(excl ? "gdb.anon-private" : "gdb.dontdump"));
    },
  );

  live(`gdbset ${core}: settings inferred from the pair (certainty inferred)`, async () => {
    const r = await pair("gdbset", "kernel.core", core, await withSmaps("gdbset"));
    assert.deepEqual(unexplained(r), []);
    assertOnlyProgramWrites(r);
    assert.equal(r.context.settings.gdbUseFilter, use);
    assert.equal(r.context.settings.gdbDumpExcluded, excl);
    const inferred = Object.fromEntries(
      (r.context.inferred ?? []).map((i) => [i.setting, i.value]),
    );
    assert.deepEqual(inferred, {
      ...(use ? {} : { gdbUseFilter: "off" }),
      ...(excl ? { gdbDumpExcluded: "on" } : {}),
    });
    const gdbReasons = r.ranges.flatMap((g) => g.differences.flatMap((d) => d.reasons))
      .filter((x) => x.code.startsWith("gdb.") && x.code !== "gdb.omits-empty-segment");
    assert.ok(gdbReasons.length > 0 && gdbReasons.every((x) => x.certainty !== "predicted"));
    await assertTrueRules("gdbset", "kernel.core", core, r);
  });
}

live(
  "gdbset without smaps: the cores alone show each setting, and every difference is explained",
  async () => {
    for (
      const [core, settings] of [
        ["gdb-nofilter.core", ["gdbUseFilter=off"]],
        ["gdb-excluded.core", ["gdbDumpExcluded=on"]],
        ["gdb-a.core", ["gdbUseFilter=off", "gdbDumpExcluded=on"]],
        ["gdb.core", []],
      ] as const
    ) {
      const r = await pair("gdbset", "kernel.core", core);
      assert.deepEqual(unexplained(r), [], core);
      assertOnlyProgramWrites(r);
      assert.deepEqual((r.context.inferred ?? []).map((i) => `${i.setting}=${i.value}`), settings);
      const dd = codesAt(r, await start("gdbset", "dontdump"));
      if (core === "gdb-excluded.core" || core === "gdb-a.core") {
        assert.deepEqual(dd, ["kernel.dontdump", "gdb.anon-private"]);
      }
      assert.ok(!codesAt(r, await start("gdbset", "file_shared_written")).includes("gdb.dontdump"));
    }
  },
);

live(
  "gdbset: a given setting the gcore contradicts is reported, and explained with what fits",
  async () => {
    const r = await pair(
      "gdbset",
      "kernel.core",
      "gdb-nofilter.core",
      await withSmaps("gdbset", { gdbUseFilter: true }),
    );
    assert.deepEqual(r.context.contradictions?.map((c) => [c.what, c.given, c.fits]), [
      ["gdbUseFilter", "on", "off"],
    ]);
    assert.deepEqual(unexplained(r), []);
  },
);

live("a filter the cores contradict: 'the kernel core fits 0x33; you gave 0x7f'", async () => {
  const r = await pair(
    "thp",
    "kernel.core",
    "gdb.core",
    await withSmaps("thp", { filter: "0x7f" }),
  );
  assert.deepEqual(r.context.contradictions?.map((c) => [c.what, c.given, c.fits]), [
    ["filter", "0x7f", "0x33"],
  ]);
  assert.match(r.context.contradictions![0]!.text, /fits coredump_filter 0x33; you gave 0x7f/);
  assert.equal(r.context.filter, "0x33");
  assert.deepEqual(unexplained(r), []);
  assertOnlyProgramWrites(r);
});

live("default gcore pair: default settings, nothing inferred", async () => {
  const r = await pair("gdbset", "kernel.core", "gdb.core", await withSmaps("gdbset"));
  assertOnlyProgramWrites(r);
  assert.deepEqual(unexplained(r), []);
  assert.equal(r.context.inferred, undefined);
  assert.equal(r.context.settings.gdbUseFilter, true);
  assert.equal(r.context.settings.gdbDumpExcluded, false);
  await assertTrueRules("gdbset", "kernel.core", "gdb.core", r);
});

// 2. A 32-bit (i386 compat) process.
live("m32: i386 pair is in parity; kernel-only notes carry the i386 regset rule", async () => {
  const { dir } = await scenarios();
  for (const options of [await withSmaps("m32"), {}]) {
    const r = await pair("m32", "kernel.core", "gdb.core", options);
    assert.deepEqual(unexplained(r), []);
    assertOnlyProgramWrites(r);
  }
  const r = await pair("m32", "kernel.core", "gdb.core", await withSmaps("m32"));
  await assertTrueRules("m32", "kernel.core", "gdb.core", r);
  const k = await noteTypes(`${dir}/m32/kernel.core`), g = await noteTypes(`${dir}/m32/gdb.core`);
  const kernelOnly = ["NT_PRXFPREG", "NT_386_TLS"].filter((t) => k.has(t) && !g.has(t));
  assert.deepEqual(kernelOnly, ["NT_PRXFPREG", "NT_386_TLS"], "readelf: kernel-only regsets");
  for (const t of [...kernelOnly, "NT_PRFPREG"]) {
    const d = r.notes.find((n) => n.text.includes(`/${t} only in A`));
    assert.ok(d, `${t} difference`);
    assert.equal(d.reasons[0]?.code, "layout.kernel-only-note");
    assert.match(d.reasons[0]!.text, /\[i386\]/);
  }
});

// 3. Truncated kernel cores.
for (
  const [set, inNotes, limit] of [["trunc-notes", true, 10 * 1024], [
    "trunc-data",
    false,
    256 * 1024,
  ]] as const
) {
  live(
    `${set}: the summary says where the core ends, what is missing, and that RLIMIT_CORE cut it`,
    async () => {
      const { dir } = await scenarios();
      const size = (await Deno.stat(`${dir}/${set}/kernel.core`)).size;
      const r = await pair(set, "kernel.core", "gdb.core", await withSmaps(set));
      const t = r.a.truncation!;
      assert.ok(t, "truncation summary");
      assert.equal(t.fileSize, size);
      assert.equal(t.cutInNotes, inNotes);
      assert.equal(t.byCoreLimit, true);
      const headers = await phdrs(`${dir}/${set}/kernel.core`);
      const expected = headers.reduce((n, h) => {
        const end = Number(h.offset + h.filesz);
        return h.filesz > 0n && end > n ? end : n;
      }, 0);
      assert.equal(t.expectedSize, expected);
      assert.equal(t.missingBytes, expected - size);
      const lost = headers.filter((h) => h.type === "LOAD")
        .reduce((n, h) => {
          const have = BigInt(size) > h.offset ? BigInt(size) - h.offset : 0n;
          return n + (h.filesz > have ? Math.ceil(Number(h.filesz - have) / 4096) : 0);
        }, 0);
      assert.equal(t.missingPages, lost);
      // Written bytes (holes are skipped, not written) never pass the limit.
      assert.ok(size <= limit || !inNotes);
      assert.equal(r.b.truncation, undefined);
    },
  );

  live(
    `${set}: against the gcore: fail (not parity), every difference explained, missing is not same`,
    async () => {
      const { dir } = await scenarios();
      const size = BigInt((await Deno.stat(`${dir}/${set}/kernel.core`)).size);
      const r = await pair(set, "kernel.core", "gdb.core", await withSmaps(set));
      assert.equal(r.verdict, "fail");
      assert.deepEqual(unexplained(r), []);
      const headers = await phdrs(`${dir}/${set}/kernel.core`);
      for (const h of headers.filter((x) => x.type === "LOAD" && x.filesz > 0n)) {
        // Ranges equal in both cores are collapsed into runs (not listed): never cut ones.
        const g = r.ranges.find((x) => x.start === h.vaddr);
        if (h.offset + h.filesz > size) {
          assert.equal(g?.status, "truncated", `${h.vaddr.toString(16)} is cut`);
        } else assert.notEqual(g?.status, "truncated");
      }
      assert.ok(!r.notes.some((n) => /^thread \d+ only in B/.test(n.text)));
      await assertTrueRules(set, "kernel.core", "gdb.core", r);
      if (inNotes) {
        const cut = r.notes.find((n) => n.reasons.some((x) => x.code === "layout.truncated"));
        assert.ok(cut && !cut.expected && !cut.unexplained, "the skipped notes are said");
      }
    },
  );

  live(`${set}: a truncated core diffed against itself passes`, async () => {
    const r = await pair(set, "kernel.core", "kernel.core");
    assert.equal(r.verdict, "pass");
    assert.equal(r.summary.differences, 0);
    assert.ok((r.summary.byStatus.truncated ?? 0) > 0);
  });
}

live("a copy cut at an arbitrary byte is truncated, but not by the core size limit", async () => {
  const { dir } = await scenarios();
  const bytes = await Deno.readFile(`${dir}/m32/kernel.core`);
  const cut = `${dir}/m32/cut.core`;
  await Deno.writeFile(cut, bytes.subarray(0, bytes.length - 4096 * 3 - 77));
  const r = await pair("m32", "cut.core", "gdb.core");
  assert.equal(r.a.truncation?.byCoreLimit, false);
  assert.equal(r.a.truncation?.missingBytes, 4096 * 3 + 77);
  assert.deepEqual(unexplained(r), []);
});

// 4. Started under gdb.
live("rungdb: started under gdb is told from attach, psargs get the run rule", async () => {
  for (const options of [await withSmaps("rungdb"), {}]) {
    const r = await pair("rungdb", "kernel.core", "gdb.core", options);
    assert.deepEqual(unexplained(r), []);
    assertOnlyProgramWrites(r);
    const ps = r.notes.find((n) => n.text.startsWith("NT_PRPSINFO psargs"));
    assert.ok(ps, "psargs differ");
    assert.deepEqual(ps.reasons.map((x) => x.code), ["gdb.psargs-inferior-args"]);
    assert.match(ps.text, /GDB started the process/);
    assert.ok(!r.notes.some((n) => n.reasons.some((x) => x.code === "gdb.attach-sigstop")));
  }
  await assertTrueRules(
    "rungdb",
    "kernel.core",
    "gdb.core",
    await pair("rungdb", "kernel.core", "gdb.core", await withSmaps("rungdb")),
  );
  const attached = await pair("m32", "kernel.core", "gdb.core");
  const ps = attached.notes.find((n) => n.text.startsWith("NT_PRPSINFO psargs"))!;
  assert.deepEqual(ps.reasons.map((x) => x.code), ["gdb.psargs-after-attach"]);
});

// 6. Transparent huge pages.
live(
  "thp: a read-only MADV_HUGEPAGE region: the prediction lists both outcomes, the real one among them",
  async () => {
    const { dir } = await scenarios();
    const smaps = parseSmaps(await Deno.readTextFile(`${dir}/thp/smaps.txt`));
    const at = await start("thp", "thp_read");
    const m = predict(smaps.mappings, 0x33).mappings.find((x) => BigInt(x.start) === at)!;
    const outcomes = m.kernel!.assumption!.outcomes.map((o) => o.p_filesz).sort((x, y) => x - y);
    assert.deepEqual(outcomes, [0, m.size]);
    const h = (await phdrs(`${dir}/thp/kernel.core`)).find((x) => x.vaddr === at)!;
    assert.ok(isPossible(m.kernel!, { emitted: true, p_filesz: Number(h.filesz) }));
    const r = await pair("thp", "kernel.core", "gdb.core", await withSmaps("thp"));
    assert.deepEqual(unexplained(r), []);
    assertOnlyProgramWrites(r);
    await assertTrueRules("thp", "kernel.core", "gdb.core", r);
  },
);

live(
  "CLI: diff --gdb-use-filter off --gdb-dump-excluded on (gcore -a) passes and echoes the settings",
  async () => {
    const { dir } = await scenarios();
    const { out, io } = capture();
    const code = await main([
      "diff",
      `${dir}/gdbset/kernel.core`,
      `${dir}/gdbset/gdb-a.core`,
      "--smaps",
      `${dir}/gdbset/smaps.txt`,
      "--filter",
      "0x7f",
      "--gdb-use-filter",
      "off",
      "--gdb-dump-excluded",
      "on",
    ], io);
    // The mapper's own writes between the gcore and its crash are unexpected (timing.program-write).
    assert.equal(code, 1, out.stdout + out.stderr);
    assert.match(out.stdout, /settings: gdb use-coredump-filter off, dump-excluded-mappings on/);
    assert.match(out.stdout, / 0 unexplained/);
    const bad = capture();
    assert.equal(
      await main([
        "diff",
        `${dir}/gdbset/kernel.core`,
        `${dir}/gdbset/gdb-a.core`,
        "--gdb-use-filter",
        "maybe",
      ], bad.io),
      2,
    );
    assert.match(bad.out.stderr, /gdb-use-filter/);
  },
);

live(
  "a page migrating at the dump moment (a hole in the kernel core) of memory that cannot change is explained",
  async () => {
    // get_dump_page() leaves a hole for an anonymous page with an empty PTE at the dump moment.
    // Made here by zeroing that page in a copy of the real kernel core: the
    // 'anon_written_protnone' mapping (---p, written before mprotect) cannot change otherwise.
    const { dir } = await scenarios();
    const at = await start("m32", "anon_written_protnone");
    const h = (await phdrs(`${dir}/m32/kernel.core`)).find((x) => x.vaddr === at)!;
    assert.ok(h.filesz >= 0x1000n, "the kernel dumped the written PROT_NONE mapping");
    const bytes = await Deno.readFile(`${dir}/m32/kernel.core`);
    bytes.fill(0, Number(h.offset), Number(h.offset) + 4096);
    await Deno.writeFile(`${dir}/m32/holed.core`, bytes);
    const r = await pair("m32", "holed.core", "gdb.core", await withSmaps("m32"));
    assert.deepEqual(unexplained(r), []);
    assertOnlyProgramWrites(r);
    const g = r.ranges.find((x) => x.start === at)!;
    assert.equal(g.pages.different, 1);
    assert.deepEqual(codesAt(r, at).filter((c) => c.startsWith("kernel.hole")), [
      "kernel.hole-not-present",
    ]);
  },
);

live(
  "no filter given: the one the kernel core fits is inferred, naming the equivalent ones",
  async () => {
    const { dir } = await scenarios();
    const r = await pair("gdbset", "kernel.core", "gdb.core", {
      smaps: await Deno.readTextFile(`${dir}/gdbset/smaps.txt`),
    });
    const f = r.context.inferred?.find((i) => i.setting === "filter");
    assert.ok(f, JSON.stringify(r.context));
    assert.equal(f.value, "0x3f", "0x7f and 0x3f differ only in hugetlb-shared, unused here");
    assert.match(f.text, /0x7f/);
    assert.equal(r.context.filter, "0x3f");
    assert.ok(!r.context.warnings.some((w) => w.includes("assume the default 0x33")));
    assert.deepEqual(unexplained(r), []);
    assertOnlyProgramWrites(r);
  },
);

live(
  "a kernel core made by 5.10-5.17 rules (ELF header by exec bit only): the profile is inferred, not another filter",
  async () => {
    // 'elf_0644' is ELF without an exec bit: K>=5.18 saves its first page, 5.10-5.17 nothing. Made
    // here by setting that PT_LOAD's p_filesz to 0 in a copy of the real kernel core.
    const { dir } = await scenarios();
    const at = await start("thp", "elf_0644");
    const bytes = await Deno.readFile(`${dir}/thp/kernel.core`);
    const view = new DataView(bytes.buffer);
    const phoff = Number(view.getBigUint64(32, true)), phnum = view.getUint16(56, true);
    let patched = false;
    for (let i = 0; i < phnum; i++) {
      const e = phoff + i * 56;
      if (view.getUint32(e, true) === 1 && view.getBigUint64(e + 16, true) === at) {
        assert.equal(view.getBigUint64(e + 32, true), 0x1000n, "K>=5.18 saved the header page");
        view.setBigUint64(e + 32, 0n, true);
        patched = true;
      }
    }
    assert.ok(patched);
    await Deno.writeFile(`${dir}/thp/k510.core`, bytes);
    const r = await pair("thp", "k510.core", "gdb.core", await withSmaps("thp"));
    assert.deepEqual(
      (r.context.inferred ?? []).map((i) => `${i.setting}=${i.value}`),
      ["kernelProfile=kernel-5.10"],
    );
    assert.equal(r.context.settings.kernelProfile, "kernel-5.10");
    assert.equal(r.context.filter, "0x33");
    assert.equal(r.context.contradictions, undefined);
    assert.deepEqual(unexplained(r), []);
    assertOnlyProgramWrites(r);
    assert.ok(codesAt(r, at).includes("kernel.not-selected"));
  },
);
