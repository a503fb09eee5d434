/**
 * GDB's per-mapping `gcore` decision (`gdb/linux-tdep.c: linux_find_memory_regions_full`,
 * `dump_mapping_p`; spec dump-policies §2.4, decision table §2.11), the same in G10–G17.
 *
 * GDB dumps whole mappings or nothing: no page-sized segments, no zero-size segments.
 *
 * @module
 */

import type { GdbClass, GdbView } from "../smaps/classify.ts";
import type { SmapsMapping } from "../smaps/parse.ts";
import type { MappingFacts } from "./facts.ts";
import { DEFAULT_FILTER, type FilterBitName, hasBit } from "./filter.ts";

/** GDB settings that change the selection (§2.9). */
export interface GdbSettings {
  /** `set use-coredump-filter` (default on); off means "use 0x33", not "dump everything". */
  readonly useCoredumpFilter?: boolean;
  /** `set dump-excluded-mappings` (default off); on ignores `dd`. `gcore -a` = filter off + this on. */
  readonly dumpExcludedMappings?: boolean;
}

/** Stable codes of the GDB rule that decided a mapping. */
export type GdbReason =
  | "gdb.no-anonymous-field"
  | "gdb.vdso-vsyscall"
  | "gdb.io"
  | "gdb.dontdump"
  | "gdb.hugetlb"
  | "gdb.anon-private"
  | "gdb.anon-shared"
  | "gdb.file-private"
  | "gdb.file-shared"
  | "gdb.deleted-name-is-anonymous"
  | "gdb.whole-mapping-elf"
  | "gdb.not-selected";

/** A GDB decision for one mapping under fixed facts. */
export interface GdbDecision {
  /** Whether a `load` section / PT_LOAD is written (always the whole mapping). */
  readonly dump: boolean;
  /** The deciding rule. */
  readonly reason: GdbReason;
  /** One line for people. */
  readonly text: string;
}

/**
 * The filter GDB uses: the process's own when `use-coredump-filter` is on, else its built-in 0x33.
 *
 * @param filter the process's `coredump_filter`
 * @param settings GDB settings
 * @returns the effective filter
 */
export function gdbEffectiveFilter(filter: number, settings: GdbSettings = {}): number {
  return settings.useCoredumpFilter === false ? DEFAULT_FILTER : filter;
}

/**
 * Decides whether `gcore` dumps one mapping (G10–G17).
 *
 * @param m the mapping
 * @param view GDB's view of it (from `gdbView`)
 * @param facts the facts (only `elfMagic` is used: rule D4 reads the first 4 bytes)
 * @param filter the effective filter (see {@link gdbEffectiveFilter})
 * @param settings GDB settings
 * @returns the decision
 */
export function decideGdb(
  m: SmapsMapping,
  view: GdbView,
  facts: MappingFacts,
  filter: number,
  settings: GdbSettings = {},
): GdbDecision {
  const fixed = decideFixed(view, filter, settings);
  if (fixed) return fixed;
  const real = decideByClass(m, view, facts, filter);
  if (view.nameRule === "deleted") {
    // Would the mapping be treated differently if " (deleted)" did not make it anonymous?
    const asFile: GdbView = { ...view, nameRule: null, class: view.anonPages ? "both" : "file" };
    const alt = decideByClass(m, asFile, facts, filter);
    if (alt.dump !== real.dump) {
      return {
        dump: real.dump,
        reason: "gdb.deleted-name-is-anonymous",
        text: `Name ends in " (deleted)", so GDB takes it as anonymous: ${real.text}`,
      };
    }
  }
  return real;
}

/** Rules D0–D2d, which do not depend on the anonymous/file class. */
function decideFixed(
  view: GdbView,
  filter: number,
  settings: GdbSettings,
): GdbDecision | undefined {
  if (!view.hasAnonymousField) {
    return {
      dump: true,
      reason: "gdb.no-anonymous-field",
      text: "No Anonymous: field (maps or a pre-2.6.34 kernel): GDB dumps every mapping",
    };
  }
  if (view.alwaysDump) {
    return { dump: true, reason: "gdb.vdso-vsyscall", text: "[vdso]/[vsyscall]: always dumped" };
  }
  if (view.flagsKnown && view.io) {
    return { dump: false, reason: "gdb.io", text: "VM_IO (io): never dumped" };
  }
  if (view.flagsKnown && view.dontDump && !settings.dumpExcludedMappings) {
    return {
      dump: false,
      reason: "gdb.dontdump",
      text: "VM_DONTDUMP (dd) and dump-excluded-mappings off: not dumped",
    };
  }
  if (view.flagsKnown && view.hugetlb) {
    const bit: FilterBitName = view.private ? "hugetlb-private" : "hugetlb-shared";
    const on = hasBit(filter, bit);
    return {
      dump: on,
      reason: "gdb.hugetlb",
      text: `hugetlb mapping: ${bit} is ${on ? "set" : "clear"}`,
    };
  }
  return undefined;
}

/** Rules D3–D5: class against filter bits, then the ELF-magic rule. */
function decideByClass(
  m: SmapsMapping,
  view: GdbView,
  facts: MappingFacts,
  filter: number,
): GdbDecision {
  const priv = view.private;
  const anonBit: FilterBitName = priv ? "anon-private" : "anon-shared";
  const fileBit: FilterBitName = priv ? "mapped-private" : "mapped-shared";
  const cls: GdbClass = view.class;
  const anonOn = cls !== "file" && hasBit(filter, anonBit);
  const fileOn = cls !== "anon" && hasBit(filter, fileBit);
  const kind = priv ? "private" : "shared";
  const clsText = cls === "both" ? "anonymous and file" : cls === "anon" ? "anonymous" : "file";
  if (anonOn) {
    return {
      dump: true,
      reason: priv ? "gdb.anon-private" : "gdb.anon-shared",
      text: `${kind}, ${clsText} to GDB: ${anonBit} is set`,
    };
  }
  if (fileOn) {
    return {
      dump: true,
      reason: priv ? "gdb.file-private" : "gdb.file-shared",
      text: `${kind}, ${clsText} to GDB: ${fileBit} is set`,
    };
  }
  if (priv && m.offset === 0n && hasBit(filter, "elf-headers") && facts.elfMagic.value) {
    return {
      dump: true,
      reason: "gdb.whole-mapping-elf",
      text: "elf-headers: private, offset 0, memory starts with \\x7fELF: whole mapping",
    };
  }
  const bits = cls === "both" ? `${anonBit} and ${fileBit}` : cls === "anon" ? anonBit : fileBit;
  return {
    dump: false,
    reason: "gdb.not-selected",
    text: `${kind}, ${clsText} to GDB: ${bits} clear${
      priv && m.offset === 0n && hasBit(filter, "elf-headers") ? ", no \\x7fELF magic" : ""
    }`,
  };
}
