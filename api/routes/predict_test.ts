import assert from "node:assert/strict";
import { predictCommand } from "../../cli/predict.ts";
import { fixturePath, readFixtureText } from "../../test/_fixtures.ts";
import { call } from "../../test/_spec.ts";
import { testApp } from "../../test/_api.ts";

/** What `coredelta predict` prints for the same input. */
async function cli(args: string[]): Promise<string> {
  let out = "";
  const code = await predictCommand(args, {
    stdout: (t) => void (out += t),
    stderr: (t) => void (out += t),
    readText: (p) => Deno.readTextFile(p),
  });
  assert.equal(code, 0, out);
  return out;
}

Deno.test("POST /v1/predict (multipart and JSON) equals `coredelta predict`", async () => {
  const t = await testApp();
  try {
    const smaps = readFixtureText("f033", "smaps.txt")!;
    const path = fixturePath("f033", "smaps.txt");
    const form = new FormData();
    form.append("smaps", new Blob([smaps]), "smaps.txt");
    form.append("filter", "0x33");
    const m = await call(t.app, "/v1/predict", { method: "POST", body: form });
    assert.equal(m.res.status, 200, m.text);
    assert.equal(m.text, await cli(["--smaps", path, "--filter", "0x33", "--format", "json"]));
    assert.equal(m.json.schemaVersion, 1);

    const j = await call(t.app, "/v1/predict", {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/plain" },
      body: JSON.stringify({ smaps, filter: "0x23", producer: "kernel", gdbUseFilter: false }),
    });
    assert.equal(j.res.status, 200);
    assert.equal(j.res.headers.get("content-type"), "text/plain; charset=utf-8");
    assert.equal(
      j.text,
      await cli([
        "--smaps",
        path,
        "--filter",
        "0x23",
        "--producer",
        "kernel",
        "--gdb-use-filter",
        "off",
      ]),
    );
  } finally {
    await t.cleanup();
  }
});

Deno.test("POST /v1/predict problems", async () => {
  const t = await testApp();
  try {
    const json = (body: unknown) =>
      call(t.app, "/v1/predict", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    const noFilter = await json({ smaps: "x" });
    assert.equal(noFilter.res.status, 400);
    assert.equal(noFilter.json.field, "filter");
    const badFilter = await json({ smaps: "", filter: "nonsense" });
    assert.equal(badFilter.res.status, 400);
    assert.equal(badFilter.json.part, "filter");
    const badSmaps = await json({ smaps: "00400000-00452000 r-xp zz\n", filter: "0x33" });
    assert.equal(badSmaps.res.status, 422);
    assert.equal(badSmaps.json.type, "https://coredelta.dev/problems/smaps-syntax");
    assert.equal(badSmaps.json.line, 1);
    assert.equal(typeof badSmaps.json.column, "number");
    const empty = await json({ smaps: "", filter: "0x33" });
    assert.equal(empty.res.status, 400);
    const producer = await json({ smaps: "", filter: "0x33", producer: "lldb" });
    assert.equal(producer.json.part, "producer");
    const wrongType = await call(t.app, "/v1/predict", { method: "POST", body: "x" });
    assert.equal(wrongType.res.status, 415);
    const notBool = await json({ smaps: "", filter: "0x33", gdbUseFilter: "yes" });
    assert.equal(notBool.json.field, "gdbUseFilter");
    // smaps is parsed as the body streams in; its errors still come where they came before: an
    // option first, then the smaps line.
    const both = await json({ smaps: "garbage\n", filter: "0x33", producer: "lldb" });
    assert.equal(both.json.part, "producer");
    const deep = "00400000-00401000 r-xp 00000000 08:01 12 /bin/x\nRss: 4 kB\n".repeat(1) +
      Array.from({ length: 5000 }, (_, i) => {
        const at = (0x500000 + i * 0x2000).toString(16).padStart(8, "0");
        const end = (0x501000 + i * 0x2000).toString(16).padStart(8, "0");
        return `${at}-${end} rw-p 00000000 00:00 0\nRss: ${i === 4999 ? "4 MB" : "4 kB"}\n`;
      }).join("");
    const late = await json({ smaps: deep, filter: "0x33" });
    assert.equal(late.res.status, 422);
    assert.deepEqual([late.json.part, late.json.line, late.json.field], ["smaps", 10_002, "Rss"]);
  } finally {
    await t.cleanup();
  }
});
