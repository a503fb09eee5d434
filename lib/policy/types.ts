/**
 * Types of the dump-policy predictions (`predict`'s options and result). Addresses and offsets are
 * bigints, as everywhere in lib (renderers write them as `0x…` strings); sizes are numbers of bytes;
 * `schemaVersion` is 1.
 *
 * @module
 */

import type { Producer } from "../elf/producer.ts";
import type { GdbClass, KernelClass } from "../smaps/classify.ts";
import type { VmStatus } from "../smaps/status.ts";
import type { FactCertainty, FactName, MappingHints } from "./facts.ts";
import type { FilterBitName } from "./filter.ts";
import type { GdbReason, GdbSettings } from "./gdb.ts";
import type { KernelProfile, KernelReason, PageEstimate } from "./kernel.ts";

export type { Producer } from "../elf/producer.ts";

/** Any reason code. */
export type PolicyReason = KernelReason | GdbReason;

/** Options of `predict`. */
export interface PredictOptions {
  /** Producers to predict (default both). */
  readonly producers?: readonly Producer[];
  /** Kernel rule set (default `kernel`, K≥5.18). */
  readonly kernelProfile?: KernelProfile;
  /** GDB settings (default: use the filter, do not dump excluded mappings). */
  readonly gdb?: GdbSettings;
  /** What the caller knows beyond smaps, by mapping start address. */
  readonly hints?: ReadonlyMap<bigint, MappingHints>;
  /** Pathname of the main executable (default: guessed from the `[heap]` neighbourhood). */
  readonly executable?: string;
  /** Page size (default 4096). */
  readonly pageSize?: number;
}

/** One possible result for one producer under some values of the unknown facts. */
export interface Outcome {
  /** Whether a `PT_LOAD` is written for the mapping. */
  readonly emitted: boolean;
  /** Its `p_filesz` (0 when not emitted). */
  readonly p_filesz: number;
  /** The deciding rule. */
  readonly reason: PolicyReason;
  /** One line for people. */
  readonly text: string;
  /** The unknown facts' values that give this outcome. */
  readonly when: Readonly<Partial<Record<FactName, boolean>>>;
}

/** Stable codes of assumptions: one per fact smaps cannot show. */
export type AssumptionCode =
  | "anon-vma-unknown"
  | "nlink-unknown"
  | "exec-bit-unknown"
  | "elf-magic-unknown"
  | "vm-shared-unknown";

/** A prediction that depends on facts smaps cannot show. */
export interface Assumption {
  /** The code of the first fact involved. */
  readonly assumption: AssumptionCode;
  /** Every unknown fact that changes the result. */
  readonly facts: readonly FactName[];
  /** What is unknown and why. */
  readonly text: string;
  /** Every possible outcome; the first is the predicted one. */
  readonly outcomes: readonly Outcome[];
}

/** One producer's prediction for one mapping. */
export interface ProducerPrediction {
  /** Whether a `PT_LOAD` is written (kernel: always; GDB: only when dumped). */
  readonly emitted: boolean;
  /** Predicted `p_filesz`. */
  readonly p_filesz: number;
  /** `p_memsz` (the mapping size when emitted, else 0). */
  readonly p_memsz: number;
  /** `whole`, `page` (kernel ELF-header rule) or `none`. */
  readonly dump: "whole" | "page" | "none";
  /** `p_flags` (`PF_R` 4, `PF_W` 2, `PF_X` 1); 0 when not emitted. */
  readonly p_flags: number;
  /** `p_flags` as `readelf -l` prints it (`R E`, `RW `). */
  readonly flags: string;
  /** The deciding rule. */
  readonly reason: PolicyReason;
  /** One line for people. */
  readonly text: string;
  /** The producer's class of the mapping. */
  readonly class: KernelClass | GdbClass;
  /** Set when the result depends on unknown facts. */
  readonly assumption: Assumption | null;
  /** Kernel only, when data is dumped: expected holes vs written pages. */
  readonly pages?: PageEstimate;
}

/** A fact that was not read from smaps but matters for a decision. */
export interface Inference {
  /** The fact. */
  readonly fact: FactName;
  /** Its value (best guess when unknown). */
  readonly value: boolean;
  /** `inferred`, `unknown` or `hint`. */
  readonly certainty: FactCertainty;
  /** Why. */
  readonly basis: string;
}

/** Stable codes of kernel-vs-GDB differences for one mapping. */
export type PredictedDifferenceCode =
  | "gdb.omits-empty-segment"
  | "kernel-only"
  | "gdb-only"
  | "size-differs"
  | "flags-differ";

/** One kernel-vs-GDB difference. */
export interface PredictedDifference {
  /** Stable code. */
  readonly code: PredictedDifferenceCode;
  /** One line for people. */
  readonly text: string;
}

/** Predictions for one mapping. */
export interface MappingPrediction {
  /** 1-based line of the mapping's header in the smaps text. */
  readonly line: number;
  /** Start address. */
  readonly start: bigint;
  /** End address. */
  readonly end: bigint;
  /** Size in bytes. */
  readonly size: number;
  /** Permissions as printed. */
  readonly perms: string;
  /** File offset. */
  readonly offset: bigint;
  /** Name as printed. */
  readonly name: string;
  /** Kernel prediction (absent when not requested). */
  readonly kernel?: ProducerPrediction;
  /** GDB prediction (absent when not requested). */
  readonly gdb?: ProducerPrediction;
  /** Facts guessed or unknown that matter here. */
  readonly inferences: readonly Inference[];
  /** Differences between the two producers (both requested only). */
  readonly differences: readonly PredictedDifference[];
}

/** Whole-core figures for one producer. */
export interface ProducerTotals {
  /** `PT_LOAD` count. */
  readonly loadSegments: number;
  /** Program headers: loads + one `PT_NOTE`. */
  readonly phnum: number;
  /** More than 0xfffe program headers: `e_phnum` becomes `PN_XNUM`. */
  readonly pnXnum: boolean;
  /** Sum of predicted `p_filesz`. */
  readonly memoryBytes: number;
  /** Smallest possible sum over all stated outcomes. */
  readonly memoryBytesMin: number;
  /** Largest possible sum over all stated outcomes. */
  readonly memoryBytesMax: number;
  /** ELF header + program headers (+ GDB's section headers); notes are not included. */
  readonly headerBytes: number;
  /** Kernel only: estimated hole pages (sparse file, not allocated). */
  readonly holePages?: number;
  /** Mappings whose prediction carries an assumption. */
  readonly uncertainMappings: number;
}

/** The result of `predict`. */
export interface PredictResult {
  /** Version of this shape. */
  readonly schemaVersion: 1;
  /** The process filter, `0x…`. */
  readonly filter: string;
  /** Names of its set bits. */
  readonly filterBits: readonly FilterBitName[];
  /** Producers predicted. */
  readonly producers: readonly Producer[];
  /** Kernel rule set used. */
  readonly kernelProfile: KernelProfile;
  /** GDB settings used and the filter GDB applies. */
  readonly gdb: {
    readonly useCoredumpFilter: boolean;
    readonly dumpExcludedMappings: boolean;
    readonly effectiveFilter: string;
  };
  /** Executable pathname used by the inferences, or `null`. */
  readonly executable: string | null;
  /** Per-mapping predictions in address order. */
  readonly mappings: readonly MappingPrediction[];
  /** Per-producer totals. */
  readonly totals: { readonly kernel?: ProducerTotals; readonly gdb?: ProducerTotals };
  /** `/proc/PID/status` memory figures recomputed from smaps, in bytes. */
  readonly status: VmStatus;
  /** Warnings about the input. */
  readonly warnings: readonly string[];
}
