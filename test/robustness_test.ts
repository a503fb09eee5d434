/**
 * A few thousand seeded fuzz cases per run through every parser (`deno task fuzz` runs a million).
 * Reproduce a failure with `COREDELTA_SEED=<seed>`.
 */
import assert from "node:assert/strict";
import { Rng } from "./_mutate.ts";
import { targets } from "./_fuzz_targets.ts";

const SEED = Number(Deno.env.get("COREDELTA_SEED") ?? 0x5eed);
const CASES = Number(Deno.env.get("COREDELTA_FUZZ_CASES") ?? 600);

for (const t of await targets()) {
  Deno.test(`fuzz ${t.name}: ${CASES} seeded cases, only InputError escapes (seed ${SEED})`, async () => {
    const rng = new Rng(SEED);
    const seen = { ok: 0, error: 0 };
    for (let i = 0; i < CASES; i++) seen[await t.run(rng)]++;
    assert.ok(seen.error > 0, `mutations must break the input sometimes: ${JSON.stringify(seen)}`);
  });
}
