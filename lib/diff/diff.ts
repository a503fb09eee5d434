/**
 * `diffDigests`: every difference between two cores (or digests) of the same process, at segment and
 * page level, with reasons and a parity verdict for CI.
 *
 * @module
 */

import type { CoreDigest } from "../digest/model.ts";
import { pageCounts, pagesOf } from "../digest/model.ts";
import type { CoreFile } from "../elf/core.ts";
import { OptionError } from "../errors.ts";
import { DEFAULT_FILTER, parseFilter } from "../policy/filter.ts";
import { KERNEL_PROFILES, type KernelProfile } from "../policy/kernel.ts";
import { type MappingPrediction, predict } from "../policy/predict.ts";
import { parseSmaps } from "../smaps/parse.ts";
import { alignSegments, comparePages, rangeSide } from "./align.ts";
import {
  DUMP_EXCLUDED_INFERRED,
  explainRange,
  GDB_FILTER_INFERRED,
  type Roles,
} from "./explain.ts";
import type {
  Contradiction,
  CoreSummary,
  DiffReport,
  Expectation,
  InferredSetting,
  MemoryEstimate,
  NeededFile,
  RangeDiff,
  RangeStatus,
} from "./model.ts";
import { REPORT_SCHEMA_VERSION } from "./model.ts";
import { diffNotes } from "./notes.ts";
import { resolveSettings } from "./settings.ts";
import { truncationOf } from "./truncation.ts";

/** Options of {@link diffDigests}. */
export interface DiffOptions {
  /** `/proc/PID/smaps` (or `maps`) text of the process, for predicted explanations. */
  readonly smaps?: string;
  /** `coredump_filter` of the process (any form `parseFilter` accepts); default 0x33 with smaps. */
  readonly filter?: string;
  /** `auto` (default): kernel-vs-gdb when the producers differ, identical otherwise. */
  readonly expect?: "auto" | Expectation;
  /** Labels of the inputs (file names or ids). */
  readonly labels?: { readonly a: string; readonly b: string };
  /** Differing-page runs listed per range (default 16). */
  readonly maxRuns?: number;
  /** GDB `use-coredump-filter` (as `predict`; default on; inferred from the pair when not given). */
  readonly gdbUseFilter?: boolean;
  /** GDB `dump-excluded-mappings` (as `predict`; default off; inferred when not given). */
  readonly gdbDumpExcluded?: boolean;
  /** Kernel rule set (as `predict`; default `kernel`). */
  readonly kernelProfile?: KernelProfile;
}

const PAGE = 4096n;

/**
 * A lookup for queries at non-decreasing addresses: the first item (by start) that covers the
 * address. One pass over the items in all, so aligning 70,000 VMAs stays linear.
 */
function coverSweep<T extends { readonly start: bigint; readonly end: bigint }>(
  items: readonly T[],
): (addr: bigint) => T | undefined {
  const sorted = [...items].sort((x, y) => (x.start < y.start ? -1 : x.start > y.start ? 1 : 0));
  let i = 0;
  return (addr) => {
    while (i < sorted.length && sorted[i]!.end <= addr) i++;
    const item = sorted[i];
    return item && item.start <= addr ? item : undefined;
  };
}

function memoryOf(d: CoreDigest): MemoryEstimate {
  let nonZero = 0, zero = 0, unsaved = 0;
  const loads = new Map(d.core.loads.map((l) => [l.index, l]));
  d.segments.forEach((s) => {
    const load = loads.get(s.index)!;
    const c = pageCounts(s, load.filesz, load.memsz);
    zero += c.zero;
    nonZero += c.hashed - c.zero;
    unsaved += c.unsaved;
  });
  return {
    nonZeroPages: nonZero,
    zeroPages: zero,
    unsavedPages: unsaved,
    residentBytes: { min: BigInt(nonZero) * PAGE, max: BigInt(nonZero + zero) * PAGE },
  };
}

function summary(d: CoreDigest, label: string): CoreSummary {
  const truncation = truncationOf(d.core);
  return {
    ...(truncation ? { truncation } : {}),
    label,
    producer: d.core.producer.producer,
    size: d.size,
    fileHash: d.fileHash,
    loads: d.core.loads.length,
    threads: d.core.threads.length,
    truncated: d.core.truncated,
    memory: memoryOf(d),
  };
}

/** Whether a core holds a whole, written (non-zero), writable segment of no file: anon-private is set. */
function dumpsWrittenAnon(d: CoreDigest): boolean {
  const named = new Set((d.core.files?.entries ?? []).map((e) => e.start));
  const pages = new Map(d.segments.map((s) => [s.index, s]));
  return d.core.loads.some((l) =>
    (l.flags & 2) !== 0 && l.filesz > 0n && l.filesz === l.memsz && !named.has(l.vaddr) &&
    (pages.get(l.index)?.zero.some((z) => z === 0) ?? false)
  );
}

function neededFiles(a: CoreFile, b: CoreFile): NeededFile[] {
  const byPath = new Map<string, NeededFile>();
  const headerPages = (c: CoreFile) =>
    new Set(c.loads.filter((l) => l.filesz >= PAGE && !l.truncated).map((l) => l.vaddr));
  const inA = headerPages(a), inB = headerPages(b);
  for (const c of [a, b]) {
    for (const e of c.files?.entries ?? []) {
      const prev = byPath.get(e.name);
      const start = prev && prev.start < e.start ? prev.start : e.start;
      const atZero = e.offset === 0n;
      byPath.set(e.name, {
        path: e.name,
        start,
        headerInA: (prev?.headerInA ?? false) || (atZero && inA.has(e.start)),
        headerInB: (prev?.headerInB ?? false) || (atZero && inB.has(e.start)),
      });
    }
  }
  return [...byPath.values()].sort((x, y) => (x.start < y.start ? -1 : x.start > y.start ? 1 : 0));
}

function statusOf(
  r: RangeDiff["a"],
  s: RangeDiff["b"],
  different: number,
  truncated: number,
): RangeStatus {
  if (r.saved === 0n && s.saved === 0n) return "not-dumped";
  if (truncated > 0) return "truncated";
  if (!s.present) return "only-a";
  if (!r.present) return "only-b";
  if (different > 0) return "differs";
  if (r.saved !== s.saved) return "size-differs";
  if (r.flags !== s.flags) return "flags-differ";
  return "same";
}

function rolesOf(a: CoreFile, b: CoreFile): Roles {
  const pa = a.producer.producer, pb = b.producer.producer;
  if (pa === "kernel" && pb === "gdb") return { kernel: "a", gdb: "b" };
  if (pa === "gdb" && pb === "kernel") return { kernel: "b", gdb: "a" };
  return {};
}

/**
 * Compares two digests of cores of the same process.
 *
 * @example
 * ```ts ignore
 * const report = diffDigests(kernelDigest, gcoreDigest, { smaps, filter: "0x33" });
 * if (report.verdict === "fail") Deno.exit(1);
 * ```
 */
export function diffDigests(a: CoreDigest, b: CoreDigest, options: DiffOptions = {}): DiffReport {
  const roles = rolesOf(a.core, b.core);
  const expect = options.expect ?? "auto";
  if (!["auto", "kernel-vs-gdb", "identical"].includes(expect)) {
    throw new OptionError(
      "expect",
      `Unknown expectation ${JSON.stringify(expect)}; use auto, kernel-vs-gdb or identical`,
    );
  }
  const expectation: Expectation = expect === "auto"
    ? (roles.kernel ? "kernel-vs-gdb" : "identical")
    : expect;
  const warnings: string[] = [];
  if (a.kernelSha256 !== b.kernelSha256) {
    throw new OptionError(
      "digest",
      "The two digests were made by different page-hash kernels; re-digest one of them",
    );
  }
  if (expectation === "kernel-vs-gdb" && !roles.kernel) {
    warnings.push(
      `expectation kernel-vs-gdb, but the producers are ${a.core.producer.producer} and ${b.core.producer.producer}; producer rules cannot be applied`,
    );
  }

  const kernelProfile = options.kernelProfile ?? "kernel";
  if (!KERNEL_PROFILES.includes(kernelProfile)) {
    throw new OptionError(
      "kernelProfile",
      `Unknown kernel profile ${JSON.stringify(kernelProfile)}; use ${KERNEL_PROFILES.join(", ")}`,
    );
  }
  let predictions: { start: bigint; end: bigint; p: MappingPrediction }[] = [];
  let filterHex: string | null = null;
  let names: { start: bigint; end: bigint; name: string }[] = [];
  let gdbUseFilter = options.gdbUseFilter ?? true;
  let gdbDumpExcluded = options.gdbDumpExcluded ?? false;
  let certainty: { kernel?: "inferred"; gdb?: "inferred" } = {};
  const settingsContext: {
    inferred?: InferredSetting[];
    contradictions?: Contradiction[];
  } = {};
  if (options.smaps !== undefined) {
    const doc = parseSmaps(options.smaps);
    const given = options.filter !== undefined ? parseFilter(options.filter).value : undefined;
    let filter = given ?? DEFAULT_FILTER;
    if (roles.kernel && roles.gdb) {
      // Given settings the cores contradict, and settings not given that the pair shows.
      const loads = (c: CoreFile) => new Map(c.loads.map((l) => [l.vaddr, l]));
      const side = (x: "a" | "b") => (x === "a" ? a.core : b.core);
      const resolved = resolveSettings(
        doc.mappings,
        loads(side(roles.kernel)),
        loads(side(roles.gdb)),
        {
          ...(given !== undefined ? { filter: given } : {}),
          ...(options.gdbUseFilter !== undefined ? { gdbUseFilter: options.gdbUseFilter } : {}),
          ...(options.gdbDumpExcluded !== undefined
            ? { gdbDumpExcluded: options.gdbDumpExcluded }
            : {}),
          kernelProfile,
        },
      );
      filter = resolved.filter;
      gdbUseFilter = resolved.gdb.useCoredumpFilter;
      gdbDumpExcluded = resolved.gdb.dumpExcludedMappings;
      certainty = {
        ...(resolved.filterInferred ? { kernel: "inferred" as const } : {}),
        ...(resolved.filterInferred || resolved.gdbInferred ? { gdb: "inferred" as const } : {}),
      };
      if (resolved.inferred.length) settingsContext.inferred = resolved.inferred;
      if (resolved.contradictions.length) settingsContext.contradictions = resolved.contradictions;
    }
    if (given === undefined && !settingsContext.inferred?.some((x) => x.setting === "filter")) {
      warnings.push("no coredump_filter given: predictions assume the default 0x33");
    }
    filterHex = `0x${filter.toString(16)}`;
    const result = predict(doc.mappings, filter, {
      kernelProfile,
      gdb: { useCoredumpFilter: gdbUseFilter, dumpExcludedMappings: gdbDumpExcluded },
    });
    predictions = result.mappings.map((p) => ({ start: BigInt(p.start), end: BigInt(p.end), p }));
    names = doc.mappings.map((m) => ({ start: m.start, end: m.end, name: m.name }));
    warnings.push(...result.warnings);
  } else if (options.filter !== undefined) {
    filterHex = `0x${parseFilter(options.filter).value.toString(16)}`;
    warnings.push(
      "a filter without smaps is recorded but not used: explanations are inferred from the cores",
    );
  }
  // Ranges come in address order, so each lookup is a sweep (linear in all).
  const fileEntries = [...(a.core.files?.entries ?? []), ...(b.core.files?.entries ?? [])];
  const fileAt = coverSweep(fileEntries);
  const smapsNameAt = coverSweep(names);
  const predictionAt = coverSweep(predictions);
  const kernelDumpsAnon = roles.kernel !== undefined && options.smaps === undefined &&
    dumpsWrittenAnon(roles.kernel === "a" ? a : b);

  const ranges: RangeDiff[] = alignSegments(a, b).map((r) => {
    const pc = comparePages(r, options.maxRuns ?? 16);
    const prediction = predictionAt(r.start)?.p;
    const file = fileAt(r.start);
    const fileName = file?.name;
    const differences = explainRange(r, pc, {
      expectation,
      roles,
      certainty,
      kernelDumpsAnon,
      ...(prediction ? { prediction } : {}),
      ...(file ? { fileName: file.name, fileOffset: file.offset + (r.start - file.start) } : {}),
    });
    const sa = rangeSide(r.a, r.start, r.end), sb = rangeSide(r.b, r.start, r.end);
    return {
      start: r.start,
      end: r.end,
      name: smapsNameAt(r.start)?.name ?? fileName ?? "",
      a: sa,
      b: sb,
      status: statusOf(sa, sb, pc.tally.different, pc.tally.truncated),
      pages: pc.tally,
      runs: pc.runs,
      runsTotal: pc.runsTotal,
      differences,
    };
  });
  if (options.smaps === undefined) {
    // Settings the cores alone show (inferred rules in explain.ts).
    const texts = new Set(
      ranges.flatMap((g) => g.differences.flatMap((d) => d.reasons)).map((x) => x.text),
    );
    const inferred: InferredSetting[] = [];
    if (texts.has(GDB_FILTER_INFERRED)) {
      inferred.push({
        setting: "gdbUseFilter",
        value: "off",
        text:
          "without smaps: the kernel core dumps file mappings whole that the gcore omits, as when GDB applies its built-in 0x33",
      });
    }
    if (texts.has(DUMP_EXCLUDED_INFERRED)) {
      inferred.push({
        setting: "gdbDumpExcluded",
        value: "on",
        text: "without smaps: the gcore holds written memory the kernel skipped as VM_DONTDUMP",
      });
    }
    if (inferred.length) settingsContext.inferred = inferred;
  }
  const notesCut = (c: CoreFile) => !!truncationOf(c)?.cutInNotes;
  const notes = diffNotes(a.core, b.core, expectation, roles, {
    a: notesCut(a.core),
    b: notesCut(b.core),
  });
  const all = [...ranges.flatMap((r) => r.differences), ...notes];
  const byStatus: Record<string, number> = {};
  for (const r of ranges) byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
  const unexpected = all.filter((d) => !d.expected).length;
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    verdict: unexpected === 0 ? "pass" : "fail",
    expectation,
    a: summary(a, options.labels?.a ?? "A"),
    b: summary(b, options.labels?.b ?? "B"),
    context: {
      smaps: options.smaps !== undefined,
      filter: filterHex,
      // The producer settings are echoed when they were used (predictions need smaps).
      ...(options.smaps !== undefined ? { gdbUseFilter, gdbDumpExcluded, kernelProfile } : {}),
      ...settingsContext,
      warnings,
    },
    summary: {
      ranges: ranges.length,
      differences: all.length,
      expected: all.length - unexpected,
      unexpected,
      unexplained: all.filter((d) => d.unexplained).length,
      byStatus,
    },
    ranges,
    notes,
    files: neededFiles(a.core, b.core),
  };
}

/** Pages covered by a range (for renderers). */
export function rangePages(r: { start: bigint; end: bigint }): number {
  return pagesOf(r.end - r.start);
}
