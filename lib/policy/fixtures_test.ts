/**
 * Runs the predictor on the real-core fixture sets (`test/fixtures/cores/f0xx/`: smaps of the process,
 * then a gcore and a kernel core of it) and checks, for every mapping, that each producer's PT_LOAD
 * presence, `p_filesz` and `p_flags` match the golden `readelf -lW` output, or are among the stated
 * outcomes when the prediction carries an assumption.
 */

import assert from "node:assert/strict";
import { parseSmaps } from "../smaps/parse.ts";
import { parseFilter } from "./filter.ts";
import { isPossible, predict, type ProducerPrediction } from "./predict.ts";

const root = new URL("../../test/fixtures/cores/", import.meta.url);
const SETS = ["f023", "f033", "f03f", "f07f"];

interface Load {
  readonly p_filesz: number;
  readonly flags: string;
}

/** The PT_LOADs of `readelf -lW` output, by virtual address. */
function readelfLoads(text: string): Map<bigint, Load> {
  const loads = new Map<bigint, Load>();
  for (const line of text.split("\n")) {
    const m = /^\s+LOAD\s+0x[0-9a-f]+ (0x[0-9a-f]+) 0x[0-9a-f]+ (0x[0-9a-f]+) 0x[0-9a-f]+ (.{3}) /
      .exec(line);
    if (m) loads.set(BigInt(m[1]!), { p_filesz: Number(m[2]), flags: m[3]! });
  }
  return loads;
}

/** `There are N program headers` of `readelf -lW` output. */
function readelfPhnum(text: string): number {
  return Number(/There are (\d+) program headers/.exec(text)?.[1]);
}

function check(p: ProducerPrediction, actual: Load | undefined, what: string): void {
  const real = { emitted: actual !== undefined, p_filesz: actual?.p_filesz ?? 0 };
  const stated = p.assumption
    ? p.assumption.outcomes.map((o) => `${o.emitted ? o.p_filesz : "."}`).join("|")
    : `${p.emitted ? p.p_filesz : "."}`;
  assert.ok(
    isPossible(p, real),
    `${what}: real ${real.emitted ? real.p_filesz : "."}, predicted ${stated}`,
  );
  if (actual && !p.assumption) assert.equal(p.flags, actual.flags, `${what}: p_flags`);
}

for (const set of SETS) {
  Deno.test(`predict matches the real cores of fixture set ${set}`, () => {
    const read = (name: string) => Deno.readTextFileSync(new URL(`${set}/${name}`, root));
    const manifest = JSON.parse(read("manifest.json"));
    const filter = parseFilter(read("coredump_filter.txt")).value;
    assert.equal(`0x${filter.toString(16)}`, manifest.filter);
    const { mappings } = parseSmaps(read("smaps.txt"));
    const kText = read("kernel.readelf-l.txt"), gText = read("gdb.readelf-l.txt");
    const kLoads = readelfLoads(kText), gLoads = readelfLoads(gText);
    const r = predict(mappings, filter);

    let uncertain = 0;
    for (const p of r.mappings) {
      const at = p.start;
      const what = `${set} ${p.start} ${p.perms} ${JSON.stringify(p.name)}`;
      check(p.kernel!, kLoads.get(at), `${what} kernel`);
      check(p.gdb!, gLoads.get(at), `${what} gdb`);
      if (p.kernel!.assumption || p.gdb!.assumption) uncertain++;
    }
    // Every PT_LOAD of both cores belongs to a mapping, and the kernel's count is exact.
    const starts = new Set(r.mappings.map((p) => p.start));
    for (const at of [...kLoads.keys(), ...gLoads.keys()]) {
      assert.ok(starts.has(at), `0x${at.toString(16)}`);
    }
    assert.equal(r.totals.kernel!.phnum, readelfPhnum(kText));
    const gPhnum = readelfPhnum(gText);
    const gLoadsPossible = r.mappings.map((p) =>
      (p.gdb!.assumption?.outcomes ?? [p.gdb!]).map((o) => (o.emitted ? 1 : 0))
    );
    const gMin = gLoadsPossible.reduce((s, o) => s + Math.min(...o), 1);
    const gMax = gLoadsPossible.reduce((s, o) => s + Math.max(...o), 1);
    assert.ok(gMin <= gPhnum && gPhnum <= gMax, `gdb phnum ${gPhnum} not in ${gMin}..${gMax}`);
    // Memory totals: the real sums lie in the stated ranges.
    for (const [who, loads] of [["kernel", kLoads], ["gdb", gLoads]] as const) {
      const t = r.totals[who]!;
      const real = [...loads.values()].reduce((s, l) => s + l.p_filesz, 0);
      assert.ok(t.memoryBytesMin <= real && real <= t.memoryBytesMax, `${who} bytes ${real}`);
    }
    // Few predictions may be open: only the files whose mode or content smaps cannot show.
    assert.ok(uncertain <= 8, `${uncertain} mappings with assumptions`);
  });
}

Deno.test("predict matches both gcores of fixture set changed (gdb only)", () => {
  const read = (name: string) => Deno.readTextFileSync(new URL(`changed/${name}`, root));
  const filter = parseFilter(read("coredump_filter.txt")).value;
  const r = predict(parseSmaps(read("smaps.txt")).mappings, filter, { producers: ["gdb"] });
  for (const core of ["a", "b"]) {
    const loads = readelfLoads(read(`${core}.readelf-l.txt`));
    for (const p of r.mappings) {
      check(p.gdb!, loads.get(p.start), `changed/${core} ${p.start} ${p.name}`);
    }
  }
});

Deno.test("smaps read before GDB attached misses only the text GDB's breakpoints COW'd (§4.3 #23)", () => {
  const read = (name: string) => Deno.readTextFileSync(new URL(`f033/${name}`, root));
  const before = parseSmaps(read("smaps.before.txt")).mappings;
  const kLoads = readelfLoads(read("kernel.readelf-l.txt"));
  const wrong = (r: ReturnType<typeof predict>) =>
    r.mappings.filter((p) => {
      const l = kLoads.get(p.start);
      return !isPossible(p.kernel!, { emitted: l !== undefined, p_filesz: l?.p_filesz ?? 0 });
    }).map((p) => `${p.perms} ${p.name}`);
  assert.deepEqual(wrong(predict(before, 0x33)), [
    "r-xp /usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
  ]);
  const ldText = before.find((m) => m.name.endsWith("ld-linux-x86-64.so.2") && m.exec)!;
  const hints = new Map([[ldText.start, { anonVma: true }]]);
  assert.deepEqual(wrong(predict(before, 0x33, { hints })), []);
});
