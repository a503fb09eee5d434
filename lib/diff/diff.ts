/**
 * `diffDigests`: every difference between two cores (or digests) of the same process, at segment and
 * page level, with reasons and a parity verdict for CI.
 *
 * @module
 */

import { isMinimal, withHashedRegisters } from "../digest/minimal.ts";
import type { CoreDigest } from "../digest/model.ts";
import { pageCounts } from "../digest/model.ts";
import type { CoreFile } from "../elf/core.ts";
import { rowForIndex } from "../digest/page_table.ts";
import { someLoadAt } from "../elf/by_address.ts";
import { OptionError } from "../errors.ts";
import { alignSegments, comparePages, rangeSide } from "./align.ts";
import { type AnalysisContext, prepareContext } from "./context.ts";
import { explainRange, type Roles } from "./explain.ts";
import { dumpsWrittenAnon, pairSettings, settingsShownByCores } from "./settings.ts";
import { truncationOf } from "./truncation.ts";
import type {
  CollapsedRun,
  CoreSummary,
  DiffReport,
  Expectation,
  MemoryEstimate,
  NeededFile,
  RangeDiff,
  RangeStatus,
} from "./model.ts";
import { REPORT_SCHEMA_VERSION } from "./model.ts";
import { diffModules } from "./modules.ts";
import { diffNotes } from "./notes.ts";
import { crossRunDiff } from "./cross_run.ts";
import { identify, identityDifference, isMismatch, smapsFitsCore } from "./identity.ts";
import { tableOf } from "../smaps/table.ts";
import { coverSweep, indexSweep } from "./sweep.ts";
import { narrowVolatile, registersKnown, volatilePlaces } from "./volatile.ts";

/** Options of {@link diffDigests}. */
export interface DiffOptions {
  /** The analysis context from {@link prepareContext} (smaps, filter, settings, expectation). */
  readonly context?: AnalysisContext;
  /** Labels of the inputs (file names or ids). */
  readonly labels?: { readonly a: string; readonly b: string };
  /** Differing-page runs listed per range (default 16). */
  readonly maxRuns?: number;
  /**
   * List every aligned range, also those equal in both cores (default false: they collapse into
   * counted runs, see `collapse.ts`).
   */
  readonly allRanges?: boolean;
  /**
   * Called with every aligned range in address order, also those that collapse (the API streams
   * the full list to storage with it instead of keeping 70,000 ranges in memory). A range gets
   * the differences the report gives it (none when the cores are not of the same process).
   */
  readonly onRange?: (range: RangeDiff) => void;
}

const PAGE = 4096n;

function memoryOf(d: CoreDigest): MemoryEstimate {
  let nonZero = 0, zero = 0, unsaved = 0;
  // Segments are in load order (found by index only in a digest that is not).
  let i = 0;
  for (const load of d.core.loads) {
    const s = rowForIndex(d.segments, load.index, i++);
    if (!s) continue;
    const c = pageCounts(s, load.filesz, load.memsz);
    zero += c.zero;
    nonZero += c.hashed - c.zero;
    unsaved += c.unsaved;
  }
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
    ...(d.core.process ? { process: { pid: d.core.process.pid, name: d.core.process.fname } } : {}),
    truncated: d.core.truncated,
    memory: memoryOf(d),
    ...(d.modules ? { modules: d.modules } : {}),
  };
}

function neededFiles(a: CoreFile, b: CoreFile): NeededFile[] {
  const byPath = new Map<string, NeededFile>();
  // Whether the core saved a whole first page at the address (looked up for NT_FILE entries only).
  const headerPage = (c: CoreFile) => (at: bigint) =>
    someLoadAt(c.loads, at, (l) => l.filesz >= PAGE && !l.truncated);
  const inA = { has: headerPage(a) }, inB = { has: headerPage(b) };
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
 * const context = prepareContext({ smaps, filter: "0x33" });
 * const report = diffDigests(kernelDigest, gcoreDigest, { context });
 * if (report.verdict === "fail") Deno.exit(1);
 * ```
 */
export function diffDigests(a: CoreDigest, b: CoreDigest, options: DiffOptions = {}): DiffReport {
  // A stored minimal digest has register-set hashes, not values: compare both sides that way.
  if (isMinimal(a) !== isMinimal(b)) [a, b] = [withHashedRegisters(a), withHashedRegisters(b)];
  const context = options.context ?? prepareContext({});
  const roles = rolesOf(a.core, b.core);
  const expectation: Expectation = context.expect === "auto"
    ? (roles.kernel ? "kernel-vs-gdb" : "identical")
    : context.expect;
  const warnings: string[] = [...context.warnings];
  if (a.kernelSha256 !== b.kernelSha256) {
    throw new OptionError(
      "digest",
      "The two digests were made by different page-hash kernels; re-digest one of them",
    );
  }
  for (const [side, d] of [["A", a], ["B", b]] as const) {
    const origin = d.core.producer.origin;
    if (origin) warnings.push(`${side} is ${origin.text}`);
  }
  const found = identify(a.core, b.core);
  const identity = found.relation === "same-program" && expectation !== "same-program"
    ? { ...found, text: `${found.text}; compare them with the expectation same-program` }
    : found;
  if (expectation === "same-program" && identity.relation === "same-process") {
    warnings.push("A and B are the same process; compared as two runs (expectation same-program)");
  }
  if (expectation === "kernel-vs-gdb" && !roles.kernel) {
    warnings.push(
      `expectation kernel-vs-gdb, but the producers are ${a.core.producer.producer} and ${b.core.producer.producer}; producer rules cannot be applied`,
    );
  }
  // An smaps that does not describe both cores is flagged and never applied.
  const misfits = !context.smaps ? [] : ([["A", a], ["B", b]] as const).flatMap(([k, d]) => {
    const fit = smapsFitsCore(tableOf(context.smaps!), d.core);
    return fit.fits ? [] : [`${k}: ${fit.text}`];
  });
  const useSmaps = context.smaps !== undefined && misfits.length === 0 &&
    expectation !== "same-program";
  if (misfits.length > 0) {
    warnings.push(
      `the smaps does not belong to ${
        misfits.length === 2 ? "either core" : `core ${misfits[0]!.slice(0, 1)}`
      } (${misfits.join("; ")}): not applied, explanations are inferred from the cores`,
    );
  } else if (context.smaps && expectation === "same-program") {
    warnings.push("smaps is not used to compare two runs (it describes one process)");
  }
  // Settings given, defaulted, inferred from the pair or contradicted by it (settings.ts).
  const side = (x?: "a" | "b") => (x === "a" ? a.core : x === "b" ? b.core : undefined);
  const used = pairSettings(
    useSmaps ? context : { ...context, smaps: undefined, prediction: undefined },
    side(roles.kernel),
    side(roles.gdb),
  );
  const predictions = used.predictions;
  const table = useSmaps && context.smaps ? tableOf(context.smaps) : undefined;
  const kernelDumpsAnon = roles.kernel !== undefined && !useSmaps &&
    dumpsWrittenAnon(roles.kernel === "a" ? a : b);
  // Ranges come in address order, so each lookup is a sweep (linear in all).
  const fileEntries = [...(a.core.files?.entries ?? []), ...(b.core.files?.entries ?? [])];
  const fileAt = coverSweep(fileEntries);
  const smapsAt = table
    ? indexSweep(table.length, (i) => table.start(i), (i) => table.end(i), table.ascending)
    : undefined;
  const predictionIndexAt = indexSweep(
    predictions.length,
    predictions.start,
    predictions.end,
    predictions.ascending,
  );

  const crossRun = expectation === "same-program"
    ? crossRunDiff(a, b, options.maxRuns ?? 16)
    : undefined;
  const narrow = !crossRun && !isMismatch(identity) && registersKnown(a.core, b.core);
  const places = narrow ? volatilePlaces(a.core, b.core) : undefined;
  const mismatch = expectation === "same-program"
    ? identity.relation === "different-program"
    : isMismatch(identity);
  const onRange = options.onRange;
  // Ranges equal in both cores are counted into runs as they come (unless all are asked for), so
  // a 70,000-mapping pair that differs in ten places builds ten RangeDiffs, not 70,000.
  const ranges: RangeDiff[] = [];
  const collapsed: CollapsedRun[] = [];
  let run: { start: bigint; end: bigint; ranges: number; pages: number } | undefined;
  const byStatus: Record<string, number> = {};
  let total = 0;
  for (const r of crossRun ? [] : alignSegments(a, b)) {
    total++;
    const pc = comparePages(r, options.maxRuns ?? 16);
    const pi = predictionIndexAt(r.start);
    const prediction = pi >= 0 ? predictions.at(pi) : undefined;
    const file = fileAt(r.start);
    const fileName = file?.name;
    const differences = narrowVolatile(
      explainRange(r, pc, {
        expectation,
        roles,
        certainty: used.certainty,
        kernelDumpsAnon,
        ...(prediction ? { prediction } : {}),
        ...(file ? { fileName: file.name, fileOffset: file.offset + (r.start - file.start) } : {}),
      }),
      r,
      places,
    );
    const sa = rangeSide(r.a, r.start, r.end), sb = rangeSide(r.b, r.start, r.end);
    const status = statusOf(sa, sb, pc.tally.different, pc.tally.truncated);
    byStatus[status] = (byStatus[status] ?? 0) + 1;
    const si = smapsAt ? smapsAt(r.start) : -1;
    const name = (si >= 0 ? table!.body(si).name : undefined) ?? fileName ?? "";
    const collapses = !options.allRanges && status === "same" && differences.length === 0;
    if (collapses) {
      if (run) {
        run.end = r.end;
        run.ranges++;
        run.pages += pc.tally.same;
      } else run = { start: r.start, end: r.end, ranges: 1, pages: pc.tally.same };
      if (!onRange) continue;
    } else if (run) {
      collapsed.push({ ...run, before: ranges.length });
      run = undefined;
    }
    const range: RangeDiff = {
      start: r.start,
      end: r.end,
      name,
      a: sa,
      b: sb,
      status,
      pages: pc.tally,
      runs: pc.runs,
      runsTotal: pc.runsTotal,
      pageMap: pc.pageMap,
      differences,
    };
    // A mismatched pair's ranges lose their differences below; the stream gets them without.
    onRange?.(mismatch && !crossRun ? { ...range, differences: [] } : range);
    if (!collapses) ranges.push(range);
  }
  if (run) collapsed.push({ ...run, before: ranges.length });
  for (const g of crossRun?.ranges ?? []) {
    total++;
    byStatus[g.status] = (byStatus[g.status] ?? 0) + 1;
    onRange?.(g);
    ranges.push(g);
  }
  const unnarrowed = !crossRun && !narrow && !isMismatch(identity) &&
    ranges.some((g) =>
      g.differences.some((d) => d.reasons.some((q) => q.code === "timing.volatile-content"))
    );
  if (unnarrowed) {
    warnings.push(
      "the threads' stack pointers are not known (a stored digest keeps registers only as hashes; some architectures' registers are not decoded): writable differences are not narrowed to stacks, TLS and libc's locks",
    );
  }
  const inferred = useSmaps
    ? used.inferred
    : settingsShownByCores(ranges.flatMap((g) => g.differences.flatMap((d) => d.reasons)));
  const notesCut = (c: CoreFile) => !!truncationOf(c)?.cutInNotes;
  let notes = crossRun ? [] : [
    ...diffNotes(a.core, b.core, expectation, roles, {
      a: notesCut(a.core),
      b: notesCut(b.core),
    }),
    ...diffModules(a, b),
  ];
  if (mismatch) {
    // One top-level reason, not hundreds of lines: ranges keep their status, and the identity is
    // the one difference (same-program keeps its cross-run findings).
    if (!crossRun) {
      ranges.forEach((r, i) => (ranges[i] = { ...r, differences: [] }));
      notes = [];
    }
    notes = [identityDifference(identity), ...notes];
  }
  const all = [...ranges.flatMap((r) => r.differences), ...notes];
  const unexpected = all.filter((d) => !d.expected).length;
  const report: DiffReport = {
    schemaVersion: REPORT_SCHEMA_VERSION,
    verdict: unexpected === 0 ? "pass" : "fail",
    expectation,
    identity,
    a: summary(a, options.labels?.a ?? "A"),
    b: summary(b, options.labels?.b ?? "B"),
    context: {
      smaps: useSmaps,
      filter: useSmaps || context.smaps === undefined ? used.filter : (
        context.filter === undefined ? null : `0x${context.filter.toString(16)}`
      ),
      settings: {
        kernelProfile: used.settings.kernelProfile,
        gdbUseFilter: used.settings.gdb.useCoredumpFilter,
        gdbDumpExcluded: used.settings.gdb.dumpExcludedMappings,
      },
      ...(inferred?.length ? { inferred } : {}),
      ...(used.contradictions ? { contradictions: used.contradictions } : {}),
      warnings: warnings.filter((w) => !used.dropWarnings.includes(w)),
    },
    summary: {
      ranges: total,
      differences: all.length,
      expected: all.length - unexpected,
      unexpected,
      unexplained: all.filter((d) => d.unexplained).length,
      byStatus,
    },
    ranges,
    ...(collapsed.length ? { collapsed } : {}),
    notes,
    files: neededFiles(a.core, b.core),
    ...(crossRun ? { alignment: crossRun.alignment } : {}),
  };
  return report;
}
