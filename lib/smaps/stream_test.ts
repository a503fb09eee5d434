import assert from "node:assert/strict";
import { SmapsSyntaxError } from "../errors.ts";
import { throwsWith } from "../../test/_assert.ts";
import { parseSmaps, type SmapsDocument } from "./parse.ts";
import { SmapsParser } from "./stream.ts";
import { SmapsTable, tableOf } from "./table.ts";

const dir = new URL("../../test/fixtures/", import.meta.url);
const bytesOf = (text: string) => new TextEncoder().encode(text);

/** Every smaps and maps text among the fixtures (captures, real-core sets, edge cases). */
function fixtureTexts(): [string, string][] {
  const out: [string, string][] = [];
  const walk = (url: URL, rel: string) => {
    for (const e of Deno.readDirSync(url)) {
      if (e.isDirectory) walk(new URL(`${e.name}/`, url), `${rel}${e.name}/`);
      else if (/maps.*\.txt$/.test(e.name) && !e.name.includes("rollup")) {
        out.push([`${rel}${e.name}`, Deno.readTextFileSync(new URL(e.name, url))]);
      }
    }
  };
  walk(dir, "");
  return out;
}

/** Parses `bytes` pushed in pieces of the given sizes (cycled). */
function chunked(bytes: Uint8Array, sizes: readonly number[]): SmapsDocument {
  const p = new SmapsParser();
  for (let at = 0, k = 0; at < bytes.length; k++) {
    const n = sizes[k % sizes.length]!;
    // A fresh copy each time: the parser must not keep a view of a chunk it was given.
    const chunk = bytes.slice(at, at + n);
    p.push(chunk);
    chunk.fill(0x41);
    at += n;
  }
  return p.end();
}

/** Plain data of a document, for deepEqual (sets as arrays, in order). */
function plain(doc: SmapsDocument): unknown {
  return {
    format: doc.format,
    mappings: doc.mappings.map((m) => ({
      ...m,
      vmFlags: m.vmFlags && [...m.vmFlags],
      fields: { ...m.fields },
    })),
  };
}

Deno.test("SmapsParser: any chunking of every fixture gives the whole-text parse", () => {
  const texts = fixtureTexts();
  assert.ok(texts.length >= 10, `only ${texts.length} fixtures found`);
  let mappings = 0;
  for (const [name, text] of texts) {
    const whole = plain(parseSmaps(text));
    const bytes = bytesOf(text);
    for (const sizes of [[1], [2, 3], [7], [64, 1, 13], [4096], [bytes.length]]) {
      assert.deepEqual(plain(chunked(bytes, sizes)), whole, `${name} in chunks of ${sizes}`);
    }
    mappings += parseSmaps(text).mappings.length;
  }
  assert.ok(mappings > 500);
});

Deno.test("SmapsParser: a leading byte order mark is dropped, as a text decoder drops it", () => {
  const text = "00400000-00401000 r-xp 00000000 08:01 12 /bin/x\nRss: 4 kB\n";
  const bom = new Uint8Array([0xef, 0xbb, 0xbf, ...bytesOf(text)]);
  for (const sizes of [[1], [2, 5], [bom.length]]) {
    assert.deepEqual(plain(chunked(bom, sizes)), plain(parseSmaps(text)));
  }
});

Deno.test("SmapsParser: a CRLF text parses as its LF text", () => {
  for (const [name, text] of fixtureTexts()) {
    const crlf = text.replaceAll("\n", "\r\n");
    assert.deepEqual(plain(chunked(bytesOf(crlf), [5, 1000])), plain(parseSmaps(text)), name);
  }
});

Deno.test("SmapsParser: errors name the line and column wherever the chunks split", () => {
  const head = "7f0000000000-7f0000001000 rw-p 00000000 00:00 0";
  const good = (n: number) =>
    Array.from({ length: n }, (_, i) => {
      const at = (0x7e0000000000 + i * 0x2000).toString(16);
      const end = (0x7e0000000000 + i * 0x2000 + 0x1000).toString(16);
      return `${at}-${end} rw-p 00000000 00:00 0\nSize:                  4 kB\nRss:                   4 kB\nVmFlags: rd wr mr mw me ac \n`;
    }).join("");
  // After 500 good mappings (2,000 lines): each error of the whole-text parser, same line/column.
  const cases: [string, number, string][] = [
    [`${head}\nSize:        4 MB\n`, 14, "Size"],
    [`${head}\nRss: 4 kB\nRss: 4 kB\n`, 1, "Rss"],
    [`${head}\nVmFlags: rd wrx\n`, 13, "VmFlags"],
    [`${head}\nTHPeligible:    1 kB\n`, 17, "THPeligible"],
    ["7f0000000000-7f000000100g rw-p 00000000 00:00 0\nRss: 4 kB\n", 14, "end"],
    [`${head}\n\n`, 1, "start"],
  ];
  for (const [tail, column, field] of cases) {
    const text = good(500) + tail;
    const whole = throwsWith(() => parseSmaps(text), SmapsSyntaxError);
    assert.deepEqual([whole.column, whole.field], [column, field], tail);
    assert.ok(whole.line > 2000, `${whole.line}`);
    for (const sizes of [[1], [3, 5], [100]]) {
      const e = throwsWith(() => chunked(bytesOf(text), sizes), SmapsSyntaxError);
      assert.deepEqual([e.line, e.column, e.field, e.message], [
        whole.line,
        whole.column,
        whole.field,
        whole.message,
      ]);
    }
  }
});

Deno.test("SmapsParser: alike mappings share a body; the table and the objects agree", () => {
  const lines: string[] = [];
  for (let i = 0; i < 1000; i++) {
    const at = 0x7e0000000000 + i * 0x2000;
    const rw = i % 2 === 0;
    lines.push(
      `${at.toString(16)}-${(at + 0x1000).toString(16)} ${rw ? "rw-p" : "---p"} 00000000 00:00 0`,
      "Size:                  4 kB",
      `Rss:                   ${rw ? 4 : 0} kB`,
      `VmFlags: ${rw ? "rd wr " : ""}mr mw me ac `,
    );
  }
  const doc = parseSmaps(`${lines.join("\n")}\n`);
  const t = tableOf(doc);
  assert.equal(t.length, 1000);
  assert.equal(t.bodies.length, 2);
  assert.equal(t.ascending, true);
  const ms = doc.mappings;
  assert.equal(ms.length, 1000);
  for (let i = 0; i < 1000; i++) {
    const m = ms[i]!;
    assert.deepEqual([t.line(i), t.start(i), t.end(i)], [m.line, m.start, m.end]);
    assert.equal(m.line, 4 * i + 1);
    assert.equal(m.fields, t.body(i).fields);
    assert.equal(m.fields.Rss, i % 2 === 0 ? 4096 : 0);
  }
  // Mappings made once and kept; a table over plain objects reads the same.
  assert.equal(doc.mappings, ms);
  const again = SmapsTable.of(ms);
  assert.deepEqual([again.start(7), again.body(7)], [t.start(7), ms[7]]);
  // A spread document is plain data.
  assert.deepEqual({ ...doc }.mappings.length, 1000);
});

Deno.test("SmapsParser: push after end and end twice are errors", () => {
  const p = new SmapsParser();
  p.push(bytesOf("00400000-00401000 r-xp 00000000 08:01 12 /bin/x"));
  assert.equal(p.end().mappings[0]!.name, "/bin/x");
  assert.throws(() => p.push(new Uint8Array(1)), /after end/);
  assert.throws(() => p.end(), /twice/);
});

Deno.test("SmapsParser: repeated attribute blocks taken whole equal blocks read line by line", () => {
  const at = (i: number) => (0x7e0000000000 + i * 0x10000).toString(16);
  const block = (rss: number, flags = "rd wr mr mw me ac ") =>
    `Size:                  4 kB\nKernelPageSize:        4 kB\nRss:                   ${rss} kB\nAnonymous:             ${rss} kB\nVmFlags: ${flags}\n`;
  const mapping = (i: number, body: string, size = 0x1000) =>
    `${at(i)}-${(0x7e0000000000 + i * 0x10000 + size).toString(16)} rw-p 00000000 00:00 0\n${body}`;
  const parts: string[] = [];
  for (let i = 0; i < 300; i++) {
    const kind = i % 7;
    parts.push(mapping(
      i,
      kind === 3
        ? block(4) + "Swap:                  0 kB\n" // one key more than the block before
        : kind === 5
        ? block(0, "rd mr mw me ac ")
        : kind === 6
        ? "Rss:                   4 kB\nSize:                  4 kB\n" // other order, fewer keys
        : block(i % 2 ? 4 : 0),
    ));
  }
  const text = parts.join("");
  const bytes = bytesOf(text);
  // One-byte chunks never hold a whole block: every line is read; whole and 100-byte chunks
  // take repeated blocks whole.
  const byLine = plain(chunked(bytes, [1]));
  assert.deepEqual(plain(chunked(bytes, [bytes.length])), byLine);
  assert.deepEqual(plain(chunked(bytes, [100, 333])), byLine);
  const doc = parseSmaps(text);
  assert.equal(doc.mappings.length, 300);
  assert.equal(doc.mappings[3]!.fields.Swap, 0);
  assert.equal(doc.mappings[299]!.line, text.split("\n").length - 1 - 5);
  // An error right after a block taken whole: its line and field, as when read line by line.
  const bad: [string, string][] = [
    [mapping(300, block(4) + "Rss:                   4 kB\n"), "Rss"], // a duplicate key
    [mapping(300, block(4), 0x2000), "Size"], // Size does not match the header
    [mapping(300, block(0) + "Bogus line\n"), "start"],
  ];
  // A block equal to one remembered, after a mapping with other keys (as many): its own keys
  // count, so its repeated Locked is found.
  const locked = (b: string) =>
    b.replace("Anonymous:             4 kB", "Locked:                0 kB");
  const relocked = [
    mapping(0, block(4)),
    mapping(1, locked(block(4))),
    mapping(2, locked(block(4))),
    mapping(3, block(4)),
    mapping(4, locked(block(4)) + "Locked:                0 kB\n"),
  ].join("");
  const cases: [string, string, string][] = [
    ...bad.map(([t, f]): [string, string, string] => [text, t, f]),
    ["", relocked, "Locked"],
  ];
  for (const [prefix, tail, field] of cases) {
    const t = bytesOf(prefix + tail);
    const one = throwsWith(() => chunked(t, [1]), SmapsSyntaxError);
    const whole = throwsWith(() => chunked(t, [t.length]), SmapsSyntaxError);
    assert.deepEqual([whole.line, whole.column, whole.field, whole.message], [
      one.line,
      one.column,
      one.field,
      one.message,
    ]);
    assert.equal(whole.field, field);
  }
});

Deno.test("SmapsParser: past its bounded lookup tables, every mapping keeps its own values", () => {
  // 17,000 distinct rows (more than the tables hold), then each again: values stay exact.
  const parts: string[] = [];
  const n = 34_000;
  for (let i = 0; i < n; i++) {
    const at = 0x7e0000000000 + i * 0x2000;
    parts.push(
      `${at.toString(16)}-${(at + 0x1000).toString(16)} rw-p 00000000 00:00 0\n`,
      `Size:                  4 kB\nRss:                   ${i % 17_000} kB\nVmFlags: rd wr \n`,
    );
  }
  const doc = parseSmaps(parts.join(""));
  const t = tableOf(doc);
  assert.equal(t.length, n);
  for (let i = 0; i < n; i++) {
    const m = t.body(i);
    assert.equal(m.fields.Rss, (i % 17_000) * 1024, `${i}`);
    assert.deepEqual([m.fields.Size, [...m.vmFlags!]], [4096, ["rd", "wr"]]);
  }
  // The same through the plain objects.
  assert.equal(doc.mappings[n - 1]!.fields.Rss, ((n - 1) % 17_000) * 1024);
});
