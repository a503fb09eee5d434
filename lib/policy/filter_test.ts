import assert from "node:assert/strict";
import { OptionError } from "../errors.ts";
import { throwsWith } from "../../test/_assert.ts";
import {
  DEFAULT_FILTER,
  describeFilter,
  FILTER_BIT_MMF_NAMES,
  hasBit,
  parseFilter,
  procWriteWarning,
} from "./filter.ts";

Deno.test("parseFilter reads the /proc form as hex, 0x hex, and bit names", () => {
  assert.deepEqual(parseFilter("00000033"), { value: 0x33, form: "proc" });
  assert.deepEqual(parseFilter("000001ff\n"), { value: 0x1ff, form: "proc" });
  assert.deepEqual(parseFilter("  0x7E "), { value: 0x7e, form: "hex" });
  assert.deepEqual(parseFilter("0x0"), { value: 0, form: "hex" });
  assert.deepEqual(parseFilter("anon-private,anon-shared,elf-headers,hugetlb-private"), {
    value: DEFAULT_FILTER,
    form: "names",
  });
  assert.equal(parseFilter("MMF_DUMP_MAPPED_SHARED | file-private").value, 0x0c);
  assert.equal(parseFilter("dax-private+dax-shared").value, 0x180);
  assert.equal(FILTER_BIT_MMF_NAMES[4], "MMF_DUMP_ELF_HEADERS");
});

Deno.test("parseFilter rejects ambiguous, unknown, empty and too-wide values", () => {
  const cases: [string, RegExp][] = [
    ["33", /ambiguous.*0x33/],
    ["0176", /ambiguous/],
    ["", /empty/],
    ["anon-private,bogus", /Unknown filter bit "bogus"/],
    ["ANON-PRIVATE", /Unknown/],
    ["mmf_dump_anon_private", /Unknown/],
    ["0x200", /above bit 8/],
    ["00000200", /above bit 8/],
    ["0x1234567890", /above bit 8/],
    ["0x", /Unknown/],
  ];
  for (const [text, message] of cases) {
    const e = throwsWith(() => parseFilter(text), OptionError);
    assert.equal(e.option, "filter");
    assert.match(e.message, message, text);
  }
});

Deno.test("procWriteWarning explains the octal trap of the read form", () => {
  assert.equal(
    procWriteWarning("00000033"),
    "Writing 00000033 to /proc/PID/coredump_filter sets 0x1b, not 0x33: the kernel reads a " +
      "leading 0 as octal (kstrtouint base 0); write 0x33 instead",
  );
  assert.match(procWriteWarning("0000007f")!, /EINVAL.*0x7f/);
  assert.match(procWriteWarning("000001ff")!, /EINVAL/);
  assert.equal(procWriteWarning("00000007"), undefined);
  assert.equal(procWriteWarning("0x33"), undefined);
  assert.equal(procWriteWarning("anon-private"), undefined);
});

Deno.test("hasBit and describeFilter", () => {
  assert.ok(hasBit(0x33, "elf-headers"));
  assert.ok(!hasBit(0x33, "mapped-private"));
  assert.equal(
    describeFilter(0x33),
    "0x33 (anon-private, anon-shared, elf-headers, hugetlb-private)",
  );
});
