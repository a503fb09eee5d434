import assert from "node:assert/strict";
import { reportTop, SAME } from "./view.ts";
import { detailView, mapBins, pageStrip, rowStrip, rowView } from "./view_ranges.ts";
import { expandRun, indexReport, reportRows, selectRows } from "./view_rows.ts";

const range = (start: number, status: string, extra: Record<string, unknown> = {}) => ({
  start: `0x${start.toString(16)}`,
  end: `0x${(start + 0x3000).toString(16)}`,
  name: "/usr/lib/libc.so.6",
  a: { present: true, index: 1, flags: 5, saved: "0x3000" },
  b: { present: true, index: 1, flags: 5, saved: "0x3000" },
  status,
  pages: { same: 3, different: 0, zeroVsMissing: 0, onlyA: 0, onlyB: 0, neither: 0, truncated: 0 },
  runs: [],
  runsTotal: 0,
  differences: [],
  ...extra,
});

const report = (over: Record<string, unknown> = {}) =>
  ({
    verdict: "fail",
    expectation: "kernel-vs-gdb",
    a: { label: "a.core", truncated: false },
    b: { label: "b.core", truncated: false },
    context: { smaps: true, filter: "0x7f", warnings: ["w1"] },
    summary: {
      ranges: 3,
      differences: 1,
      expected: 0,
      unexpected: 1,
      unexplained: 1,
      byStatus: {},
    },
    ranges: [],
    notes: [],
    files: [],
    ...over,
  }) as never;

Deno.test("view: banners come identity, contradictions, truncation, inferred, warnings", () => {
  const top = reportTop(report({
    identity: { relation: "same-program", text: "another run", evidence: [] },
    b: {
      label: "b.core",
      truncated: true,
      truncation: {
        fileSize: 4096,
        expectedSize: 8192,
        missingBytes: 4096,
        missingPages: 1,
        cutInNotes: true,
        byCoreLimit: false,
        text: "cut",
      },
    },
    a: { label: "a.core", truncated: true },
    context: {
      smaps: true,
      filter: "0x7f",
      warnings: ["w1"],
      inferred: [{ setting: "gdbUseFilter", value: "off", text: "gcore -a" }],
      contradictions: [{ what: "filter", given: "0x7f", fits: "0x33", text: "fit 0x33" }],
    },
  }));
  assert.deepEqual(top.banners.map((b) => b.kind), [
    "identity",
    "contradiction",
    "truncation",
    "truncation",
    "inferred",
    "warning",
  ]);
  assert.equal(top.banners[0]!.level, "warn");
  // A core truncated without the detail (older reports) still gets its banner.
  assert.match(top.banners[2]!.text, /a\.core was cut short/);
  assert.deepEqual(top.banners[3]!.details, [
    "4 KiB of 8 KiB: 4 KiB (1 page) missing",
    "cut inside the notes",
  ]);
  assert.equal(
    top.headline,
    "kernel-vs-gdb · 3 ranges · 1 difference (1 unexpected, 1 unexplained)",
  );
});

Deno.test("view: rows interleave runs; expanding a run and filtering stay consistent", () => {
  const r = report({
    ranges: [
      range(0x1000, "differs", {
        differences: [{
          kind: "content",
          text: "x",
          reasons: [],
          expected: false,
          unexplained: true,
        }],
      }),
      range(0x9000, "only-a"),
    ],
    collapsed: [
      { start: "0x4000", end: "0x9000", ranges: 2, pages: 5, before: 1 },
      { start: "0xc000", end: "0xd000", ranges: 1, pages: 1, before: 2 },
    ],
  });
  const rows = reportRows(r);
  assert.deepEqual(rows.map((x) => x.kind), ["range", "run", "range", "run"]);
  assert.deepEqual(rows.map((x) => x.kind === "run" ? x.first : -1), [-1, 1, -1, 4]);
  const idx = indexReport(r);
  assert.deepEqual([...selectRows(idx, { failingOnly: true })], [0]);
  assert.deepEqual([...selectRows(idx, { text: "UNEXPLAINED" })], [0]);
  assert.deepEqual([...selectRows(idx, { status: "same" })], [1, 3]);
  assert.deepEqual([...selectRows(idx, { text: "equal" })], [1, 3]);
  const grown = indexReport(
    r,
    expandRun(idx.rows, 1, [range(0x4000, "same"), range(0x7000, "same")] as never),
  );
  assert.equal(grown.rows.length, 5);
  assert.deepEqual([...selectRows(grown, { text: "0x7000" })], [2]);
  assert.deepEqual(rowStrip(rows[1]!).map((c) => [c.cls, c.count]), [["s", 5]]);
});

Deno.test("view: map bins keep every range's status counted", () => {
  const status = Uint8Array.from({ length: 1000 }, (_, i) => (i === 777 ? 0 : SAME));
  const m = mapBins(status, 0, 1000, 7);
  let total = 0;
  for (const c of m.counts) total += c;
  assert.equal(total, 1000);
  assert.equal([...m.worst].filter((w) => w === 0).length, 1);
  assert.equal(mapBins(status, 10, 13, 100).bins, 3);
});

Deno.test("view: page strip cells cover every page, the last cell partial", () => {
  const r = range(0, "differs", {
    end: `0x${(100 * 4096).toString(16)}`,
    pageMap: { bucket: 2, cells: "s".repeat(49) + "d" },
  });
  const cells = pageStrip(r as never);
  assert.equal(cells.length, 50);
  assert.equal(cells.reduce((s, c) => s + c.count, 0), 100);
  assert.deepEqual(cells[49], { cls: "d", first: 98, count: 2 });
});

Deno.test("view: rows and details of a range carry the predicted text", () => {
  const r = range(0x1000, "size-differs", {
    name: "[vvar_vclock]",
    differences: [{
      kind: "dumped-size",
      text: "saved 4096 bytes in A, 8192 in B",
      reasons: [],
      expected: false,
      unexplained: true,
      predicted: "A (kernel): 0x2000 bytes saved",
    }],
  });
  const row = rowView(r as never, 4);
  assert.equal(row.short, "[vvar_vclock]");
  assert.deepEqual(row.codes, ["unexplained"]);
  assert.equal(row.a, "R.E 0x3000");
  const d = detailView(r as never, 4);
  assert.equal(d.differences[0]!.state, "unexplained");
  assert.equal(d.differences[0]!.predicted, "A (kernel): 0x2000 bytes saved");
});
