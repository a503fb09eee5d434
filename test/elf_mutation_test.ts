/**
 * Robustness of the ELF reader: thousands of seeded byte flips, field edits and truncations of real
 * kernel and gdb cores. Property: `parseCore` either succeeds or throws our `InputError`, and every
 * case ends within a time bound. Reproduce a failure with `COREDELTA_SEED=<seed>`.
 */
import assert from "node:assert/strict";
import { bytesSource } from "../lib/bytes/source.ts";
import { parseCore } from "../lib/elf/core.ts";
import { InputError } from "../lib/errors.ts";
import { loadCore, pairSets } from "./_fixtures.ts";
import { mutate, Patch, Rng } from "./_mutate.ts";

const SEED = Number(Deno.env.get("COREDELTA_SEED") ?? 0xc0de);
const CASES = Number(Deno.env.get("COREDELTA_MUTATIONS") ?? 1500);
const BOUND_MS = 1000;

/** Byte ranges the parser reads: header, program header table, notes, section headers. */
async function parsedRegions(bytes: Uint8Array): Promise<[number, number][]> {
  const core = await parseCore(bytesSource(bytes));
  const h = core.header;
  const regions: [number, number][] = [[0, 64], [h.phoff, h.phoff + h.phnum * h.phentsize]];
  for (const s of core.segments) {
    if (s.typeName === "PT_NOTE") regions.push([Number(s.offset), Number(s.offset + s.filesz)]);
  }
  if (h.shoff) regions.push([h.shoff, Math.min(bytes.length, h.shoff + h.shnum * h.shentsize)]);
  return regions;
}

async function check(bytes: Uint8Array, label: string): Promise<"ok" | "error"> {
  const t0 = performance.now();
  try {
    await parseCore(bytesSource(bytes));
    return "ok";
  } catch (e) {
    assert.ok(e instanceof InputError, `${label}: escaped ${e}`);
    return "error";
  } finally {
    const ms = performance.now() - t0;
    assert.ok(ms < BOUND_MS, `${label}: took ${ms.toFixed(0)} ms`);
  }
}

for (const producer of ["kernel", "gdb"]) {
  Deno.test(`parseCore survives ${CASES} mutations of a real ${producer} core (seed ${SEED})`, async () => {
    const set = pairSets().includes("f033") ? "f033" : pairSets()[0]!;
    const bytes = loadCore(set, producer);
    const regions = await parsedRegions(bytes);
    const rng = new Rng(SEED + (producer === "gdb" ? 1 : 0));
    const patch = new Patch(bytes);
    const outcome = { ok: 0, error: 0 };
    for (let i = 0; i < CASES; i++) {
      if (i % 10 === 9) {
        const cut = rng.below(
          Math.min(bytes.length, regions.reduce((m, [, hi]) => Math.max(m, hi), 0) + 64),
        );
        outcome[
          await check(bytes.subarray(0, cut), `seed ${SEED} case ${i}: truncate at ${cut}`)
        ]++;
        continue;
      }
      const what = [];
      for (let k = 1 + rng.below(3); k > 0; k--) what.push(mutate(rng, patch, regions));
      outcome[await check(bytes, `seed ${SEED} case ${i}: ${what.join("; ")}`)]++;
      patch.undo();
    }
    // The property only means something if both outcomes occur.
    assert.ok(outcome.ok > 0 && outcome.error > 0, JSON.stringify(outcome));
  });
}
