import assert from "node:assert/strict";
import { prepareContext } from "../../lib/diff/context.ts";
import { diffDigests } from "../../lib/diff/diff.ts";
import { renderReport, REPORT_FORMATS, REPORT_MEDIA_TYPES } from "../../lib/report/render.ts";
import { encodeDigest } from "../../lib/digest/codec.ts";
import { minimalDigest } from "../../lib/digest/minimal.ts";
import { digestFile } from "../../runtime/digest.ts";
import { sha256Hex } from "../stored_object.ts";
import { fixturePath, readFixtureText } from "../../test/_fixtures.ts";
import { call } from "../../test/_spec.ts";
import { fixtureBlob, testApp } from "../../test/_api.ts";

/** The multipart form of a fixture pair (labels are the file names, as curl -F sends them). */
async function pairForm(set = "f033", extra: Record<string, string> = {}): Promise<FormData> {
  const form = new FormData();
  form.append("a", await fixtureBlob(set, "kernel.core.gz"), "kernel.core.gz");
  form.append("b", await fixtureBlob(set, "gdb.core.gz"), "gdb.core.gz");
  for (const [k, v] of Object.entries(extra)) form.append(k, v);
  return form;
}

/** What the library gives for the same inputs. */
async function expected(set: string, smaps: string | undefined, filter?: string) {
  const [a, b] = await Promise.all([
    digestFile(fixturePath(set, "kernel.core.gz")),
    digestFile(fixturePath(set, "gdb.core.gz")),
  ]);
  return diffDigests(a, b, {
    context: prepareContext({ smaps, filter }),
    labels: { a: "kernel.core.gz", b: "gdb.core.gz" },
  });
}

Deno.test("POST /v1/diff streams two cores and answers the library's report in every format", async () => {
  const t = await testApp();
  try {
    const smaps = readFixtureText("f033", "smaps.txt")!;
    const report = await expected("f033", smaps, "0x33");
    for (const format of REPORT_FORMATS) {
      const r = await call(t.app, `/v1/diff?format=${format}`, {
        method: "POST",
        body: await pairForm("f033", { smaps, filter: "0x33" }),
      });
      assert.equal(r.res.status, 201, r.text);
      assert.equal(r.res.headers.get("content-type"), REPORT_MEDIA_TYPES[format]);
      assert.equal(r.text, renderReport(report, format), format);
      assert.equal(r.res.headers.get("coredelta-verdict"), report.verdict);
      const id = r.res.headers.get("coredelta-report-id")!;
      assert.equal(r.res.headers.get("location"), `/v1/reports/${id}`);
      const again = await call(t.app, `/v1/reports/${id}?format=${format}`);
      assert.equal(again.text, r.text);
    }
    assert.deepEqual(await t.leftovers(), []);
  } finally {
    await t.cleanup();
  }
});

Deno.test("the report format follows Accept when ?format is absent", async () => {
  const t = await testApp();
  try {
    const cases: [string, string][] = [
      ["text/plain", "text/plain; charset=utf-8"],
      ["text/html,application/xhtml+xml,*/*;q=0.8", "text/html; charset=utf-8"],
      ["application/xml", "application/xml"],
      ["*/*", "application/json"],
    ];
    for (const [accept, type] of cases) {
      const r = await call(t.app, "/v1/diff", {
        method: "POST",
        body: await pairForm(),
        headers: { accept },
      });
      assert.equal(r.res.status, 201);
      assert.equal(r.res.headers.get("content-type"), type, accept);
    }
    const none = await call(t.app, "/v1/diff", {
      method: "POST",
      body: await pairForm(),
      headers: { accept: "image/png" },
    });
    assert.equal(none.res.status, 406);
    const bad = await call(t.app, "/v1/diff?format=pdf", {
      method: "POST",
      body: await pairForm(),
    });
    assert.equal(bad.res.status, 400);
    assert.equal(bad.json.field, "format");
  } finally {
    await t.cleanup();
  }
});

Deno.test("POST /v1/diffs diffs stored digests by id", async () => {
  const t = await testApp();
  try {
    const up = async (file: string) =>
      (await call(t.app, "/v1/cores", {
        method: "POST",
        body: await Deno.readFile(fixturePath("changed", file)),
      })).json.id as string;
    const [a, b] = [await up("a.core.gz"), await up("b.core.gz")];
    const r = await call(t.app, "/v1/diffs?format=json", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ a, b, expect: "identical", labels: { a: "before", b: "after" } }),
    });
    assert.equal(r.res.status, 201, r.text);
    assert.equal(r.json.a.label, "before");
    assert.equal(r.json.expectation, "identical");
    assert.equal(r.json.verdict, "fail", "one page was changed on purpose");
    assert.equal(r.res.headers.get("coredelta-verdict"), "fail");
    assert.equal(r.res.headers.get("coredelta-digest-a"), a);
  } finally {
    await t.cleanup();
  }
});

Deno.test("POST /v1/diffs problems: wrong type, bad JSON, unknown member, unknown id", async () => {
  const t = await testApp();
  try {
    const send = (body: string, type = "application/json") =>
      call(t.app, "/v1/diffs", { method: "POST", headers: { "content-type": type }, body });
    assert.equal((await send("{}", "text/plain")).res.status, 415);
    const bad = await send("{nope");
    assert.equal(bad.res.status, 400);
    assert.match(bad.json.detail, /not valid JSON/);
    const extra = await send(JSON.stringify({ a: "x", b: "y", c: 1 }));
    assert.equal(extra.res.status, 400);
    assert.equal(extra.json.field, "c");
    const missing = await send(JSON.stringify({ a: "x" }));
    assert.equal(missing.json.field, "b");
    const unknown = await send(JSON.stringify({ a: "0".repeat(64), b: "1".repeat(64) }));
    assert.equal(unknown.res.status, 422);
    assert.equal(unknown.json.type, "https://coredelta.dev/problems/unknown-id");
    assert.equal(unknown.json.field, "a");
  } finally {
    await t.cleanup();
  }
});

Deno.test("POST /v1/diff: an smaps error deep in a large part (parsed as it arrives) names its line", async () => {
  const t = await testApp();
  try {
    const lines: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      const at = 0x7e0000000000 + i * 0x2000;
      lines.push(
        `${at.toString(16)}-${(at + 0x1000).toString(16)} rw-p 00000000 00:00 0`,
        "Size:                  4 kB",
      );
    }
    lines.push("7f0000000000-7f0000001000 rw-p 00000000 00:00 0", "Size: 4 MB");
    const form = await pairForm("f033", { smaps: `${lines.join("\n")}\n`, filter: "0x33" });
    const r = await call(t.app, "/v1/diff", { method: "POST", body: form });
    assert.equal(r.res.status, 422, r.text);
    assert.equal(r.json.type, "https://coredelta.dev/problems/smaps-syntax");
    assert.deepEqual([r.json.part, r.json.line, r.json.field], ["smaps", 40_002, "Size"]);
    assert.deepEqual(await t.leftovers(), []);
  } finally {
    await t.cleanup();
  }
});

Deno.test("POST /v1/diff problems name the part, and leave no temporary file", async (ctx) => {
  const t = await testApp({ limits: { maxParts: 5, maxSmapsBytes: 1000 } });
  const send = async (form: FormData | string | Uint8Array, headers: Record<string, string> = {}) =>
    await call(t.app, "/v1/diff", { method: "POST", body: form as BodyInit, headers });
  const check = async (
    name: string,
    form: () => Promise<FormData>,
    status: number,
    type: string,
    ext: Record<string, unknown> = {},
  ) =>
    await ctx.step(name, async () => {
      const r = await send(await form());
      assert.equal(r.res.status, status, r.text);
      assert.equal(r.json.type, `https://coredelta.dev/problems/${type}`);
      for (const [k, v] of Object.entries(ext)) assert.equal(r.json[k], v, k);
      assert.deepEqual(await t.leftovers(), []);
    });
  try {
    await ctx.step("not multipart", async () => {
      const r = await send("a=1", { "content-type": "application/x-www-form-urlencoded" });
      assert.equal(r.res.status, 415);
    });
    await check(
      "missing b",
      async () => {
        const f = new FormData();
        f.append("a", await fixtureBlob("f033", "kernel.core.gz"), "k");
        return f;
      },
      400,
      "bad-multipart",
      { part: "b" },
    );
    await check("unknown part", () => pairForm("f033", { colour: "blue" }), 400, "bad-multipart", {
      part: "colour",
    });
    await check(
      "duplicate part",
      async () => {
        const f = await pairForm();
        f.append("filter", "0x33");
        f.append("filter", "0x33");
        return f;
      },
      400,
      "bad-multipart",
    );
    await check(
      "too many parts",
      async () => {
        const f = await pairForm("f033", { filter: "0x33", expect: "auto", smaps: "" });
        f.append("x", "1");
        return f;
      },
      413,
      "too-many-parts",
    );
    await check("bad expectation", () => pairForm("f033", { expect: "same" }), 400, "option", {
      part: "expect",
    });
    await check("bad filter", () => pairForm("f033", { filter: "0xzz" }), 400, "option", {
      part: "filter",
      field: "filter",
    });
    await check(
      "smaps too large",
      () => pairForm("f033", { smaps: "x".repeat(2000) }),
      413,
      "too-large",
      {
        part: "smaps",
      },
    );
    await check(
      "malformed smaps",
      () => pairForm("f033", { smaps: "this is not smaps\n" }),
      422,
      "smaps-syntax",
      {
        part: "smaps",
        line: 1,
      },
    );
    await check(
      "a is not a core",
      async () => {
        const f = new FormData();
        f.append("a", new Blob(["not a core at all"]), "a.core");
        f.append("b", await fixtureBlob("f033", "gdb.core.gz"), "b.core");
        return f;
      },
      422,
      "elf-format",
      { part: "a", field: "EI_MAG", offset: 0 },
    );
    await check(
      "b is a truncated gzip",
      async () => {
        const f = new FormData();
        f.append("a", await fixtureBlob("f033", "kernel.core.gz"), "a.core");
        f.append("b", (await fixtureBlob("f033", "gdb.core.gz")).slice(0, 40_000), "b.core");
        return f;
      },
      422,
      "decompression",
      { part: "b" },
    );
    await ctx.step("body cut before the closing boundary", async () => {
      const req = new Request("http://x/v1/diff", { method: "POST", body: await pairForm() });
      const bytes = new Uint8Array(await req.arrayBuffer());
      const r = await send(bytes.slice(0, bytes.length - 100), {
        "content-type": req.headers.get("content-type")!,
      });
      assert.equal(r.res.status, 400, r.text);
      assert.equal(r.json.type, "https://coredelta.dev/problems/bad-multipart");
      assert.deepEqual(await t.leftovers(), []);
    });
  } finally {
    await t.cleanup();
  }
});

Deno.test("both diff routes take predict's GDB settings and kernel profile, and the context echoes them", async () => {
  const t = await testApp();
  try {
    const smaps = readFixtureText("f07f", "smaps.txt")!;
    // f07f's gcore was taken with use-coredump-filter on: saying off is contradicted by the pair.
    const r = await call(t.app, "/v1/diff?format=json", {
      method: "POST",
      body: await pairForm("f07f", {
        smaps,
        filter: "0x7f",
        gdbUseFilter: "false",
        gdbDumpExcluded: "false",
        kernelProfile: "kernel-5.10",
      }),
    });
    assert.equal(r.res.status, 201, r.text);
    assert.equal(r.json.context.settings.kernelProfile, "kernel-5.10");
    assert.equal(r.json.context.settings.gdbUseFilter, true, "explained with what the pair fits");
    assert.deepEqual(
      r.json.context.contradictions.map((c: { what: string; given: string; fits: string }) => [
        c.what,
        c.given,
        c.fits,
      ]),
      [["gdbUseFilter", "off", "on"]],
    );
    assert.equal(r.json.summary.unexplained, 0);
    const [a, b] = [
      r.res.headers.get("coredelta-digest-a"),
      r.res.headers.get("coredelta-digest-b"),
    ];
    const j = await call(t.app, "/v1/diffs?format=json", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        a,
        b,
        smaps,
        filter: "0x7f",
        gdbUseFilter: true,
        gdbDumpExcluded: false,
      }),
    });
    assert.equal(j.res.status, 201, j.text);
    assert.equal(j.json.context.settings.gdbUseFilter, true);
    assert.equal(j.json.context.settings.gdbDumpExcluded, false);
    assert.equal(j.json.context.settings.kernelProfile, "kernel");
    assert.equal(j.json.context.contradictions, undefined);
    const bad = await call(t.app, "/v1/diffs", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ a, b, gdbUseFilter: "maybe" }),
    });
    assert.equal(bad.res.status, 400);
    assert.equal(bad.json.field, "gdbUseFilter");
    const profile = await call(t.app, "/v1/diffs", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ a, b, kernelProfile: "kernel-2.6" }),
    });
    assert.equal(profile.res.status, 400, profile.text);
    assert.match(profile.text, /kernelProfile/);
  } finally {
    await t.cleanup();
  }
});

Deno.test("POST /v1/diff stores each upload's digest as the library encodes it: minimal, or whole with keep", async () => {
  const t = await testApp();
  try {
    const [a, b] = await Promise.all([
      digestFile(fixturePath("f033", "kernel.core.gz")),
      digestFile(fixturePath("f033", "gdb.core.gz")),
    ]);
    for (const keep of [false, true]) {
      const r = await call(t.app, `/v1/diff?format=json&keep=${keep}`, {
        method: "POST",
        body: await pairForm("f033"),
      });
      assert.equal(r.res.status, 201, r.text);
      for (const [part, d] of [["a", a], ["b", b]] as const) {
        const encoded = encodeDigest(keep ? d : await minimalDigest(d));
        assert.equal(
          r.res.headers.get(`coredelta-digest-${part}`),
          sha256Hex(encoded),
          `${part} keep=${keep}`,
        );
      }
    }
  } finally {
    await t.cleanup();
  }
});
