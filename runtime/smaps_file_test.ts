import assert from "node:assert/strict";
import { capture } from "../test/_cli.ts";
import { fixturePath, readFixtureText } from "../test/_fixtures.ts";
import { main } from "../main.ts";
import { parseSmaps } from "../lib/smaps/parse.ts";
import { SmapsSyntaxError } from "../lib/errors.ts";
import { readSmapsFile } from "./smaps_file.ts";

/** A valid smaps of `n` anonymous mappings (4 lines each), 8 MiB at n = 60,000. */
function manyMappings(n: number): string {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const at = 0x7e0000000000 + i * 0x2000;
    out.push(
      `${at.toString(16)}-${(at + 0x1000).toString(16)} rw-p 00000000 00:00 0`,
      "Size:                  4 kB",
      "Rss:                   4 kB",
      "VmFlags: rd wr mr mw me ac ",
    );
  }
  return `${out.join("\n")}\n`;
}

Deno.test("readSmapsFile reads a file a chunk at a time into the document parseSmaps makes", async () => {
  const path = fixturePath("f033", "smaps.txt");
  const doc = await readSmapsFile(path);
  const whole = parseSmaps(readFixtureText("f033", "smaps.txt")!);
  assert.deepEqual(
    doc.mappings.map((m) => [m.line, m.start, m.end, m.name, m.fields, [...(m.vmFlags ?? [])]]),
    whole.mappings.map((m) => [m.line, m.start, m.end, m.name, m.fields, [...(m.vmFlags ?? [])]]),
  );
});

Deno.test("diff --smaps: an error past the first MiB exits 2 naming its line, before any hashing", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // 60,000 good mappings (240,000 lines, several read chunks), then a bad Size value.
    const path = `${dir}/smaps.txt`;
    await Deno.writeTextFile(
      path,
      `${manyMappings(60_000)}7f0000000000-7f0000001000 rw-p 00000000 00:00 0\nSize: 4 MB\n`,
    );
    await assert.rejects(
      () => readSmapsFile(path),
      (e) => e instanceof SmapsSyntaxError && e.line === 240_002,
    );
    const a = capture();
    // The cores do not exist: the smaps is read first and fails first.
    assert.equal(await main(["diff", `${dir}/none-a`, `${dir}/none-b`, "--smaps", path], a.io), 2);
    assert.match(
      a.out.stderr,
      /^coredelta diff: Expected "N kB", found "4 MB" \(field Size\) at line 240002, column 7\n$/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
