import assert from "node:assert/strict";
import { diffCommand } from "../cli/diff.ts";
import type { RangeDiff } from "../lib/diff/model.ts";
import { emptyTally, samePageMap } from "../lib/diff/page_map.ts";
import { capture } from "../test/_cli.ts";
import { buildCore, prstatusX86_64 } from "../test/_elf_writer.ts";
import { fixturePath, readFixtureText } from "../test/_fixtures.ts";
import { call } from "../test/_spec.ts";
import { testApp } from "../test/_api.ts";
import { listen } from "../test/_api_faults.ts";
import { INDEX_EVERY, RangeSink } from "./range_sink.ts";
import { rangeLines, readStoredReport } from "./report_file.ts";
import type { StoredObject } from "./storage.ts";

/** `NT_PRPSINFO` of an x86-64 process. */
function prpsinfo(pid: number, name: string): Uint8Array {
  const b = new Uint8Array(136);
  new DataView(b.buffer).setInt32(24, pid, true);
  b.set(new TextEncoder().encode(name), 40);
  return b;
}

/** A core of `n` one-page mappings; `differs(i)` changes page i's bytes. */
function manyLoads(
  n: number,
  differs: (i: number) => boolean,
  process = { pid: 4242, name: "many" },
): Uint8Array {
  return buildCore({
    notes: [
      { owner: "CORE", type: 1, desc: prstatusX86_64(process.pid, 11, 0x401000n) },
      { owner: "CORE", type: 3, desc: prpsinfo(process.pid, process.name) },
    ],
    loads: Array.from({ length: n }, (_, i) => ({
      vaddr: 0x10000000n + BigInt(i) * 0x2000n,
      memsz: 0x1000n,
      flags: 6,
      data: new Uint8Array(4096).fill(differs(i) ? 0xee : (i & 0x7f) + 1),
    })),
  }).bytes;
}

/** Counts the bytes read from a stored object. */
function counted(o: StoredObject): { object: StoredObject; bytes: () => number } {
  let n = 0;
  return {
    object: {
      size: o.size,
      read: async (offset, length) => {
        const b = await o.read(offset, length);
        n += b.length;
        return b;
      },
      stream: (offset, length) => o.stream(offset, length),
    },
    bytes: () => n,
  };
}

/** Every range of a stored report, paged through the API. */
async function pagedRanges(app: Parameters<typeof call>[0], id: string, limit: number) {
  const all: unknown[] = [];
  let cursor: string | undefined = "0";
  while (cursor !== undefined) {
    const p = await call(app, `/v1/reports/${id}/ranges?limit=${limit}&cursor=${cursor}`);
    assert.equal(p.res.status, 200, p.text);
    all.push(...p.json.items);
    cursor = p.json.nextCursor;
  }
  return all;
}

/** The CLI's `diff --all-ranges --format json` list of ranges for two files. */
async function cliRanges(a: string, b: string, extra: string[] = []): Promise<unknown[]> {
  const c = capture();
  await diffCommand(["--all-ranges", "--format", "json", ...extra, a, b], c.io);
  return JSON.parse(c.out.stdout).ranges;
}

Deno.test("a report with thousands of ranges is stored as a stream and answered as one", async () => {
  const n = 2600;
  const dir = await Deno.makeTempDir();
  const t = await testApp();
  try {
    const [a, b] = [manyLoads(n, () => false), manyLoads(n, (i) => i % 3 === 0)];
    await Deno.writeFile(`${dir}/a.core`, a);
    await Deno.writeFile(`${dir}/b.core`, b);
    const form = new FormData();
    form.append("a", new File([a as Uint8Array<ArrayBuffer>], "a.core"));
    form.append("b", new File([b as Uint8Array<ArrayBuffer>], "b.core"));
    const res = await t.app.request("/v1/diff?format=json", { method: "POST", body: form });
    assert.equal(res.status, 201);
    const bytes = new Uint8Array(await res.arrayBuffer());
    assert.equal(Number(res.headers.get("content-length")), bytes.length, "Content-Length kept");
    const report = JSON.parse(new TextDecoder().decode(bytes));
    assert.equal(report.summary.ranges, n);
    assert.equal(report.ranges.length, Math.ceil(n / 3), "every differing range listed");
    // A run between two differing ranges and one after the last (n - 1 is not a multiple of 3).
    assert.equal(report.collapsed.length, Math.ceil(n / 3), "equal ranges counted in runs");

    // The stored file: the JSON is a section (not a string in the header), ranges indexed.
    const id = res.headers.get("coredelta-report-id")!;
    const object = (await t.storage.open("report", id))!;
    const open = await readStoredReport(object);
    assert.equal(open.header.formats.json, undefined);
    assert.equal(open.header.json![1], bytes.length);
    assert.equal(open.header.ranges!.count, n);
    assert.equal(open.header.ranges!.index.length, Math.ceil(n / INDEX_EVERY));
    const header = new TextDecoder().decode(await object.read(0, open.body));
    assert.ok(header.length < 4096, "the header holds no rendering");

    // A page reads the lines it needs, not the whole report.
    const c = counted(object);
    const page = await rangeLines({ ...open, object: c.object }, n - 30, 10);
    assert.equal(page.lines.length, 10);
    assert.ok(c.bytes() < object.size / 2, `read ${c.bytes()} of ${object.size} bytes`);

    // Fetched again: the same bytes, the same length.
    const again = await t.app.request(`/v1/reports/${id}?format=json`);
    assert.deepEqual(new Uint8Array(await again.arrayBuffer()), bytes);
    assert.equal(again.headers.get("content-length"), String(bytes.length));
    // Other formats are rendered when asked for, from the stored model: the same bytes as the
    // answer to the diff itself.
    for (const format of ["text", "md", "junit", "html"]) {
      const posted = await call(t.app, `/v1/diff?format=${format}`, {
        method: "POST",
        body: form,
      });
      assert.equal(posted.res.status, 201);
      assert.equal(posted.res.headers.get("coredelta-report-id"), id, "one stored report");
      const got = await call(t.app, `/v1/reports/${id}?format=${format}`);
      assert.equal(got.text, posted.text, format);
    }

    // Every range, paged, is the CLI's --all-ranges list.
    const paged = await pagedRanges(t.app, id, 997);
    assert.equal(paged.length, n);
    assert.deepEqual(paged, await cliRanges(`${dir}/a.core`, `${dir}/b.core`));
    assert.deepEqual(await t.leftovers(), []);
  } finally {
    await t.cleanup();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("stored and paged ranges of a real pair with smaps equal the CLI's --all-ranges", async () => {
  const t = await testApp();
  try {
    const smaps = readFixtureText("f033", "smaps.txt")!;
    const [ka, gb] = ["kernel", "gdb"].map((s) => fixturePath("f033", `${s}.core.gz`));
    const form = new FormData();
    form.append("a", new File([await Deno.readFile(ka!)], "kernel.core.gz"));
    form.append("b", new File([await Deno.readFile(gb!)], "gdb.core.gz"));
    form.append("smaps", smaps);
    const r = await call(t.app, "/v1/diff?format=json", { method: "POST", body: form });
    assert.equal(r.res.status, 201, r.text);
    const id = r.res.headers.get("coredelta-report-id")!;
    const dir = await Deno.makeTempDir();
    try {
      await Deno.writeTextFile(`${dir}/smaps`, smaps);
      const cli = await cliRanges(ka!, gb!, ["--smaps", `${dir}/smaps`]);
      assert.deepEqual(await pagedRanges(t.app, id, 5), cli);
      assert.equal(cli.length, r.json.summary.ranges);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  } finally {
    await t.cleanup();
  }
});

Deno.test("over a real socket the streamed JSON answer carries its Content-Length, not chunks", async () => {
  const t = await testApp();
  const server = await listen(t.app);
  try {
    const [a, b] = [manyLoads(1500, () => false), manyLoads(1500, (i) => i % 2 === 0)];
    const form = new FormData();
    form.append("a", new File([a as Uint8Array<ArrayBuffer>], "a.core"));
    form.append("b", new File([b as Uint8Array<ArrayBuffer>], "b.core"));
    const res = await fetch(`${server.url}/v1/diff?format=json`, { method: "POST", body: form });
    const bytes = new Uint8Array(await res.arrayBuffer());
    assert.equal(res.status, 201);
    assert.equal(res.headers.get("transfer-encoding"), null);
    assert.equal(res.headers.get("content-length"), String(bytes.length));
    assert.equal(JSON.parse(new TextDecoder().decode(bytes)).ranges.length, 750);
    const id = res.headers.get("coredelta-report-id")!;
    const again = await fetch(`${server.url}/v1/reports/${id}`);
    assert.equal(again.headers.get("content-length"), String(bytes.length));
    assert.deepEqual(new Uint8Array(await again.arrayBuffer()), bytes);
  } finally {
    await server.close();
    await t.cleanup();
  }
});

Deno.test("cores of different programs: stored ranges carry no differences, as the CLI lists them", async () => {
  const dir = await Deno.makeTempDir();
  const t = await testApp();
  try {
    const a = manyLoads(300, () => false);
    const b = manyLoads(300, (i) => i % 5 === 0, { pid: 999, name: "other" });
    await Deno.writeFile(`${dir}/a.core`, a);
    await Deno.writeFile(`${dir}/b.core`, b);
    const form = new FormData();
    form.append("a", new File([a as Uint8Array<ArrayBuffer>], "a.core"));
    form.append("b", new File([b as Uint8Array<ArrayBuffer>], "b.core"));
    const r = await call(t.app, "/v1/diff?format=json", { method: "POST", body: form });
    assert.equal(r.res.status, 201, r.text);
    assert.match(r.json.identity.relation, /^(same|different)-program$/);
    const id = r.res.headers.get("coredelta-report-id")!;
    const paged = await pagedRanges(t.app, id, 64) as { differences: unknown[] }[];
    assert.ok(paged.every((x) => x.differences.length === 0));
    assert.deepEqual(paged, await cliRanges(`${dir}/a.core`, `${dir}/b.core`));
    // Ranges that differ only by the cleared differences are counted in runs, as the full list
    // collapsed would count them.
    assert.equal(r.json.ranges.filter((x: { status: string }) => x.status === "same").length, 0);
  } finally {
    await t.cleanup();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("RangeSink keeps only ranges that differ: 200,000 equal ranges are lines and runs", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const sink = new RangeSink(`${dir}/ranges`);
    const side = (i: number) => ({
      present: true,
      index: i,
      flags: 6,
      saved: 0x1000n,
      segment: { vaddr: BigInt(i) * 0x2000n, filesz: 0x1000n, memsz: 0x1000n },
    });
    const quiet = (i: number): RangeDiff => ({
      start: BigInt(i) * 0x2000n,
      end: BigInt(i) * 0x2000n + 0x1000n,
      name: "",
      a: side(i),
      b: side(i),
      status: "same",
      pages: { ...emptyTally(), same: 1 },
      runs: [],
      runsTotal: 0,
      pageMap: samePageMap(1),
      differences: [],
    } as unknown as RangeDiff);
    for (let i = 0; i < 200_000; i++) sink.add(quiet(i));
    const bytes = sink.finish();
    assert.equal(sink.ranges.length, 0);
    assert.equal(sink.collapsed.length, 1);
    assert.equal(sink.collapsed[0]!.ranges, 200_000);
    assert.equal(sink.count, 200_000);
    assert.equal(sink.index.length, Math.ceil(200_000 / INDEX_EVERY));
    assert.equal((await Deno.stat(`${dir}/ranges`)).size, bytes);
    assert.ok(bytes / 200_000 < 160, `${bytes / 200_000} bytes per equal range`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
