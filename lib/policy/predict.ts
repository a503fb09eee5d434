/**
 * Predicts, from a process's smaps and its `coredump_filter`, what the kernel's core dumper and GDB's
 * `gcore` would put in a core for each mapping: whether a `PT_LOAD` is emitted, its `p_filesz`
 * (0, one page, or the whole mapping), its `p_flags`, the deciding rule as a stable reason code, and
 * for the kernel how many pages become holes.
 *
 * Facts smaps cannot show (see `facts.ts`) are inferred where possible; when a fact is unknown and
 * changes the result, the prediction carries an {@link Assumption} listing every possible outcome, so
 * a test can check that the real value is one of them ({@link isPossible}).
 *
 * The result is plain JSON (addresses as `0x…` strings) with `schemaVersion: 1`.
 *
 * @module
 */

import {
  type GdbClass,
  gdbView,
  guessExecutable,
  type KernelClass,
  kernelView,
} from "../smaps/classify.ts";
import type { SmapsMapping } from "../smaps/parse.ts";
import { recomputeStatus } from "../smaps/status.ts";
import {
  FACT_NAMES,
  type FactName,
  inferFacts,
  type MappingFacts,
  type MappingHints,
} from "./facts.ts";
import { describeFilter, FILTER_BIT_NAMES } from "./filter.ts";
import { decideGdb, gdbEffectiveFilter, type GdbSettings } from "./gdb.ts";
import { type Decide, explore } from "./explore.ts";
import { decisionClasses } from "./signature.ts";
import { type PredictionLookup, registerLookup } from "./lookup.ts";
import { sumTotals } from "./totals.ts";
import { asTable, type SmapsTable } from "../smaps/table.ts";
import { decideKernel, estimatePages, type KernelProfile } from "./kernel.ts";
import type {
  Assumption,
  AssumptionCode,
  Inference,
  MappingPrediction,
  PredictedDifference,
  PredictOptions,
  PredictResult,
  ProducerPrediction,
  ProducerTotals,
} from "./types.ts";

export { type PredictionLookup, predictionLookup } from "./lookup.ts";
export type {
  Assumption,
  AssumptionCode,
  Inference,
  MappingPrediction,
  Outcome,
  PolicyReason,
  PredictedDifference,
  PredictedDifferenceCode,
  PredictOptions,
  PredictResult,
  Producer,
  ProducerPrediction,
  ProducerTotals,
} from "./types.ts";

const ASSUMPTION_OF: Readonly<Record<FactName, AssumptionCode>> = {
  anonVma: "anon-vma-unknown",
  nlinkZero: "nlink-unknown",
  execBit: "exec-bit-unknown",
  elfMagic: "elf-magic-unknown",
  vmShared: "vm-shared-unknown",
};

/**
 * `p_flags` as `readelf -l` prints them.
 *
 * @param pFlags `PF_R | PF_W | PF_X` bits
 * @returns three characters such as `R E`
 */
export function flagsText(pFlags: number): string {
  return `${pFlags & 4 ? "R" : " "}${pFlags & 2 ? "W" : " "}${pFlags & 1 ? "E" : " "}`;
}

/**
 * True when `actual` is the predicted outcome or one of the outcomes the assumption states.
 *
 * @param p a producer prediction
 * @param actual what the real core holds for the mapping
 * @returns whether the prediction allows it
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseSmaps } from "../smaps/parse.ts";
 * const { mappings } = parseSmaps("7f0000000000-7f0000002000 r--p 00000000 fe:00 5 /srv/blob\n" +
 *   "Anonymous: 0 kB\nVmFlags: rd mr mw me \n");
 * const k = predict(mappings, 0x33).mappings[0]!.kernel!;
 * assert.equal(k.assumption?.assumption, "exec-bit-unknown");
 * assert.ok(isPossible(k, { emitted: true, p_filesz: 4096 }));
 * assert.ok(isPossible(k, { emitted: true, p_filesz: 0 }));
 * ```
 */
export function isPossible(
  p: ProducerPrediction,
  actual: { readonly emitted: boolean; readonly p_filesz: number },
): boolean {
  const all = p.assumption ? p.assumption.outcomes : [p];
  return all.some((o) => o.emitted === actual.emitted && o.p_filesz === actual.p_filesz);
}

/** Facts (not read from smaps) whose value changes any requested decision. */
function mattering(decides: Decide[], facts: MappingFacts): Inference[] {
  const out: Inference[] = [];
  for (const n of FACT_NAMES) {
    const f = facts[n];
    if (f.certainty === "smaps") continue;
    const flipped = { ...facts, [n]: { ...f, value: !f.value } };
    const matters = decides.some((d) => {
      const a = d(facts), b = d(flipped);
      return a.emitted !== b.emitted || a.p_filesz !== b.p_filesz;
    });
    if (matters) out.push({ fact: n, value: f.value, certainty: f.certainty, basis: f.basis });
  }
  return out;
}

/**
 * Predicts both producers' segments for every mapping.
 *
 * @param mappings parsed smaps (or maps) of one process, in address order (a table or plain
 *   mappings)
 * @param filter the process's `coredump_filter` (bits 0–8)
 * @param options producers, kernel profile, GDB settings, hints
 * @returns the JSON-ready result
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseSmaps } from "../smaps/parse.ts";
 * const { mappings } = parseSmaps(
 *   "7ffc0000-7ffc2000 rw-p 00000000 00:00 0                          [stack]\n" +
 *     "Size: 8 kB\nRss: 4 kB\nAnonymous: 4 kB\nVmFlags: rd wr mr mw me gd ac \n",
 * );
 * const r = predict(mappings, 0x04);
 * assert.equal(r.mappings[0]!.kernel!.p_filesz, 0);
 * assert.equal(r.mappings[0]!.kernel!.reason, "kernel.no-file");
 * assert.equal(r.mappings[0]!.gdb!.p_filesz, 8192);
 * assert.equal(r.mappings[0]!.gdb!.reason, "gdb.file-private");
 * ```
 */
export function predict(
  mappings: SmapsTable | readonly SmapsMapping[],
  filter: number,
  options: PredictOptions = {},
): PredictResult {
  const table = asTable(mappings);
  const producers = options.producers ?? ["kernel", "gdb"];
  const profile = options.kernelProfile ?? "kernel";
  const settings = options.gdb ?? {};
  const pageSize = options.pageSize ?? 4096;
  const gdbFilter = gdbEffectiveFilter(filter, settings);
  const executable = options.executable ?? guessExecutable(table);
  const wantK = producers.includes("kernel"), wantG = producers.includes("gdb");
  const decide = (m: SmapsMapping, hints: MappingHints | undefined) =>
    decideMapping(m, { executable }, hints, filter, profile, pageSize, gdbFilter, settings, {
      wantK,
      wantG,
    });

  // Alike mappings (same decision signature, no hints) share one prediction (read-only objects);
  // a mapping with hints is decided on its own.
  const { classOf, first } = decisionClasses(table);
  const byClass: (Decided | undefined)[] = new Array(first.length);
  const hinted = new Map<number, Decided>();
  const hints = options.hints;
  const count = new Float64Array(first.length);
  for (let i = 0; i < table.length; i++) {
    const h = hints?.size ? hints.get(table.start(i)) : undefined;
    if (h) hinted.set(i, decide(table.mapping(i), h));
    else {
      const c = classOf[i]!;
      byClass[c] ??= decide(table.body(i), undefined);
      count[c]!++;
    }
  }
  // Each distinct prediction with the number of mappings that have it (for the totals).
  const weighed = (pick: (d: Decided) => ProducerPrediction) => {
    const out: [ProducerPrediction, number][] = [];
    byClass.forEach((d, c) => {
      if (d && count[c]! > 0) out.push([pick(d), count[c]!]);
    });
    for (const d of hinted.values()) out.push([pick(d), 1]);
    return out;
  };
  const decidedAt = (i: number) =>
    (hinted.size ? hinted.get(i) : undefined) ?? byClass[classOf[i]!]!;
  const lookup: PredictionLookup = {
    length: table.length,
    ascending: table.ascending,
    start: (i) => table.start(i),
    end: (i) => table.end(i),
    at: (i) => {
      const d = decidedAt(i), b = table.body(i);
      // Both producers (what a diff asks for): one object, no spread copies.
      if (d.kernel && d.gdb) {
        return {
          line: table.line(i),
          start: table.start(i),
          end: table.end(i),
          size: b.size,
          perms: b.perms,
          offset: b.offset,
          name: b.name,
          kernel: d.kernel,
          gdb: d.gdb,
          inferences: d.inferences,
          differences: d.differences,
        };
      }
      return {
        line: table.line(i),
        start: table.start(i),
        end: table.end(i),
        size: b.size,
        perms: b.perms,
        offset: b.offset,
        name: b.name,
        ...(d.kernel ? { kernel: d.kernel } : {}),
        ...(d.gdb ? { gdb: d.gdb } : {}),
        inferences: d.inferences,
        differences: d.differences,
      };
    },
  };
  const warnings: string[] = [];
  if (table.bodies.some((m) => m.vmFlags === null)) {
    warnings.push(
      "No VmFlags/Anonymous lines (maps, not smaps): GDB dumps every mapping; kernel predictions " +
        "assume no dd/io/ht flags and list outcomes for unknown anon_vma and VM_SHARED",
    );
  }
  if (wantG && settings.useCoredumpFilter === false && gdbFilter !== filter) {
    warnings.push(`GDB use-coredump-filter off: GDB applies 0x33, not ${describeFilter(filter)}`);
  }
  const totals: { kernel?: ProducerTotals; gdb?: ProducerTotals } = {};
  if (wantK) totals.kernel = sumTotals(weighed((d) => d.kernel!), false);
  if (wantG) totals.gdb = sumTotals(weighed((d) => d.gdb!), true);
  for (const [who, t] of Object.entries(totals)) {
    if (t.pnXnum) warnings.push(`${who}: ${t.phnum} program headers: e_phnum is PN_XNUM (0xffff)`);
  }
  let out: readonly MappingPrediction[] | undefined;
  const result: PredictResult = {
    schemaVersion: 1,
    filter: `0x${filter.toString(16)}`,
    filterBits: FILTER_BIT_NAMES.filter((_, i) => (filter & (1 << i)) !== 0),
    producers: [...producers],
    kernelProfile: profile,
    gdb: {
      useCoredumpFilter: settings.useCoredumpFilter !== false,
      dumpExcludedMappings: settings.dumpExcludedMappings === true,
      effectiveFilter: `0x${gdbFilter.toString(16)}`,
    },
    executable: executable ?? null,
    // One object per mapping only when asked for (rendering); a diff looks them up one by one.
    get mappings() {
      return out ??= Array.from({ length: table.length }, (_, i) => lookup.at(i));
    },
    totals,
    status: recomputeStatus(table),
    warnings,
  };
  registerLookup(result, lookup);
  return result;
}

/** What a mapping's prediction holds beyond its identity (shared by alike mappings). */
interface Decided {
  readonly kernel?: ProducerPrediction;
  readonly gdb?: ProducerPrediction;
  readonly inferences: readonly Inference[];
  readonly differences: readonly PredictedDifference[];
}

/** Decides one mapping for the producers wanted. */
function decideMapping(
  m: SmapsMapping,
  ctx: { executable: string | undefined },
  hints: MappingHints | undefined,
  filter: number,
  profile: KernelProfile,
  pageSize: number,
  gdbFilter: number,
  settings: GdbSettings,
  want: { wantK: boolean; wantG: boolean },
): Decided {
  const { wantK, wantG } = want;
  const facts = inferFacts(m, ctx, hints);
  const kv = kernelView(m);
  const gv = gdbView(m);
  const kDecide: Decide = (f) => {
    const d = decideKernel(m, kv, f, filter, profile, pageSize);
    return { emitted: true, p_filesz: d.p_filesz, reason: d.reason, text: d.text, when: {} };
  };
  const gDecide: Decide = (f) => {
    const d = decideGdb(m, gv, f, gdbFilter, settings);
    return {
      emitted: d.dump,
      p_filesz: d.dump ? m.size : 0,
      reason: d.reason,
      text: d.text,
      when: {},
    };
  };
  let kernel: ProducerPrediction | undefined, gdb: ProducerPrediction | undefined;
  if (wantK) {
    const dec = decideKernel(m, kv, facts, filter, profile, pageSize);
    const pFlags = (m.read ? 4 : 0) | (m.write ? 2 : 0) | (m.exec ? 1 : 0);
    const pages = estimatePages(m, dec, pageSize);
    kernel = {
      ...producerPrediction(kDecide, facts, pFlags, m.size, dec.class),
      ...(pages ? { pages } : {}),
    };
  }
  if (wantG) {
    const pFlags = 4 | (m.write ? 2 : 0) | (m.exec ? 1 : 0);
    gdb = producerPrediction(gDecide, facts, pFlags, m.size, gv.class);
  }
  const decides = [...(wantK ? [kDecide] : []), ...(wantG ? [gDecide] : [])];
  return {
    ...(kernel ? { kernel } : {}),
    ...(gdb ? { gdb } : {}),
    inferences: mattering(decides, facts),
    differences: kernel && gdb ? differences(kernel, gdb) : [],
  };
}

function producerPrediction(
  decide: Decide,
  facts: MappingFacts,
  pFlags: number,
  size: number,
  cls: KernelClass | GdbClass,
): ProducerPrediction {
  const { outcomes, relevant } = explore(decide, facts);
  const o = outcomes[0]!;
  const assumption: Assumption | null = outcomes.length > 1
    ? {
      assumption: ASSUMPTION_OF[relevant[0]!],
      facts: relevant,
      text: relevant.map((n) => `${n} unknown (${facts[n].basis})`).join("; "),
      outcomes,
    }
    : null;
  return {
    emitted: o.emitted,
    p_filesz: o.p_filesz,
    p_memsz: o.emitted ? size : 0,
    dump: o.p_filesz === 0 ? "none" : o.p_filesz === size ? "whole" : "page",
    p_flags: o.emitted ? pFlags : 0,
    flags: flagsText(o.emitted ? pFlags : 0),
    reason: o.reason,
    text: o.text,
    class: cls,
    assumption,
  };
}

function differences(k: ProducerPrediction, g: ProducerPrediction): PredictedDifference[] {
  const out: PredictedDifference[] = [];
  if (k.emitted && k.p_filesz === 0 && !g.emitted) {
    out.push({
      code: "gdb.omits-empty-segment",
      text: "Kernel writes a PT_LOAD with p_filesz 0; GDB writes no program header",
    });
  } else if (k.p_filesz > 0 && !g.emitted) {
    out.push({ code: "kernel-only", text: "Only the kernel dumps this mapping" });
  } else if (k.p_filesz === 0 && g.emitted) {
    out.push({ code: "gdb-only", text: "Only GDB dumps this mapping" });
  } else if (k.p_filesz !== g.p_filesz) {
    out.push({
      code: "size-differs",
      text: `Kernel dumps 0x${k.p_filesz.toString(16)} bytes, GDB 0x${g.p_filesz.toString(16)}`,
    });
  }
  if (k.emitted && g.emitted && k.p_flags !== g.p_flags) {
    out.push({
      code: "flags-differ",
      text: `p_flags differ: kernel "${k.flags}", GDB "${g.flags}" (GDB always sets PF_R)`,
    });
  }
  return out;
}
