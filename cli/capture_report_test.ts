import assert from "node:assert/strict";
import { diffDigests } from "../lib/diff/diff.ts";
import type { CoreDigest } from "../lib/digest/model.ts";
import { digestFiles } from "../runtime/digest.ts";
import { fixturePath } from "../test/_fixtures.ts";
import { combine } from "./capture_report.ts";

Deno.test("combine: several captures make one document per format", async () => {
  const items = [];
  for (const set of ["f023", "f033"]) {
    const [a, b] = await digestFiles([
      fixturePath(set, "kernel.core.gz"),
      fixturePath(set, "gdb.core.gz"),
    ]) as [CoreDigest, CoreDigest];
    const report = diffDigests(a, b, { labels: { a: `${set}/kernel.core`, b: `${set}/gdb.core` } });
    items.push({ name: set, dir: set, report });
  }
  const junit = combine(items, "junit");
  assert.equal(junit.match(/<\?xml /g)?.length, 1);
  assert.equal(junit.match(/<testsuite /g)?.length, 2);
  const tests = [...junit.matchAll(/<testsuite [^>]*tests="(\d+)"/g)].reduce(
    (n, m) => n + +m[1]!,
    0,
  );
  assert.match(junit, new RegExp(`<testsuites name="coredelta" tests="${tests}" failures="\\d+">`));
  const html = combine(items, "html");
  assert.equal(html.match(/<html/g)?.length, 1);
  assert.equal(html.match(/<section><h2>f0(23|33)<\/h2>/g)?.length, 2);
  const json = JSON.parse(combine(items, "json"));
  assert.deepEqual(json.captures.map((c: { filter: string }) => c.filter), ["f023", "f033"]);
  assert.equal(json.verdict, items.every((i) => i.report.verdict === "pass") ? "pass" : "fail");
  assert.match(combine(items, "md"), /^## f023\n[\s\S]*^## f033\n/m);
  // One capture: the plain report.
  assert.equal(combine(items.slice(0, 1), "md").startsWith("## coredelta:"), true);
});
