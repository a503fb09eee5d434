import assert from "node:assert/strict";
import { SmapsSyntaxError } from "../lib/errors.ts";
import { parseSmaps } from "../lib/smaps/parse.ts";
import { captureSmaps, SmapsMember } from "./smaps_member.ts";

/** Runs `body` through the capture in pieces of `size` bytes; the parsed rest and the member. */
async function capture(body: string, size: number, max = 1 << 20) {
  const bytes = new TextEncoder().encode(body);
  const pieces: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += size) pieces.push(bytes.slice(at, at + size));
  const m = new SmapsMember(max);
  const out = await new Response(ReadableStream.from(pieces).pipeThrough(captureSmaps(m))).text();
  return { rest: out, member: m };
}

const plainOf = (doc: ReturnType<typeof parseSmaps>) =>
  doc.mappings.map((m) => [m.line, m.start, m.end, m.name, { ...m.fields }]);

// Names with escapes JSON.stringify makes (quote, backslash, tab, control, non-ASCII, astral).
const smaps = [
  '00400000-00401000 r-xp 00000000 08:01 12 /srv/"quoted" \\back\tslash\u0001',
  "Rss:                   4 kB",
  "00402000-00403000 rw-p 00000000 08:01 12 /srv/café ☕ 𝄞",
  "Rss:                   8 kB",
  "VmFlags: rd wr ",
].join("\n") + "\n";

Deno.test("captureSmaps: the member is parsed as JSON.parse would read it, in any pieces", async () => {
  const body = JSON.stringify({ a: "x", smaps, filter: "0x33", labels: { smaps: "inner" } });
  const expected = JSON.parse(body);
  for (const size of [1, 2, 3, 7, 64, body.length]) {
    const { rest, member } = await capture(body, size);
    assert.deepEqual(JSON.parse(rest), { ...expected, smaps: "" }, `pieces of ${size}`);
    assert.equal(member.captured, true);
    assert.equal(member.units, smaps.length);
    assert.deepEqual(plainOf(member.document()), plainOf(parseSmaps(smaps)), `pieces of ${size}`);
  }
  // \u escapes written out (JSON.stringify leaves non-ASCII as is), lone surrogates as U+FFFD.
  const escaped = body.replace("café", "caf\\u00e9").replace("𝄞", "\\ud834\\udd1e");
  const { member } = await capture(escaped, 5);
  assert.deepEqual(plainOf(member.document()), plainOf(parseSmaps(smaps)));
  const lone = await capture(
    JSON.stringify({ smaps: "00400000-00401000 r-xp 00000000 08:01 12 /x" }).replace(
      "/x",
      "/x\\ud800y",
    ),
    3,
  );
  assert.equal(lone.member.document().mappings[0]!.name, "/x\ufffdy");
});

Deno.test("captureSmaps: what is not a top-level string member is left to JSON.parse", async () => {
  for (
    const body of [
      '{"smaps": 5}',
      '{"a": {"smaps": "x"}}',
      '{"smaps": null}',
      '{"sm\\u0061ps": "x"}',
    ]
  ) {
    const { rest, member } = await capture(body, 2);
    assert.equal(rest, body);
    assert.equal(member.captured, false);
  }
  // Twice: JSON.parse keeps the second, which is not captured.
  const { rest, member } = await capture('{"smaps": "a", "smaps": "b"}', 4);
  assert.deepEqual([JSON.parse(rest), member.duplicate], [{ smaps: "b" }, true]);
});

Deno.test("captureSmaps: invalid strings still fail JSON.parse; length and syntax are checked", async () => {
  for (const bad of ['{"smaps": "a\u0001b"}', '{"smaps": "a\\qb"}', '{"smaps": "a\\u12g4"}']) {
    const { rest } = await capture(bad, 3);
    assert.throws(() => JSON.parse(rest), SyntaxError, bad);
  }
  const long = await capture(JSON.stringify({ smaps: "0".repeat(100) }), 9, 99);
  assert.throws(() => long.member.checkLength(), /longer than the limit of 99 characters/);
  const broken = await capture(JSON.stringify({ smaps: "00400000-00401000 r-xp 0 08:01 1\n" }), 4);
  assert.throws(() => broken.member.document(), SmapsSyntaxError);
  // Empty and blank strings are parsed (an empty smaps, a syntax error), not taken as absent.
  assert.equal((await capture('{"smaps": ""}', 1)).member.document().mappings.length, 0);
  const blank = await capture('{"smaps": "  \\n"}', 1);
  assert.throws(() => blank.member.document(), SmapsSyntaxError);
});
