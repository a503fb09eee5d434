/**
 * Which settings a real core fits: for every smaps mapping, whether the core's `PT_LOAD` (present
 * or not, `p_filesz`) is one of the outcomes the policy allows under a filter, kernel profile and
 * GDB settings. The same answer as `predict` then `isPossible` per mapping, without
 * building predictions: what does not depend on the settings (facts, views) is worked out once, so
 * trying many settings costs a few decisions per mapping each.
 *
 * @module
 */

import { type GdbView, gdbView, guessExecutable, kernelView } from "../smaps/classify.ts";
import type { KernelView } from "../smaps/classify.ts";
import type { SmapsMapping } from "../smaps/parse.ts";
import { explore } from "./explore.ts";
import { decisionClasses } from "./signature.ts";
import { asTable, type SmapsTable } from "../smaps/table.ts";
import { inferFacts, type MappingFacts } from "./facts.ts";
import { decideGdb, gdbEffectiveFilter, type GdbSettings } from "./gdb.ts";
import { decideKernel, type KernelProfile } from "./kernel.ts";
import type { Outcome, Producer } from "./types.ts";

/** What a core holds for each mapping, by mapping index. */
export interface ActualLoads {
  /** 1 when the core has a `PT_LOAD` at the mapping's start. */
  readonly emitted: Uint8Array;
  /** That `PT_LOAD`'s `p_filesz` (0 when none). */
  readonly filesz: Float64Array;
}

/** The mappings of one smaps, prepared for trying settings against cores. */
export class SettingsFit {
  readonly #length: number;
  /** Per mapping, its class: alike mappings (same decision signature) share one. */
  readonly #classOf: Uint32Array;
  /** Per class: a representative mapping, its facts and views. */
  readonly #first: SmapsMapping[] = [];
  readonly #facts: MappingFacts[] = [];
  readonly #kernel: KernelView[] = [];
  readonly #gdb: GdbView[] = [];
  readonly #pageSize: number;

  /**
   * @param mappings parsed smaps of the process (a table or plain mappings)
   * @param pageSize the page size (default 4096)
   */
  constructor(mappings: SmapsTable | readonly SmapsMapping[], pageSize = 4096) {
    const table = asTable(mappings);
    const executable = guessExecutable(table);
    const { classOf, first } = decisionClasses(table);
    this.#length = table.length;
    this.#classOf = classOf;
    for (const i of first) {
      const m = table.body(i);
      this.#first.push(m);
      this.#facts.push(inferFacts(m, { executable }));
      this.#kernel.push(kernelView(m));
      this.#gdb.push(gdbView(m));
    }
    this.#pageSize = pageSize;
  }

  /** Number of mappings. */
  get length(): number {
    return this.#length;
  }

  /**
   * Indexes of the mappings whose real `PT_LOAD` the settings do not allow, in address order.
   *
   * @param producer whose core `actual` is
   * @param actual what that core holds per mapping
   * @param filter the process's `coredump_filter`
   * @param gdb GDB's settings (used for the gcore)
   * @param profile the kernel rule set
   * @param limit stop after this many (for "does it fit at all")
   * @returns the misfits' indexes
   */
  misfits(
    producer: Producer,
    actual: ActualLoads,
    filter: number,
    gdb: GdbSettings,
    profile: KernelProfile,
    limit = Infinity,
  ): number[] {
    const out: number[] = [];
    const gdbFilter = gdbEffectiveFilter(filter, gdb);
    const ps = this.#pageSize;
    // Each class's possible outcomes, worked out when first needed.
    const outcomes: (readonly Outcome[] | undefined)[] = new Array(this.#first.length);
    const possible = (c: number): readonly Outcome[] => {
      const m = this.#first[c]!;
      const kv = this.#kernel[c]!, gv = this.#gdb[c]!;
      const decide = producer === "kernel"
        ? (f: MappingFacts): Outcome => {
          const d = decideKernel(m, kv, f, filter, profile, ps);
          return { emitted: true, p_filesz: d.p_filesz, reason: d.reason, text: d.text, when: {} };
        }
        : (f: MappingFacts): Outcome => {
          const d = decideGdb(m, gv, f, gdbFilter, gdb);
          const p_filesz = d.dump ? m.size : 0;
          return { emitted: d.dump, p_filesz, reason: d.reason, text: d.text, when: {} };
        };
      return outcomes[c] = explore(decide, this.#facts[c]!).outcomes;
    };
    for (let i = 0; i < this.#length && out.length < limit; i++) {
      const c = this.#classOf[i]!;
      const emitted = actual.emitted[i] === 1, filesz = actual.filesz[i]!;
      const ok = (outcomes[c] ?? possible(c)).some((o) =>
        o.emitted === emitted && o.p_filesz === filesz
      );
      if (!ok) out.push(i);
    }
    return out;
  }
}
