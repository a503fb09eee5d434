/**
 * The ELF reader against golden `readelf -lW` / `readelf -nW` output and the `maps` captured with
 * every committed real core (kernel and gcore).
 */
import assert from "node:assert/strict";
import { bytesSource } from "../lib/bytes/source.ts";
import { flagString } from "../lib/elf/constants.ts";
import { parseCore } from "../lib/elf/core.ts";
import { allCores, loadCore, manifest, readFixtureText } from "./_fixtures.ts";

/** readelf prints type 2 by GDB's name. */
const READELF_ALIASES: Record<string, string> = { NT_PRFPREG: "NT_FPREGSET" };

function readelfPhdrs(text: string) {
  const rows = [];
  const re =
    /^\s+(\w+)\s+0x([0-9a-f]+) 0x([0-9a-f]+) 0x([0-9a-f]+) 0x([0-9a-f]+) 0x([0-9a-f]+) (.{3}) 0x([0-9a-f]+)$/;
  for (const line of text.split("\n")) {
    const m = line.match(re);
    if (m) rows.push(m.slice(1).map((x, i) => (i === 0 || i === 6 ? x : BigInt("0x" + x))));
  }
  return rows;
}

function readelfNotes(text: string) {
  const out: [string, number, string][] = [];
  for (const line of text.split("\n")) {
    const m = line.match(/^ {2}(\S+)\s+0x([0-9a-f]{8})\t(.*)$/);
    if (!m) continue;
    const unknown = m[3]!.match(/^Unknown note type: \((0x[0-9a-f]+)\)/);
    out.push([
      m[1]!,
      parseInt(m[2]!, 16),
      unknown ? `0x${parseInt(unknown[1]!, 16).toString(16)}` : m[3]!.split(" ")[0]!,
    ]);
  }
  return out;
}

for (const [set, name] of allCores()) {
  Deno.test(`ELF reader matches readelf for ${set}/${name}.core`, async () => {
    const core = await parseCore(bytesSource(loadCore(set, name)));
    const l = readFixtureText(set, `${name}.readelf-l.txt`);
    const n = readFixtureText(set, `${name}.readelf-n.txt`);
    assert.ok(l && n, `golden readelf files for ${set}/${name}`);
    const count = l.match(/There are (\d+) program headers/);
    assert.equal(core.header.phnum, Number(count?.[1]));
    const golden = readelfPhdrs(l);
    assert.equal(golden.length, core.segments.length);
    [...core.segments].forEach((s, i) => {
      const ours = [
        s.typeName.replace(/^PT_/, ""),
        s.offset,
        s.vaddr,
        s.paddr,
        s.filesz,
        s.memsz,
        flagString(s.flags),
        s.align,
      ];
      assert.deepEqual(ours, golden[i], `program header ${i}`);
    });
    const notes = readelfNotes(n);
    // Where readelf does not know a type (0x205, NT_X86_XSAVE_LAYOUT) it prints the number.
    assert.deepEqual(
      core.notes.map((x, i) => [
        x.owner,
        x.size,
        notes[i]?.[2].startsWith("0x")
          ? `0x${x.type.toString(16)}`
          : READELF_ALIASES[x.typeName] ?? x.typeName,
      ]),
      notes,
    );
  });

  Deno.test(`ELF reader decodes threads, process and NT_FILE of ${set}/${name}.core`, async () => {
    const core = await parseCore(bytesSource(loadCore(set, name)));
    const m = manifest(set);
    assert.equal(core.truncated, false);
    assert.equal(core.process?.pid, m.pid);
    assert.equal(core.process?.fname, "mapper");
    assert.deepEqual(new Set(core.threads.map((t) => t.tid)), new Set(m.threads.map((t) => t.tid)));
    // Kernel and gdb both put the signalled thread first; only the kernel core has a real signal.
    const expected = name === "kernel" ? "kernel" : "gdb";
    assert.equal(core.producer.producer, expected, JSON.stringify(core.producer));
    if (name === "kernel") {
      assert.equal(core.threads[0]!.tid, m.threads.find((t) => t.name === "worker2")!.tid);
      assert.equal(core.siginfo?.signo, 11);
      assert.equal(core.siginfo?.addr, 0n);
      assert.ok(
        core.process?.psargs.startsWith(m.argv.join(" ").slice(0, 40)),
        core.process?.psargs,
      );
    }
    // Every NT_FILE entry is a file-backed line of the maps captured with the core.
    const maps = readFixtureText(set, "maps.txt")!;
    const lines = new Map(
      maps.split("\n").filter(Boolean).map((line) => {
        const [range, , off] = line.split(/\s+/);
        return [range!, { off: BigInt("0x" + off), name: line.slice(73) }];
      }),
    );
    assert.ok(core.files && core.files.entries.length > 5);
    for (const e of core.files.entries) {
      const key = `${e.start.toString(16).padStart(8, "0")}-${e.end.toString(16).padStart(8, "0")}`;
      const line = lines.get(key);
      assert.ok(line, `NT_FILE range ${key} is in maps`);
      assert.equal(e.offset, line.off, `offset of ${key}`);
      assert.equal(e.name, line.name, `name of ${key}`);
    }
  });
}
