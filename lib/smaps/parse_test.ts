import assert from "node:assert/strict";
import { SmapsSyntaxError } from "../errors.ts";
import { throwsWith } from "../../test/_assert.ts";
import { detectMapsFormat, parseSmaps, unescapeName } from "./parse.ts";

const dir = new URL("../../test/fixtures/smaps/", import.meta.url);
const fixture = (name: string) => Deno.readTextFileSync(new URL(name, dir));

Deno.test("parseSmaps reads a real capture: every mapping, sizes in bytes, VmFlags as a set", () => {
  const doc = parseSmaps(fixture("rich.smaps.txt"));
  assert.equal(doc.format, "smaps");
  const maps = parseSmaps(fixture("rich.maps.txt"));
  assert.equal(maps.format, "maps");
  assert.equal(doc.mappings.length, maps.mappings.length);
  for (const [i, m] of doc.mappings.entries()) {
    const p = maps.mappings[i]!;
    assert.deepEqual([m.start, m.end, m.perms, m.offset, m.dev, m.inode, m.name], [
      p.start,
      p.end,
      p.perms,
      p.offset,
      p.dev,
      p.inode,
      p.name,
    ]);
    assert.equal(m.fields.Size, m.size);
    assert.ok(m.vmFlags instanceof Set);
    assert.equal(p.vmFlags, null);
    assert.deepEqual(p.fields, {});
  }
  const names = doc.mappings.map((m) => m.name);
  for (
    const n of [
      "[heap]",
      "[stack]",
      "[vdso]",
      "[vvar]",
      "[vvar_vclock]",
      "[vsyscall]",
      "/dev/zero (deleted)",
      "/SYSV00000000 (deleted)",
      "/memfd:cap (deleted)",
      "/dev/zero",
      "/tmp/coredelta-capture/my file (x).bin",
      "/tmp/coredelta-capture/new\\012line.bin",
      "/tmp/coredelta-capture/fake (deleted)",
      "",
    ]
  ) assert.ok(names.includes(n), n);
  const vsyscall = doc.mappings.at(-1)!;
  assert.equal(vsyscall.start, 0xffffffffff600000n);
  assert.equal(vsyscall.perms, "--xp");
  assert.deepEqual([...vsyscall.vmFlags!], ["ex"]);
  const vvar = doc.mappings.find((m) => m.name === "[vvar]")!;
  assert.deepEqual([...vvar.vmFlags!], ["rd", "mr", "pf", "io", "de", "dd"]);
  assert.equal(vvar.fields.THPeligible, 0);
  const stack = doc.mappings.find((m) => m.name === "[stack]")!;
  assert.ok(stack.vmFlags!.has("gd"));
  assert.equal(stack.fields.KernelPageSize, 4096);
  assert.deepEqual(stack.unknownVmFlags, []);
});

Deno.test("parseSmaps reads cat's own smaps and maps", () => {
  const s = parseSmaps(fixture("cat.smaps.txt"));
  const m = parseSmaps(fixture("cat.maps.txt"));
  assert.equal(s.format, "smaps");
  assert.equal(m.format, "maps");
  assert.ok(s.mappings.some((x) => x.name === "/usr/bin/cat"));
  assert.ok(m.mappings.some((x) => x.name === "/usr/bin/cat"));
});

Deno.test("parseSmaps keeps names verbatim; leading blanks of a name are lost", () => {
  const { mappings } = parseSmaps(fixture("edge.smaps.txt"));
  assert.deepEqual(mappings.map((m) => m.name), [
    "/tmp/my file (x).bin",
    "/tmp/new\\012line.bin",
    "leading_space.bin",
    "/memfd:jit (deleted)",
    "[anon:arena]",
    "[anon_shmem:ring]",
    "anon_inode:[io_uring]",
    "",
    "/tmp/fake (deleted)",
  ]);
  assert.equal(unescapeName(mappings[1]!.name), "/tmp/new\nline.bin");
});

Deno.test("parseSmaps keeps unknown keys, unknown VmFlags codes and ProtectionKey", () => {
  const m = parseSmaps(fixture("edge.smaps.txt")).mappings[7]!;
  assert.equal(m.fields.Foo_Future, 12 * 1024);
  assert.equal(m.fields.Baz, 7);
  assert.equal(m.textFields.Bar, "hello world");
  assert.equal(m.fields.ProtectionKey, 0);
  assert.ok(m.vmFlags!.has("zz") && m.vmFlags!.has("??"));
  assert.deepEqual(m.unknownVmFlags, ["zz", "??"]);
});

Deno.test("parseSmaps reads 32-bit widths and column-49 padding", () => {
  const doc = parseSmaps(fixture("edge-32bit.maps.txt"));
  assert.equal(doc.format, "maps");
  const [text, , heap, anon, spaced, sysv, stack] = doc.mappings;
  assert.equal(text!.start, 0x08048000n);
  assert.equal(text!.name, "/usr/bin/tiny32");
  assert.equal(heap!.name, "[heap]");
  assert.equal(anon!.name, "");
  assert.equal(spaced!.name, "/srv/data file with spaces.bin");
  assert.equal(sysv!.mayShare, true);
  assert.equal(stack!.end, 0xc0000000n);
  assert.equal(stack!.size, 0x21000);
});

Deno.test("parseSmaps accepts CRLF, a missing final newline, and an empty text", () => {
  const line = "00400000-00401000 r-xp 00000000 08:01 12 /bin/x";
  assert.equal(parseSmaps(`${line}\r\nRss: 4 kB\r\n`).mappings[0]!.name, "/bin/x");
  assert.equal(parseSmaps(line).mappings[0]!.inode, 12n);
  assert.deepEqual(parseSmaps(""), { format: "maps", mappings: [] });
});

Deno.test("detectMapsFormat tells smaps, maps and smaps_rollup apart", () => {
  assert.equal(detectMapsFormat(fixture("rich.smaps.txt")), "smaps");
  assert.equal(detectMapsFormat(fixture("rich.maps.txt")), "maps");
  assert.equal(detectMapsFormat(fixture("cat.smaps_rollup.txt")), "smaps_rollup");
});

Deno.test("parseSmaps rejects smaps_rollup with a clear message", () => {
  const e = throwsWith(() => parseSmaps(fixture("cat.smaps_rollup.txt")), SmapsSyntaxError);
  assert.equal(e.line, 1);
  assert.equal(e.field, "name");
  assert.match(e.message, /smaps_rollup.*no per-mapping data/);
});

const HEAD = "7f0000000000-7f0000001000 rw-p 00000000 00:00 0";

/** Each case: text, expected line, column, field, message pattern. */
const ERRORS: [string, string, number, number, string, RegExp][] = [
  ["short start", "7f000-7f0000001000 rw-p 00000000 00:00 0", 1, 1, "start", /8 to 16 hex digits/],
  ["17-digit end", "00400000-10000000000000000 r-xp 00000000 08:01 1", 1, 10, "end", /8 to 16/],
  ["bad hex", "0040000g-00401000 r-xp 00000000 08:01 1", 1, 1, "start", /hex digits/],
  ["no dash", "00400000 00401000 r-xp 00000000 08:01 1", 1, 1, "start", /hex digits/],
  ["end below start", "00402000-00401000 r-xp 00000000 08:01 1", 1, 18, "end", /not above/],
  ["perms", "00400000-00401000 rwxq 00000000 08:01 1", 1, 19, "perms", /"rwxq"/],
  ["offset", "00400000-00401000 r-xp 0000 08:01 1", 1, 24, "offset", /8 to 16/],
  ["dev", "00400000-00401000 r-xp 00000000 0801 1", 1, 33, "dev", /"0801"/],
  ["inode", "00400000-00401000 r-xp 00000000 08:01 x1 /bin/x", 1, 39, "inode", /decimal/],
  ["no inode", "00400000-00401000 r-xp 00000000 08:01", 1, 38, "inode", /before the inode/],
  ["kB field", `${HEAD}\nSize:        4 MB`, 2, 14, "Size", /"4 MB"/],
  ["bare field", `${HEAD}\nTHPeligible:    1 kB`, 2, 17, "THPeligible", /bare number/],
  ["VmFlags code", `${HEAD}\nVmFlags: rd wrx`, 2, 13, "VmFlags", /"wrx"/],
  ["duplicate", `${HEAD}\nRss: 4 kB\nRss: 4 kB`, 3, 1, "Rss", /Duplicate/],
  ["Size mismatch", `${HEAD}\nSize: 8 kB`, 1, 1, "Size", /does not match/],
  ["attribute first", "Rss: 4 kB", 1, 1, "Rss", /before any mapping/],
  ["garbage", `${HEAD}\n  oops`, 2, 1, "start", /Expected a mapping header/],
  ["empty line", `${HEAD}\n\n${HEAD}`, 2, 1, "start", /empty line/],
  ["overlap", `${HEAD}\nRss: 0 kB\n${HEAD}\nRss: 0 kB`, 3, 1, "start", /overlaps/],
  [
    "mixed",
    `${HEAD}\nRss: 0 kB\n7f0000002000-7f0000003000 rw-p 00000000 00:00 0`,
    3,
    1,
    "Size",
    /mixed/,
  ],
];

for (const [label, text, line, column, field, message] of ERRORS) {
  Deno.test(`parseSmaps reports line and column: ${label}`, () => {
    const e = throwsWith(() => parseSmaps(text), SmapsSyntaxError);
    assert.deepEqual([e.line, e.column, e.field], [line, column, field]);
    assert.match(e.message, message);
    assert.equal(e.code, "smaps-syntax");
  });
}

Deno.test("parseSmaps finds a repeated key whatever the previous mappings' key order", () => {
  const at = (n: number) => `0000${n}000-0000${n + 1}000 rw-p 00000000 00:00 0`;
  const cases: [string, number, string][] = [
    // The second mapping has fewer keys; the third repeats one in a slot the first had filled.
    [
      `${at(1)}\nSize: 4 kB\nRss: 4 kB\nSwap: 0 kB\n${at(2)}\nSize: 4 kB\nSwap: 0 kB\n${
        at(3)
      }\nSize: 4 kB\nSwap: 0 kB\nSwap: 0 kB`,
      11,
      "Swap",
    ],
    // Same order as the previous mapping, then VmFlags twice.
    [
      `${at(1)}\nRss: 4 kB\nVmFlags: rd \n${at(2)}\nRss: 4 kB\nVmFlags: rd \nVmFlags: wr `,
      7,
      "VmFlags",
    ],
    // A new key breaks the order; a later key repeats it.
    [`${at(1)}\nRss: 4 kB\nSwap: 0 kB\n${at(2)}\nRss: 4 kB\nFoo: 1\nFoo: 2`, 7, "Foo"],
  ];
  for (const [text, line, field] of cases) {
    const e = throwsWith(() => parseSmaps(text), SmapsSyntaxError);
    assert.deepEqual([e.line, e.field], [line, field]);
    assert.match(e.message, /Duplicate field/);
  }
  // Alike mappings get equal, independent fields objects.
  const doc = parseSmaps(`${at(1)}\nRss: 4 kB\nSwap: 0 kB\n${at(2)}\nRss: 8 kB\nSwap: 4 kB\n`);
  assert.deepEqual(doc.mappings.map((m) => m.fields), [{ Rss: 4096, Swap: 0 }, {
    Rss: 8192,
    Swap: 4096,
  }]);
});
