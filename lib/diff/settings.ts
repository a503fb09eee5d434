/**
 * The producer settings a kernel-vs-gdb pair was made under: the process's `coredump_filter` and
 * GDB's `use-coredump-filter` / `dump-excluded-mappings`. Given settings are used as given unless the
 * cores contradict them (then the report says "the cores fit 0x33; you gave 0x7f" and explains with
 * what fits); settings not given are inferred from the pair when it shows them (GDB saved a `dd`
 * mapping; GDB followed 0x33 while the process filter says otherwise), else the defaults.
 *
 * "Fits" means: for every smaps mapping, the core's PT_LOAD (present or not, `p_filesz`) is one of
 * the outcomes the policy engine allows under those settings.
 *
 * @module
 */

import { lowerBound, type Rows } from "../bytes/rows.ts";
import type { CoreDigest } from "../digest/model.ts";
import { rowForIndex } from "../digest/page_table.ts";
import type { CoreFile } from "../elf/core.ts";
import type { Segment } from "../elf/program_header.ts";
import { byAddress } from "../elf/by_address.ts";
import { DEFAULT_FILTER } from "../policy/filter.ts";
import type { GdbSettings } from "../policy/gdb.ts";
import { KERNEL_PROFILES, type KernelProfile } from "../policy/kernel.ts";
import { type ActualLoads, SettingsFit } from "../policy/fit.ts";
import { predict, type PredictionLookup, predictionLookup } from "../policy/predict.ts";
import type { SmapsMapping } from "../smaps/parse.ts";
import { asTable, type SmapsTable, tableOf } from "../smaps/table.ts";
import type { AnalysisContext, ProducerSettings } from "./context.ts";
import { DUMP_EXCLUDED_INFERRED, GDB_FILTER_INFERRED } from "./explain.ts";
import type { Contradiction, InferredSetting, Reason } from "./model.ts";

/** What was given (each may be missing). */
export interface GivenSettings {
  /** The process's `coredump_filter`. */
  readonly filter?: number;
  /** GDB `use-coredump-filter`. */
  readonly gdbUseFilter?: boolean;
  /** GDB `dump-excluded-mappings`. */
  readonly gdbDumpExcluded?: boolean;
  /** Kernel rule set (default `kernel`). */
  readonly kernelProfile?: KernelProfile;
  /** Whether the kernel rule set was given (else another may be inferred). */
  readonly kernelProfileGiven?: boolean;
}

/** The settings to explain with, and how they were arrived at. */
export interface ResolvedSettings {
  /** The filter to explain with. */
  readonly filter: number;
  /** GDB's settings to explain with. */
  readonly gdb: Required<GdbSettings>;
  /** Kernel rule set. */
  readonly kernelProfile: KernelProfile;
  /** True when a setting used for the gcore's predictions was inferred, not given or default. */
  readonly gdbInferred: boolean;
  /** True when the filter used was inferred or replaced a contradicted one. */
  readonly filterInferred: boolean;
  /** Settings not given that the pair shows. */
  readonly inferred: InferredSetting[];
  /** Given settings the pair contradicts. */
  readonly contradictions: Contradiction[];
}

const hex = (n: number) => `0x${n.toString(16)}`;
const onOff = (b: boolean) => (b ? "on" : "off");
/** Filters people use, tried first so "fits" names a familiar one when several fit. */
const COMMON_FILTERS = [0x33, 0x23, 0x3f, 0x7f, 0x37, 0x31, 0x13, 0x1ff, 0x0, 0x3, 0x1];

/**
 * What a core holds at each mapping's start, by mapping index (the last `PT_LOAD` in table order at
 * that address): one walk over mappings and loads, both in address order.
 */
function actualLoads(t: SmapsTable, loads: Rows<Segment>): ActualLoads {
  const emitted = new Uint8Array(t.length);
  const filesz = new Float64Array(t.length);
  const sorted = byAddress(loads), n = sorted.length;
  const ordered = t.ascending;
  // A load's address is decoded (a bigint made) on each read: each is read about once.
  const vaddr = (k: number) => (k < n ? sorted.at(k)!.vaddr : -1n);
  let j = 0, vj = vaddr(0);
  for (let i = 0; i < t.length; i++) {
    const start = t.start(i);
    if (!ordered) vj = vaddr(j = lowerBound(n, (k) => sorted.at(k)!.vaddr, start));
    else while (j < n && vj < start) vj = vaddr(++j);
    if (j >= n || vj !== start) continue;
    let k = j;
    while (vaddr(k + 1) === start) k++;
    emitted[i] = 1;
    filesz[i] = Number(sorted.at(k)!.filesz);
  }
  return { emitted, filesz };
}

/**
 * Resolves the settings of a kernel-vs-gdb pair (see the module doc).
 *
 * @param mappings parsed smaps of the process
 * @param kernelLoads the kernel core's PT_LOADs
 * @param gdbLoads the gcore's PT_LOADs
 * @param given what the caller gave
 * @returns the settings to use, with inferred ones and contradictions
 */
export function resolveSettings(
  mappings: SmapsTable | readonly SmapsMapping[],
  kernelLoads: Rows<Segment>,
  gdbLoads: Rows<Segment>,
  given: GivenSettings,
): ResolvedSettings {
  let profile = given.kernelProfile ?? "kernel";
  const inferred: InferredSetting[] = [];
  const contradictions: Contradiction[] = [];

  // Facts and views once; each try below is a few decisions per mapping, and a "does it fit at
  // all" try stops at its first misfit.
  const table = asTable(mappings);
  const fit = new SettingsFit(table);
  const kActual = actualLoads(table, kernelLoads);
  const gActual = actualLoads(table, gdbLoads);
  // The process filter: from the kernel core, whose choice depends on nothing else.
  const kMisfits = (f: number, p: KernelProfile, limit?: number) =>
    fit.misfits("kernel", kActual, f, {}, p, limit).length;
  const kFits = (f: number) => kMisfits(f, profile, 1) === 0;
  let filter = given.filter ?? DEFAULT_FILTER;
  let filterInferred = false;
  let base = kMisfits(filter, profile);
  if (base > 0 && !given.kernelProfileGiven) {
    // An older kernel's ELF-header rule (exec bit only, or magic only) before another filter.
    const other = KERNEL_PROFILES.find((p) => p !== profile && kMisfits(filter, p, 1) === 0);
    if (other) {
      inferred.push({
        setting: "kernelProfile",
        value: other,
        text: `the kernel core fits the ${other} rules, not the ${profile} ones (ELF-header rule)`,
      });
      profile = other;
      filterInferred = true;
      base = 0;
    }
  }
  if (base > 0) {
    // Every filter value when smaps is small enough; the common ones otherwise.
    const all = table.length <= 2000 ? Array.from({ length: 0x200 }, (_, i) => i) : [];
    const fitting = [...COMMON_FILTERS, ...all].find(kFits);
    // Bits no mapping of this process uses cannot be told apart: name the common alternatives.
    const also = COMMON_FILTERS.filter((f) => f !== fitting && kFits(f)).map(hex);
    const alsoText = also.length ? `; ${also.join(", ")} fit as well` : "";
    if (fitting !== undefined && fitting !== filter) {
      if (given.filter !== undefined) {
        contradictions.push({
          what: "filter",
          given: hex(given.filter),
          fits: hex(fitting),
          text: `the kernel core fits coredump_filter ${hex(fitting)}; you gave ${
            hex(given.filter)
          } (${base} mapping(s) do not fit it${alsoText}): explaining with ${hex(fitting)}`,
        });
      } else {
        inferred.push({
          setting: "filter",
          value: hex(fitting),
          text: `no coredump_filter given: the kernel core fits ${hex(fitting)}, not the default ${
            hex(DEFAULT_FILTER)
          }${alsoText}`,
        });
      }
      filter = fitting;
      filterInferred = true;
    }
  }

  // GDB's settings: from the gcore, under that filter.
  const gFit = (s: Required<GdbSettings>, limit?: number) =>
    fit.misfits("gdb", gActual, filter, s, profile, limit).map((i) => table.start(i));
  const wanted: Required<GdbSettings> = {
    useCoredumpFilter: given.gdbUseFilter ?? true,
    dumpExcludedMappings: given.gdbDumpExcluded ?? false,
  };
  const wantedMisfits = gFit(wanted);
  let gdb = wanted;
  let gdbInferred = false;
  if (wantedMisfits.length > 0) {
    const candidates: Required<GdbSettings>[] = [true, false].flatMap((u) =>
      [false, true].map((d) => ({ useCoredumpFilter: u, dumpExcludedMappings: d }))
    );
    const best = candidates
      .map((s) => ({ s, n: gFit(s, 1).length }))
      .filter((x) => x.n === 0) // only settings the whole gcore fits (a stale smaps fits none)
      .sort((x, y) => x.n - y.n)[0];
    if (best) {
      gdb = best.s;
      gdbInferred = true;
      const at = wantedMisfits.slice(0, 3).map((a) => hex(Number(a))).join(", ");
      const useText = gdb.useCoredumpFilter
        ? `GDB followed the process filter ${hex(filter)}`
        : `GDB followed its built-in ${hex(DEFAULT_FILTER)} while the process filter is ${
          hex(filter)
        }`;
      const exclText = gdb.dumpExcludedMappings
        ? "GDB saved VM_DONTDUMP (dd) mapping(s)"
        : "GDB skipped VM_DONTDUMP (dd) mapping(s)";
      for (
        const [name, value, givenValue, text] of [
          ["gdbUseFilter", gdb.useCoredumpFilter, given.gdbUseFilter, useText],
          ["gdbDumpExcluded", gdb.dumpExcludedMappings, given.gdbDumpExcluded, exclText],
        ] as const
      ) {
        if (
          value === wanted[name === "gdbUseFilter" ? "useCoredumpFilter" : "dumpExcludedMappings"]
        ) {
          continue;
        }
        const setting = name === "gdbUseFilter" ? "use-coredump-filter" : "dump-excluded-mappings";
        if (givenValue !== undefined) {
          contradictions.push({
            what: name,
            given: onOff(givenValue),
            fits: onOff(value),
            text: `the gcore fits ${setting} ${onOff(value)}; you gave ${
              onOff(givenValue)
            } (${text}; mappings at ${at})`,
          });
        } else {
          inferred.push({
            setting: name,
            value: onOff(value),
            text: `${setting} ${onOff(value)}: ${text} (mappings at ${at})`,
          });
        }
      }
    }
  }
  return {
    filter,
    gdb,
    kernelProfile: profile,
    gdbInferred,
    filterInferred,
    inferred,
    contradictions,
  };
}

/** What the explanations of a pair use, after resolving the settings. */
export interface PairSettings {
  /** Predictions per mapping (under the resolved settings), or none without smaps. */
  readonly predictions: PredictionLookup;
  /** The filter used, `0x…`, or null. */
  readonly filter: string | null;
  /** The settings used. */
  readonly settings: ProducerSettings;
  /** Which producer's predictions rest on inferred settings. */
  readonly certainty: { kernel?: "inferred"; gdb?: "inferred" };
  /** Settings not given that the pair shows. */
  readonly inferred?: InferredSetting[];
  /** Given settings the pair contradicts. */
  readonly contradictions?: Contradiction[];
  /** Warnings that no longer hold (the default filter was replaced by what the core fits). */
  readonly dropWarnings: readonly string[];
}

/**
 * Resolves the settings of a pair from the analysis context and the cores, and predicts under them
 * when they differ from the context's.
 *
 * @param context the analysis context (settings given or defaulted, predictions under them)
 * @param kernel the kernel core, when the pair is kernel-vs-gdb
 * @param gdb the gcore, when the pair is kernel-vs-gdb
 * @returns predictions, settings, certainty, inferred settings and contradictions
 */
export function pairSettings(
  context: AnalysisContext,
  kernel: CoreFile | undefined,
  gdb: CoreFile | undefined,
): PairSettings {
  const base: PairSettings = {
    predictions: context.prediction ? predictionLookup(context.prediction) : NO_PREDICTIONS,
    filter: context.filter === undefined ? null : hex(context.filter),
    settings: context.settings,
    certainty: {},
    dropWarnings: [],
  };
  if (!context.smaps || !kernel || !gdb) return base;
  const { given, settings } = context;
  const table = tableOf(context.smaps);
  const resolved = resolveSettings(table, kernel.loads, gdb.loads, {
    ...(given.filter && context.filter !== undefined ? { filter: context.filter } : {}),
    ...(given.gdbUseFilter ? { gdbUseFilter: settings.gdb.useCoredumpFilter } : {}),
    ...(given.gdbDumpExcluded ? { gdbDumpExcluded: settings.gdb.dumpExcludedMappings } : {}),
    kernelProfile: settings.kernelProfile,
    kernelProfileGiven: given.kernelProfile,
  });
  const same = resolved.kernelProfile === settings.kernelProfile &&
    resolved.filter === context.filter &&
    resolved.gdb.useCoredumpFilter === settings.gdb.useCoredumpFilter &&
    resolved.gdb.dumpExcludedMappings === settings.gdb.dumpExcludedMappings;
  const predictions = same ? base.predictions : predictionLookup(
    predict(table, resolved.filter, { kernelProfile: resolved.kernelProfile, gdb: resolved.gdb }),
  );
  return {
    predictions,
    filter: hex(resolved.filter),
    settings: { kernelProfile: resolved.kernelProfile, gdb: resolved.gdb },
    certainty: {
      ...(resolved.filterInferred ? { kernel: "inferred" as const } : {}),
      ...(resolved.filterInferred || resolved.gdbInferred ? { gdb: "inferred" as const } : {}),
    },
    ...(resolved.inferred.length ? { inferred: resolved.inferred } : {}),
    ...(resolved.contradictions.length ? { contradictions: resolved.contradictions } : {}),
    dropWarnings: resolved.filterInferred && !given.filter
      ? ["no coredump_filter given: predictions assume the default 0x33"]
      : [],
  };
}

const NO_PREDICTIONS: PredictionLookup = {
  length: 0,
  start: () => 0n,
  end: () => 0n,
  at: () => {
    throw new RangeError("no predictions");
  },
};

/**
 * Without smaps: the settings the cores alone show, from the inferred rules `explain.ts` applied.
 *
 * @param reasons every reason of the range differences
 * @returns the inferred settings (empty when none)
 */
export function settingsShownByCores(reasons: readonly Reason[]): InferredSetting[] {
  const texts = new Set(reasons.map((x) => x.text));
  const out: InferredSetting[] = [];
  if (texts.has(GDB_FILTER_INFERRED)) {
    out.push({
      setting: "gdbUseFilter",
      value: "off",
      text:
        "without smaps: the kernel core dumps file mappings whole that the gcore omits, as when GDB applies its built-in 0x33",
    });
  }
  if (texts.has(DUMP_EXCLUDED_INFERRED)) {
    out.push({
      setting: "gdbDumpExcluded",
      value: "on",
      text: "without smaps: the gcore holds written memory the kernel skipped as VM_DONTDUMP",
    });
  }
  return out;
}

/**
 * Whether a core holds a whole, written (non-zero), writable segment of no file: its filter has
 * anon-private set (evidence for the VM_DONTDUMP inference without smaps).
 *
 * @param d a digest
 * @returns true when such a segment exists
 */
export function dumpsWrittenAnon(d: CoreDigest): boolean {
  const named = new Set((d.core.files?.entries ?? []).map((e) => e.start));
  // Segments are in load order (found by index only in a digest that is not).
  let i = 0;
  for (const l of d.core.loads) {
    const k = i++;
    if ((l.flags & 2) === 0 || l.filesz === 0n || l.filesz !== l.memsz || named.has(l.vaddr)) {
      continue;
    }
    if (rowForIndex(d.segments, l.index, k)?.zero.some((z) => z === 0)) return true;
  }
  return false;
}
