/**
 * The diff engine on real kernel/gcore pairs (issue acceptance): every committed pair has 0
 * unexplained differences, with and without smaps, and its only unexpected ones are the program's own
 * writes between the gcore and the crash (listed by page); the pair with one page changed on purpose
 * names exactly that page and fails; renderers match their golden files.
 */
import assert from "node:assert/strict";
import { prepareContext } from "../lib/diff/context.ts";
import { diffDigests } from "../lib/diff/diff.ts";
import type { CoreDigest } from "../lib/digest/model.ts";
import { renderReport, REPORT_FORMATS } from "../lib/report/render.ts";
import { digestFile } from "../runtime/digest.ts";
import { assertGolden } from "./_golden.ts";
import { assertOnlyProgramWrites } from "./_program_writes.ts";
import { fixturePath, manifest, pairSets, readFixtureText } from "./_fixtures.ts";

const cache = new Map<string, Promise<CoreDigest>>();
function digestOf(set: string, name: string): Promise<CoreDigest> {
  const key = `${set}/${name}`;
  if (!cache.has(key)) cache.set(key, digestFile(fixturePath(set, `${name}.core.gz`)));
  return cache.get(key)!;
}
const labels = (set: string, a: string, b: string) => ({
  a: `${set}/${a}.core`,
  b: `${set}/${b}.core`,
});

for (const set of pairSets()) {
  Deno.test(`diff ${set}: kernel vs gcore with smaps: 0 unexplained, only the program's writes unexpected`, async () => {
    const context = prepareContext({
      smaps: readFixtureText(set, "smaps.txt")!,
      filter: readFixtureText(set, "coredump_filter.txt")!.trim(),
    });
    const report = diffDigests(await digestOf(set, "kernel"), await digestOf(set, "gdb"), {
      context,
      labels: labels(set, "kernel", "gdb"),
    });
    assert.equal(report.expectation, "kernel-vs-gdb");
    assert.equal(
      report.summary.unexplained,
      0,
      JSON.stringify(
        report.ranges.filter((r) => r.differences.some((d) => d.unexplained)).map((
          r,
        ) => [r.start.toString(16), r.name]),
      ),
    );
    assertOnlyProgramWrites(report);
    assert.ok(report.summary.differences > 10, "a kernel core and a gcore always differ");
    // Every kernel-only empty segment is explained by gdb.omits-empty-segment.
    for (const r of report.ranges.filter((r) => r.status === "not-dumped" && !r.b.present)) {
      assert.ok(
        r.differences.some((d) => d.reasons.some((x) => x.code === "gdb.omits-empty-segment")),
      );
    }
    assertGolden(`diff-${set}.txt`, renderReport(report, "text"));
  });

  Deno.test(`diff ${set}: the same holds with explanations inferred from the cores alone`, async () => {
    const report = diffDigests(await digestOf(set, "kernel"), await digestOf(set, "gdb"));
    assert.equal(report.summary.unexplained, 0);
    assertOnlyProgramWrites(report);
    assert.ok(
      report.ranges.flatMap((r) => r.differences).some((d) =>
        d.reasons.some((x) => x.certainty === "inferred")
      ),
    );
  });
}

Deno.test("diff changed: the page written between two gcores is named exactly, and the verdict fails", async () => {
  const m = manifest("changed");
  const mutable = m.mappings.find((x) => x.label === m.mutable.label)!;
  const page = BigInt(mutable.start) + BigInt(m.mutable.changed_page) * 4096n;
  const report = diffDigests(await digestOf("changed", "a"), await digestOf("changed", "b"), {
    labels: labels("changed", "a", "b"),
  });
  assert.equal(report.expectation, "identical");
  assert.equal(report.verdict, "fail");
  const differing = report.ranges.filter((r) => r.pages.different > 0);
  assert.equal(differing.length, 1);
  assert.deepEqual(differing[0]!.runs.map((r) => [r.start, r.end, r.pages]), [[
    page,
    page + 4096n,
    1,
  ]]);
  assert.equal(report.summary.unexpected, 1);
  assert.equal(report.notes.length, 0);
  for (const f of REPORT_FORMATS) assertGolden(`diff-changed.${f}`, renderReport(report, f));
});

Deno.test("diff of a core with itself is identical and passes", async () => {
  const d = await digestOf("f023", "gdb");
  const report = diffDigests(d, d);
  assert.equal(report.verdict, "pass");
  assert.equal(report.summary.differences, 0);
  assert.ok(report.ranges.every((r) => r.status === "same" || r.status === "not-dumped"));
});

Deno.test("diff report JSON carries schemaVersion, verdict, hex ranges, statuses and reasons", async () => {
  const report = diffDigests(await digestOf("f033", "kernel"), await digestOf("f033", "gdb"));
  const j = JSON.parse(renderReport(report, "json"));
  assert.equal(j.schemaVersion, 1);
  assert.equal(j.verdict, report.verdict);
  assert.match(j.ranges[0].start, /^0x[0-9a-f]+$/);
  assert.match(j.ranges[0].end, /^0x[0-9a-f]+$/);
  assert.ok(j.ranges.every((r: { status: string }) => typeof r.status === "string"));
  assert.ok(
    j.ranges.some((r: { differences: { reasons: { code: string }[] }[] }) =>
      r.differences.some((d) => d.reasons.length > 0)
    ),
  );
});
