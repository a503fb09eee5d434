/**
 * `deno task fuzz [--cases N] [--seconds S] [--seed X]`: the robustness fuzzer at full size (default
 * 1,000,000 cases, time-boxed to 15 minutes), seeded and reproducible. Prints cases run per target
 * and exits 1 on the first escape, printing the seed and the mutation.
 */
import { parseArgs } from "node:util";
import { Rng } from "./_mutate.ts";
import { targets } from "./_fuzz_targets.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { cases: { type: "string" }, seconds: { type: "string" }, seed: { type: "string" } },
});
const cases = Number(values.cases ?? 1_000_000);
const deadline = performance.now() + 1000 * Number(values.seconds ?? 900);
const seed = Number(values.seed ?? Date.now() % 0x7fffffff);
const all = await targets();
const rng = new Rng(seed);
const counts = new Map(all.map((t) => [t.name, { ok: 0, error: 0 }]));
console.log(`fuzz: seed ${seed}, up to ${cases} cases`);
let n = 0;
try {
  for (; n < cases && performance.now() < deadline; n++) {
    const t = all[n % all.length]!;
    counts.get(t.name)![await t.run(rng)]++;
    if (n % 50_000 === 0 && n > 0) console.log(`  ${n} cases`);
  }
} catch (e) {
  console.error(
    `fuzz: FAILED after ${n} cases (seed ${seed}): ${e instanceof Error ? e.message : e}`,
  );
  Deno.exit(1);
}
for (const [name, c] of counts) {
  console.log(`  ${name}: ${c.ok + c.error} cases (${c.error} rejected)`);
}
console.log(`fuzz: ${n} cases, no escapes, seed ${seed}`);
