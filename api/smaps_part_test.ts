import assert from "node:assert/strict";
import { TooLargeError } from "../lib/bytes/streams.ts";
import { SmapsSyntaxError } from "../lib/errors.ts";
import { parseSmaps } from "../lib/smaps/parse.ts";
import { tableOf } from "../lib/smaps/table.ts";
import { SmapsCollector } from "./smaps_part.ts";

const mapping = (i: number) => {
  const at = 0x7e0000000000 + i * 0x2000;
  return `${at.toString(16)}-${(at + 0x1000).toString(16)} rw-p 00000000 00:00 0\r\n` +
    "Size:                  4 kB\r\nRss:                   4 kB\r\nVmFlags: rd wr mr mw me ac \r\n";
};
const text = Array.from({ length: 3000 }, (_, i) => mapping(i)).join("");
const bytes = new TextEncoder().encode(text);

function collect(b: Uint8Array, max: number, chunk = 1000): SmapsCollector {
  const c = new SmapsCollector(max, 'part "smaps"');
  for (let at = 0; at < b.length; at += chunk) c.add(b.slice(at, at + chunk));
  return c;
}

Deno.test("SmapsCollector parses a part as it arrives, as parseSmaps parses its text", () => {
  const doc = collect(bytes, bytes.length).document()!;
  const whole = parseSmaps(text);
  assert.equal(tableOf(doc).length, 3000);
  assert.deepEqual(
    doc.mappings.map((m) => [m.line, m.start, m.fields.Rss]),
    whole.mappings.map((
      m,
    ) => [m.line, m.start, m.fields.Rss]),
  );
});

Deno.test("SmapsCollector: a blank part is absent; a syntax error deep in the part names its line", () => {
  assert.equal(collect(new TextEncoder().encode(" \r\n\t\n"), 100).document(), undefined);
  const bad = new TextEncoder().encode(`${text}${mapping(3000).replace("4 kB", "4 MB")}`);
  const c = collect(bad, bad.length, 777);
  assert.throws(
    () => c.document(),
    (err) => err instanceof SmapsSyntaxError && err.line === 12002 && err.field === "Size",
  );
});

Deno.test("SmapsCollector: the limit holds whatever the part holds, a syntax error included", () => {
  assert.throws(() => collect(bytes, bytes.length - 1), TooLargeError);
  const bad = new TextEncoder().encode(`garbage\n${text}`);
  assert.throws(() => collect(bad, bytes.length), TooLargeError);
  assert.throws(() => collect(bad, bad.length).document(), SmapsSyntaxError);
});
