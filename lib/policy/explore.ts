/**
 * The outcomes a decision can have when facts smaps cannot show are unknown: every combination of
 * the unknown facts whose value changes the decision.
 *
 * @module
 */

import { FACT_NAMES, type FactName, type MappingFacts } from "./facts.ts";
import type { Outcome } from "./types.ts";

/** One producer's decision for one mapping, given its facts. */
export type Decide = (facts: MappingFacts) => Outcome;

/** Runs `decide` over the unknown facts that matter; returns the outcomes and those facts. */
export function explore(
  decide: Decide,
  facts: MappingFacts,
): { outcomes: Outcome[]; relevant: FactName[] } {
  const base = decide(facts);
  const same = (a: Outcome, b: Outcome) => a.emitted === b.emitted && a.p_filesz === b.p_filesz;
  const flip = (f: MappingFacts, name: FactName, value: boolean): MappingFacts => ({
    ...f,
    [name]: { ...f[name], value },
  });
  const relevant = FACT_NAMES.filter((n) =>
    facts[n].certainty === "unknown" && !same(base, decide(flip(facts, n, !facts[n].value)))
  );
  const outcomes: Outcome[] = [];
  for (let mask = 0; mask < 1 << relevant.length; mask++) {
    let f = facts;
    const when: Partial<Record<FactName, boolean>> = {};
    relevant.forEach((n, i) => {
      const v = (mask & (1 << i)) ? !facts[n].value : facts[n].value;
      f = flip(f, n, v);
      when[n] = v;
    });
    const o = { ...decide(f), when };
    if (!outcomes.some((x) => same(x, o))) outcomes.push(o);
  }
  return { outcomes, relevant };
}
