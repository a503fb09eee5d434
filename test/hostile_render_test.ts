/**
 * Hostile strings in every core-derived field (labels, `pr_fname`, `pr_psargs`, NT_FILE paths, note
 * owners), rendered in every format: JUnit stays well-formed XML, text sends no control sequence to
 * the terminal, Markdown and HTML carry no live markup, JSON parses back to the same strings.
 */

import { prepareContext } from "../lib/diff/context.ts";
import assert from "node:assert/strict";
import { diffDigests } from "../lib/diff/diff.ts";
import { renderReport, REPORT_FORMATS } from "../lib/report/render.ts";
import { renderInspectText } from "../lib/report/inspect.ts";
import { digestInput } from "../runtime/digest.ts";
import { buildCore, ntFile, prstatusX86_64 } from "./_elf_writer.ts";

/** Everything a renderer must not pass on raw. */
const HOSTILE = "<img src=x onerror=alert(1)>\u001b[2J\u001b]0;pwn\u0007\u0000\u0001\ufffe\uffff" +
  "\u202eevil\u0085]]>&amp;|*_`[x](y)\r\n# head";

/** A 64-bit `elf_prpsinfo` with the given names. */
function prpsinfo(fname: string, psargs: string): Uint8Array {
  const b = new Uint8Array(136);
  const v = new DataView(b.buffer);
  b[1] = 0x52;
  v.setInt32(24, 4242, true);
  b.set(new TextEncoder().encode(fname).subarray(0, 15), 40);
  b.set(new TextEncoder().encode(psargs).subarray(0, 79), 56);
  return b;
}

function hostileCore(variant: string): Uint8Array {
  const page = new Uint8Array(4096).fill(variant.length);
  return buildCore({
    notes: [
      { owner: "CORE", type: 1, desc: prstatusX86_64(4242, 11, 0x401000n) },
      { owner: "CORE", type: 3, desc: prpsinfo(`\u001b]0;${variant}\u0007<b>`, HOSTILE) },
      {
        owner: "CORE",
        type: 0x46494c45,
        desc: ntFile([{
          start: 0x400000n,
          end: 0x401000n,
          ofs: 0n,
          name: `/tmp/${variant}${HOSTILE}`,
        }]),
      },
      { owner: `X\u001b[31m<i>${variant}`, type: 7, desc: new Uint8Array(4) },
    ],
    loads: [{ vaddr: 0x400000n, memsz: 0x1000n, data: page }],
  }).bytes;
}

const digest = async (bytes: Uint8Array) => await digestInput(ReadableStream.from([bytes]));

/** Characters that XML 1.0 cannot hold, and raw terminal controls. */
// deno-lint-ignore no-control-regex
const XML_INVALID = new RegExp("[\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\ufffe\\uffff]");
// deno-lint-ignore no-control-regex
const TERMINAL = new RegExp(
  "[\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f\\u202a-\\u202e\\u2066-\\u2069]",
);

/** A small well-formedness check: balanced tags, only the five entities, no stray `<` or `&`. */
function assertWellFormedXml(xml: string): void {
  assert.doesNotMatch(xml, XML_INVALID);
  const body = xml.replace(/^<\?xml[^>]*\?>\s*/, "");
  const stack: string[] = [];
  const re =
    /<(\/?)([A-Za-z][\w.-]*)((?:\s+[\w.-]+="[^"<&]*(?:&(?:amp|lt|gt|quot|#39);[^"<&]*)*")*)\s*(\/?)>|([^<]+)/g;
  let at = 0;
  for (let m; (m = re.exec(body)) !== null;) {
    assert.equal(m.index, at, `not well-formed near ${JSON.stringify(body.slice(at, at + 60))}`);
    at = re.lastIndex;
    if (m[5] !== undefined) {
      assert.doesNotMatch(m[5], /&(?!(?:amp|lt|gt|quot|#39);)/, "stray & in text");
      continue;
    }
    if (m[1]) assert.equal(stack.pop(), m[2], "mismatched end tag");
    else if (!m[4]) stack.push(m[2]!);
  }
  assert.equal(at, body.length, "unparsed tail");
  assert.deepEqual(stack, []);
}

Deno.test("hostile strings in every core-derived field are escaped for every format", async () => {
  const [a, b] = [await digest(hostileCore("A")), await digest(hostileCore("BB"))];
  const report = diffDigests(a, b, {
    context: prepareContext({ expect: "identical" }),
    labels: { a: `a${HOSTILE}`, b: `b\u001b[1m\u202e` },
  });
  assert.ok(report.notes.length > 0, "the cores must differ in their names");
  for (const format of REPORT_FORMATS) {
    const out = renderReport(report, format);
    if (["md", "html", "junit"].includes(format)) assert.doesNotMatch(out, /<img|<b>|<i>/, format);
    switch (format) {
      case "junit":
        assertWellFormedXml(out);
        break;
      case "html":
        assert.doesNotMatch(out, XML_INVALID, format);
        assert.doesNotMatch(out, /[\u202a-\u202e]/, format);
        break;
      case "text":
      case "md":
        assert.doesNotMatch(out, TERMINAL, format);
        if (format === "md") {
          for (const line of out.split("\n").filter((l) => l.startsWith("| "))) {
            // No cell broke out of its table row: every row of one table has the same columns.
            assert.ok(!/(?<!\\)\|\s*$/.test(line) || line.trim().endsWith("|"));
          }
          assert.doesNotMatch(out, /(?<!\\)\[x\]\(y\)/, "a live link");
        }
        break;
      case "json": {
        const back = JSON.parse(out);
        assert.equal(back.a.label, `a${HOSTILE}`);
        break;
      }
    }
  }
  const inspected = renderInspectText(a.core, "a\u001b[5m");
  assert.doesNotMatch(inspected, TERMINAL);
});

Deno.test("predict's text output escapes control sequences in smaps paths", async () => {
  const { predictionOf } = await import("../lib/diff/context.ts");
  const { renderPredictText } = await import("../lib/report/predict.ts");
  const smaps =
    "55d0c0a00000-55d0c0a21000 rw-p 00000000 08:01 1234                       /tmp/\u001b]0;pwn\u0007x\u202e\n";
  const out = renderPredictText(predictionOf(prepareContext({ smaps, filter: "0x33" })));
  assert.doesNotMatch(out, TERMINAL);
  assert.match(out, /\\x1b\]0;pwn\\x07x/);
});
