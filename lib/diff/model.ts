/**
 * The diff report model: one plain, JSON-able structure that every renderer (text, JSON, Markdown,
 * JUnit, HTML) is a pure function of. Addresses are bigints in the model and `"0x…"` strings in JSON.
 *
 * @module
 */

import type { Module } from "../digest/modules.ts";
import type { ReasonCode } from "./reasons.ts";

/** Version of the report shape (bump on any incompatible change). */
export const REPORT_SCHEMA_VERSION = 1;

/** What the two cores are expected to be. */
export type Expectation = "kernel-vs-gdb" | "identical" | "same-program";

/** How sure an explanation is. */
export type Certainty = "predicted" | "inferred" | "known";

/** The context a report was made in (echoed so a reader knows what the explanations assumed). */
export interface ReportContext {
  /** Whether an smaps was applied (supplied, and its mappings match both cores). */
  readonly smaps: boolean;
  /** The filter used for predictions (`0x…`), or null. */
  readonly filter: string | null;
  /** The producers' settings, with the same names as `predict`'s options. */
  readonly settings: {
    /** Kernel rule set. */
    readonly kernelProfile: string;
    /** GDB `use-coredump-filter`. */
    readonly gdbUseFilter: boolean;
    /** GDB `dump-excluded-mappings`. */
    readonly gdbDumpExcluded: boolean;
  };
  /** Settings not given that the pair shows (used, with certainty `inferred`). */
  readonly inferred?: readonly InferredSetting[];
  /** Given settings the cores contradict (the explanations use what the cores fit). */
  readonly contradictions?: readonly Contradiction[];
  /** What the reader should know. */
  readonly warnings: readonly string[];
}

/** One reason a difference exists. */
export interface Reason {
  /** Stable code from the closed vocabulary (`REASONS` in `reasons.ts`, `docs/reason-codes.md`). */
  readonly code: ReasonCode;
  /** One line for people. */
  readonly text: string;
  /** `predicted` (from smaps + filter through the policy engine), `inferred` (from the cores alone), `known` (a rule that always holds). */
  readonly certainty: Certainty;
}

/** Kinds of differences. */
export type DifferenceKind =
  | "presence"
  | "dumped-size"
  | "flags"
  | "content"
  | "truncated"
  | "note"
  | "module";

/** One difference with its explanation. */
export interface Difference {
  /** What differs. */
  readonly kind: DifferenceKind;
  /** One line saying what differs. */
  readonly text: string;
  /** Why (empty only when unexplained). */
  readonly reasons: readonly Reason[];
  /** True when explained and expected under the report's expectation. */
  readonly expected: boolean;
  /** True when no rule explains it. */
  readonly unexplained: boolean;
  /**
   * What the producers' rules predicted, when smaps and filter gave a prediction that the cores
   * do not match (unexplained size and presence differences); `text` says what was seen.
   */
  readonly predicted?: string;
}

/** One side of an aligned address range. */
export interface RangeSide {
  /** Whether a PT_LOAD covers the range. */
  readonly present: boolean;
  /** Program header index. */
  readonly index?: number;
  /** `p_flags` of that PT_LOAD. */
  readonly flags?: number;
  /** Bytes of the range saved in the file (covered by `p_filesz`). */
  readonly saved: bigint;
  /** The segment's `p_vaddr`, `p_filesz`, `p_memsz` (the whole segment, not just this range). */
  readonly segment?: { readonly vaddr: bigint; readonly filesz: bigint; readonly memsz: bigint };
}

/** Page comparison counts over a range. */
export interface PageTally {
  /** Saved in both, same hash. */
  same: number;
  /** Saved in both, different hash. */
  different: number;
  /** All-zero saved page in one, unsaved or absent in the other. */
  zeroVsMissing: number;
  /** Non-zero saved page in A, unsaved or absent in B. */
  onlyA: number;
  /** Non-zero saved page in B, unsaved or absent in A. */
  onlyB: number;
  /** Saved in neither. */
  neither: number;
  /** Missing from a truncated file. */
  truncated: number;
}

/** A run of consecutive differing pages. */
export interface PageRun {
  /** First address. */
  readonly start: bigint;
  /** End address (exclusive). */
  readonly end: bigint;
  /** Pages in the run. */
  readonly pages: number;
}

/**
 * Most cells of a {@link PageMap}: a range's page picture is capped, so huge ranges stay small.
 */
export const PAGE_MAP_CELLS = 64;

/**
 * Page classes of a {@link PageMap} cell, worst first: a cell shows the worst class among its
 * pages. `d` content differs, `t` missing from a truncated file, `a` saved (non-zero) only in A,
 * `b` only in B, `z` all-zero page in one and unsaved in the other, `s` same, `n` saved in neither.
 */
export const PAGE_CLASSES = "dtabzsn";

/**
 * Every page of a range, bucketed: cell `i` covers pages `[i*bucket, (i+1)*bucket)` from the
 * range's first page and holds the worst {@link PAGE_CLASSES} letter among them.
 */
export interface PageMap {
  /** Pages per cell (1 when the range has at most {@link PAGE_MAP_CELLS} pages). */
  readonly bucket: number;
  /** One letter of {@link PAGE_CLASSES} per cell. */
  readonly cells: string;
}

/** Overall status of a range, for tables and the address-space picture. */
export type RangeStatus =
  | "same"
  | "differs"
  | "only-a"
  | "only-b"
  | "not-dumped"
  | "size-differs"
  | "flags-differ"
  | "truncated";

/** One maximal address range covered by the same pair of segments. */
export interface RangeDiff {
  /** Start address. */
  readonly start: bigint;
  /** End address (exclusive). */
  readonly end: bigint;
  /** Mapping name (smaps, else NT_FILE of either core, else empty). */
  readonly name: string;
  /** Side A. */
  readonly a: RangeSide;
  /** Side B. */
  readonly b: RangeSide;
  /** Status. */
  readonly status: RangeStatus;
  /** Page comparison counts. */
  readonly pages: PageTally;
  /** The first differing-page runs (content differences only). */
  readonly runs: readonly PageRun[];
  /** Total number of differing-page runs. */
  readonly runsTotal: number;
  /** Every page, bucketed to at most {@link PAGE_MAP_CELLS} cells (absent in older reports). */
  readonly pageMap?: PageMap;
  /** Differences found in this range. */
  readonly differences: readonly Difference[];
}

/** Consecutive ranges equal in both cores, counted instead of listed. */
export interface CollapsedRun {
  /** Start of the first range. */
  readonly start: bigint;
  /** End of the last range (exclusive). */
  readonly end: bigint;
  /** Ranges in the run. */
  readonly ranges: number;
  /** Pages the same in both cores over the run. */
  readonly pages: number;
  /** Index in `ranges` of the first listed range after the run (`ranges.length` at the end). */
  readonly before: number;
}

/** Resident-memory estimate of one core, from its saved pages. */
export interface MemoryEstimate {
  /** Saved pages with non-zero content (resident for certain). */
  readonly nonZeroPages: number;
  /** Saved all-zero pages (kernel: holes or zero pages; gcore: written zeros). */
  readonly zeroPages: number;
  /** Pages of mappings not saved at all. */
  readonly unsavedPages: number;
  /** Lower and upper estimate of resident bytes. */
  readonly residentBytes: { readonly min: bigint; readonly max: bigint };
}

/** Facts about one input core. */
export interface CoreSummary {
  /** Label (file name or id). */
  readonly label: string;
  /** `kernel`, `gdb` or `unknown`. */
  readonly producer: string;
  /** Size in bytes. */
  readonly size: number;
  /** XXH3-64 of the file. */
  readonly fileHash: bigint;
  /** PT_LOAD count. */
  readonly loads: number;
  /** Threads. */
  readonly threads: number;
  /** The process, from `NT_PRPSINFO` (`pr_pid`, `pr_fname`), when the core has one. */
  readonly process?: { readonly pid: number; readonly name: string };
  /** True when the file was cut short. */
  readonly truncated: boolean;
  /** What the cut removed, when the file was cut short. */
  readonly truncation?: Truncation;
  /** Resident-memory estimate. */
  readonly memory: MemoryEstimate;
  /** ELF modules with build-ids read from the core (absent for digests made before module lists). */
  readonly modules?: readonly Module[];
}

/** What a truncated core lost (RLIMIT_CORE or a cut copy). */
export interface Truncation {
  /** Bytes in the file. */
  readonly fileSize: number;
  /** Bytes its headers describe. */
  readonly expectedSize: number;
  /** `expectedSize - fileSize`. */
  readonly missingBytes: number;
  /** Memory pages its PT_LOADs describe that are not in the file. */
  readonly missingPages: number;
  /** The cut falls inside the notes (later threads and notes are lost). */
  readonly cutInNotes: boolean;
  /** The file ends on a whole kernel write unit: the core size limit (RLIMIT_CORE) cut it. */
  readonly byCoreLimit: boolean;
  /** One line for people. */
  readonly text: string;
}

/** A setting the pair itself shows, used because none was given. */
export interface InferredSetting {
  /** `gdbUseFilter`, `gdbDumpExcluded` or `filter`. */
  readonly setting: string;
  /** The value inferred (`on`, `off`, `0x33`). */
  readonly value: string;
  /** The evidence. */
  readonly text: string;
}

/** A given setting the cores contradict. */
export interface Contradiction {
  /** The setting (`filter`, `gdbUseFilter`, `gdbDumpExcluded`). */
  readonly what: string;
  /** What was given. */
  readonly given: string;
  /** What the cores fit. */
  readonly fits: string;
  /** One line for people, e.g. "the cores fit 0x33; you gave 0x7f". */
  readonly text: string;
}

/** A file a debugger needs to open the core (from NT_FILE). */
export interface NeededFile {
  /** Path as recorded. */
  readonly path: string;
  /** Lowest mapped address. */
  readonly start: bigint;
  /** Whether the first page of the offset-0 mapping is in core A (build-id lookup). */
  readonly headerInA: boolean;
  /** The same for core B. */
  readonly headerInB: boolean;
}

/** One fact compared to decide how two cores are related. */
export interface IdentityEvidence {
  /** What was compared: `pid`, `threads`, `executable`, `command`, an auxv entry, `NT_FILE`. */
  readonly field: string;
  /** Its value in A, as text. */
  readonly a: string;
  /** Its value in B, as text. */
  readonly b: string;
  /** Whether the two agree. */
  readonly same: boolean;
}

/** How the two cores are related, decided before any range is compared. */
export interface Identity {
  /** Same process, same program (another process or run), different programs, or unknown. */
  readonly relation: "same-process" | "same-program" | "different-program" | "unknown";
  /** `identity.different-process`, `identity.different-run` or `identity.different-program`. */
  readonly code?: ReasonCode;
  /** One line for people. */
  readonly text: string;
  /** The facts behind it. */
  readonly evidence: readonly IdentityEvidence[];
}

/** One mapping of run A paired with its counterpart in run B (expectation same-program). */
export interface AlignedMapping {
  /** Address range in A. */
  readonly a: { readonly start: bigint; readonly end: bigint };
  /** Address range in B. */
  readonly b: { readonly start: bigint; readonly end: bigint };
  /** `b.start - a.start` (signed; `"-0x…"` in JSON). */
  readonly shift: bigint;
  /** Path (with file offset), special name or `anon`. */
  readonly name: string;
  /** How the pair was found: by NT_FILE path and offset, by special name, or by neighbours. */
  readonly kind: "file" | "special" | "anon";
  /** Whether either side is writable. */
  readonly writable: boolean;
  /** Saved pages, non-zero (resident) saved pages, and pages compared. */
  readonly pages: {
    readonly savedA: number;
    readonly savedB: number;
    readonly residentA: number;
    readonly residentB: number;
    readonly same: number;
    readonly different: number;
  };
}

/** The whole report. */
export interface DiffReport {
  /** {@link REPORT_SCHEMA_VERSION}. */
  readonly schemaVersion: number;
  /** `pass` when every difference is expected. */
  readonly verdict: "pass" | "fail";
  /** The expectation applied. */
  readonly expectation: Expectation;
  /** How A and B are related (decided first; a mismatch fails same-process expectations). */
  readonly identity?: Identity;
  /** The first input. */
  readonly a: CoreSummary;
  /** The second input. */
  readonly b: CoreSummary;
  /** What the analysis used: whether smaps was supplied, the filter (hex), the producers' settings. */
  readonly context: ReportContext;
  /** Counts. */
  readonly summary: {
    readonly ranges: number;
    readonly differences: number;
    readonly expected: number;
    readonly unexpected: number;
    readonly unexplained: number;
    readonly byStatus: Readonly<Record<string, number>>;
  };
  /**
   * Aligned ranges in address order. By default ranges equal in both cores (status `same`, no
   * difference) are not listed here but counted in {@link DiffReport.collapsed}; a report made with
   * all ranges (`collapseRanges` not applied, CLI `--all-ranges`, API `GET /v1/reports/{id}/ranges`)
   * lists every one.
   */
  readonly ranges: readonly RangeDiff[];
  /**
   * Runs of consecutive ranges equal in both cores, each standing where it lies between the listed
   * ranges (absent when nothing was collapsed).
   */
  readonly collapsed?: readonly CollapsedRun[];
  /** Note differences (threads, registers, signal, process, auxv, NT_FILE) and module differences. */
  readonly notes: readonly Difference[];
  /** Files a debugger needs, from NT_FILE. */
  readonly files: readonly NeededFile[];
  /** Expectation same-program: every mapping pair with its address shift. */
  readonly alignment?: readonly AlignedMapping[];
}
