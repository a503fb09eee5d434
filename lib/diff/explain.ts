/**
 * Why a range differs. With smaps + filter, the policy engine's predictions for both producers decide
 * (certainty `predicted`); without them, a few patterns that only one rule can produce are recognised
 * from the cores alone (certainty `inferred`); everything else is `unexplained`.
 *
 * Rules follow `docs/dump-policies.md`: the kernel emits a PT_LOAD for every VMA (zero-size
 * when not dumped) and real R/W/X flags; gcore emits only dumped mappings, whole, with `PF_R` forced;
 * the kernel's ELF-header rule saves one page, GDB's whole mapping; `[vvar]` is kernel-only (holes).
 *
 * @module
 */

import { PF_R, PF_W, PF_X } from "../elf/constants.ts";
import type { MappingPrediction, Outcome, ProducerPrediction } from "../policy/predict.ts";
import type { Aligned } from "./align.ts";
import type { PageComparison } from "./page_map.ts";
import type { Difference, DifferenceKind, Expectation, Reason } from "./model.ts";
import type { ReasonCode } from "./reasons.ts";

/** Who produced each side, as far as the comparison is concerned. */
export interface Roles {
  /** Which side is the kernel core (kernel-vs-gdb only). */
  readonly kernel?: "a" | "b";
  /** Which side is the gcore (kernel-vs-gdb only). */
  readonly gdb?: "a" | "b";
}

/** What a range's explanation may use. */
export interface RangeContext {
  readonly expectation: Expectation;
  readonly roles: Roles;
  readonly prediction?: MappingPrediction;
  /** NT_FILE name of the mapping at the range's start. */
  readonly fileName?: string;
  /** File offset (bytes) of the range's start, from NT_FILE. */
  readonly fileOffset?: bigint;
  /** Without smaps: the kernel core dumps some written private anonymous memory (anon-private set). */
  readonly kernelDumpsAnon?: boolean;
  /** Which producer's predictions rest on inferred settings (see `settings.ts`). */
  readonly certainty?: { readonly kernel?: "inferred"; readonly gdb?: "inferred" };
}

const reason = (code: ReasonCode, text: string, certainty: Reason["certainty"]): Reason => ({
  code,
  text,
  certainty,
});

function diff(
  kind: DifferenceKind,
  text: string,
  reasons: Reason[],
  expectation: Expectation,
): Difference {
  const unexplained = reasons.length === 0;
  return {
    kind,
    text,
    reasons,
    expected: !unexplained && expectation === "kernel-vs-gdb",
    unexplained,
  };
}

/** `p_filesz` of a prediction in one line: `0x3000 bytes saved`, `no PT_LOAD`. */
function predictedSize(p: ProducerPrediction): string {
  const one = (o: { emitted: boolean; p_filesz: number }) =>
    o.emitted ? `0x${o.p_filesz.toString(16)} bytes saved` : "no PT_LOAD";
  return p.assumption
    ? [...new Set(p.assumption.outcomes.map(one))].join(" or ")
    : `${one(p)} (${p.reason})`;
}

/**
 * What the rules predicted for a size or presence difference they do not explain, naming each
 * side by its producer, or undefined without a prediction.
 */
function predictedText(_r: Aligned, ctx: RangeContext): string | undefined {
  const { kernel } = ctx.roles;
  const p = ctx.prediction;
  if (!kernel || !p?.kernel || !p.gdb) return undefined;
  const side = (who: "kernel" | "gdb") => (who === "kernel") === (kernel === "a") ? "A" : "B";
  return `${side("kernel")} (kernel): ${predictedSize(p.kernel)}; ${side("gdb")} (gcore): ${
    predictedSize(p.gdb)
  }`;
}

/** A size or presence difference, with the prediction it contradicts when unexplained. */
function sizeDiff(
  kind: DifferenceKind,
  text: string,
  r: Aligned,
  ctx: RangeContext,
): Difference {
  const d = diff(kind, text, sizeReasons(r, ctx), ctx.expectation);
  const predicted = d.unexplained ? predictedText(r, ctx) : undefined;
  return predicted ? { ...d, predicted } : d;
}

function matchingOutcome(
  p: ProducerPrediction,
  emitted: boolean,
  filesz: number,
): Outcome | ProducerPrediction | undefined {
  const all: readonly (Outcome | ProducerPrediction)[] = p.assumption ? p.assumption.outcomes : [p];
  return all.find((o) => o.emitted === emitted && o.p_filesz === filesz);
}

/** Explains presence and dumped-size differences from the predictions (kernel vs gdb). */
function sizeReasons(r: Aligned, ctx: RangeContext): Reason[] {
  const { kernel, gdb } = ctx.roles;
  if (!kernel || !gdb) return [];
  const k = r[kernel], g = r[gdb];
  const p = ctx.prediction;
  if (p?.kernel && p.gdb) {
    const ko = matchingOutcome(p.kernel, !!k, Number(k?.seg.filesz ?? 0n));
    const go = matchingOutcome(p.gdb, !!g, Number(g?.seg.filesz ?? 0n));
    if (!ko || !go) return [];
    const out = [
      reason(ko.reason, ko.text, ctx.certainty?.kernel ?? "predicted"),
      reason(go.reason, go.text, ctx.certainty?.gdb ?? "predicted"),
    ];
    if (k && k.seg.filesz === 0n && !g) {
      out.push(
        reason(
          "gdb.omits-empty-segment",
          "gcore writes no program header for a mapping it does not dump; the kernel writes a zero-size PT_LOAD for every VMA",
          "known",
        ),
      );
    }
    return out;
  }
  return inferredSizeReasons(r, ctx, kernel, gdb);
}

function allZero(s: Aligned["a"]): boolean {
  return !!s && s.pages.zero.every((z) => z === 1);
}

/** Patterns only one rule produces, recognised without smaps. */
function inferredSizeReasons(
  r: Aligned,
  ctx: RangeContext,
  kernel: "a" | "b",
  gdb: "a" | "b",
): Reason[] {
  const k = r[kernel], g = r[gdb];
  const name = ctx.fileName ?? "";
  // The ELF-header rule needs a readable private file mapping at file offset 0 (NT_FILE gives the
  // offset); the exec bit or \x7fELF magic and the elf-headers filter bit are not in the cores.
  const headerPage = !!k && k.seg.filesz === 0x1000n && k.seg.memsz > 0x1000n && !!name &&
    ctx.fileOffset !== undefined && ctx.fileOffset - (r.start - k.seg.vaddr) === 0n &&
    (k.seg.flags & PF_R) !== 0;
  const unchecked =
    " (checked from the cores: file mapping, NT_FILE offset 0, readable; not visible in them: the exec bit or \\x7fELF magic, the elf-headers filter bit)";
  if (k && k.seg.filesz === 0n && !g) {
    return [
      reason(
        "gdb.omits-empty-segment",
        "the kernel writes a zero-size PT_LOAD for every VMA it does not dump; gcore writes none",
        "known",
      ),
    ];
  }
  if (headerPage && g && g.seg.filesz === g.seg.memsz) {
    return [
      reason(
        "kernel.elf-header-page",
        `the kernel saves only the first page of a private file mapping at offset 0 (ELF header rule)${unchecked}`,
        "inferred",
      ),
      reason(
        "gdb.whole-mapping-elf",
        "gcore dumps the whole mapping when it starts with ELF magic",
        "inferred",
      ),
    ];
  }
  if (headerPage && !g) {
    return [
      reason(
        "kernel.elf-header-page",
        `the kernel saves the first page of an ELF or executable-mode file mapped at offset 0${unchecked}`,
        "inferred",
      ),
      reason(
        "gdb.not-selected",
        "gcore dumps no part of a file mapping that its filter does not select",
        "inferred",
      ),
    ];
  }
  if (k && !g && k.seg.filesz > 0n && !name && allZero(k)) {
    return [
      reason(
        "kernel.special-mapping",
        "the kernel always dumps special mappings such as [vvar] (as holes) (checked: no file, every page a hole or zeros, absent from the gcore; not visible in the cores: the VMA's special/VM_IO|VM_PFNMAP flags)",
        "inferred",
      ),
      reason(
        "gdb.io",
        "gcore never dumps VM_IO mappings such as [vvar] (not visible in the cores: the io flag)",
        "inferred",
      ),
    ];
  }
  if (k && g && k.seg.filesz === 0n && g.seg.filesz > 0n) {
    const atZero = ctx.fileOffset === undefined ||
      ctx.fileOffset - (r.start - k.seg.vaddr) === 0n;
    if (name && k.seg.flags === PF_X && atZero && g.seg.filesz === g.seg.memsz) {
      return [
        reason(
          "kernel.elf-header-needs-read",
          "the kernel's ELF-header rule requires VM_READ; an exec-only mapping gets nothing (checked: exec-only file mapping at NT_FILE offset 0)",
          "inferred",
        ),
        reason(
          "gdb.whole-mapping-elf",
          "gcore reads the ELF magic through /proc/PID/mem (no read permission needed) and dumps the whole mapping",
          "inferred",
        ),
      ];
    }
    if (name.endsWith(" (deleted)")) {
      return [
        reason(
          "gdb.deleted-name-is-anonymous",
          'gcore treats any name ending in " (deleted)" as anonymous memory',
          "inferred",
        ),
      ];
    }
    if ((k.seg.flags & (PF_R | PF_W | PF_X)) === 0) {
      return [
        reason(
          "gdb.dumps-inaccessible",
          "gcore dumps PROT_NONE mappings (guard pages) whole; the kernel writes nothing for them",
          "inferred",
        ),
      ];
    }
    if (allZero(g)) {
      return [
        reason(
          "kernel.no-anon-vma",
          "never-written private memory has no anon_vma, so the kernel saves nothing; gcore dumps the whole mapping (zeros) (checked: the gcore's copy is all zeros; not visible in the cores: the anon_vma itself)",
          "inferred",
        ),
      ];
    }
    if (
      !name && (k.seg.flags & PF_W) !== 0 && g.seg.filesz === g.seg.memsz && ctx.kernelDumpsAnon
    ) {
      // Written (non-zero) private memory the kernel skipped although its filter dumps such memory
      // elsewhere: VM_DONTDUMP. GDB dumped it: dump-excluded-mappings was on.
      return [
        reason(
          "kernel.dontdump",
          "written anonymous memory the kernel did not dump although it dumps other written anonymous memory (anon-private set): VM_DONTDUMP (MADV_DONTDUMP)",
          "inferred",
        ),
        reason("gdb.anon-private", DUMP_EXCLUDED_INFERRED, "inferred"),
      ];
    }
  }
  if (k && !g && name && k.seg.filesz > 0n && k.seg.filesz === k.seg.memsz) {
    return [reason("gdb.not-selected", GDB_FILTER_INFERRED, "inferred")];
  }
  return [];
}

/** The text of the inferred rule "GDB dumped a VM_DONTDUMP mapping" (diff.ts reports the setting). */
export const DUMP_EXCLUDED_INFERRED =
  "GDB dumped this VM_DONTDUMP memory (anon-private): dump-excluded-mappings was on (as gcore -a)";

/** The text of the inferred rule "GDB's filter did not select a file mapping the kernel dumped". */
export const GDB_FILTER_INFERRED =
  "GDB's filter did not select this file mapping while the kernel's dumped it whole: GDB applied its built-in 0x33 (use-coredump-filter off, as gcore -a), or the process filter changed between the dumps; the kernel's rule (mapped-private, mapped-shared or anon-private) is not visible without smaps";

/**
 * Explains the differences of one aligned range.
 *
 * @param r the range
 * @param pc its page comparison
 * @param ctx producers, expectation and prediction
 */
export function explainRange(r: Aligned, pc: PageComparison, ctx: RangeContext): Difference[] {
  const out: Difference[] = [];
  const { expectation } = ctx;
  const a = r.a, b = r.b;
  const savedA = a ? a.seg.filesz : 0n, savedB = b ? b.seg.filesz : 0n;
  if (!!a !== !!b) {
    const side = a ? "A" : "B";
    const s = (a ?? b)!;
    out.push(sizeDiff("presence", `PT_LOAD only in ${side} (${s.seg.filesz} bytes saved)`, r, ctx));
  } else if (a && b && savedA !== savedB) {
    out.push(sizeDiff("dumped-size", `saved ${savedA} bytes in A, ${savedB} in B`, r, ctx));
  }
  if (a && b && a.seg.flags !== b.seg.flags) {
    const { kernel, gdb } = ctx.roles;
    const reasons: Reason[] = [];
    if (kernel && gdb && r[gdb]!.seg.flags === (r[kernel]!.seg.flags | PF_R)) {
      reasons.push(
        reason(
          "layout.flags-read-forced",
          "gcore always sets PF_R; the kernel writes the VMA's real permissions",
          "known",
        ),
      );
    }
    out.push(
      diff("flags", `p_flags ${a.seg.flags} in A, ${b.seg.flags} in B`, reasons, expectation),
    );
  }
  if (pc.tally.different > 0) {
    const flags = (a?.seg.flags ?? 0) | (b?.seg.flags ?? 0);
    const reasons: Reason[] = [];
    const { kernel } = ctx.roles;
    if (
      kernel && !ctx.fileName && !(flags & PF_W) && pc.differentZero[kernel] === pc.tally.different
    ) {
      // Anonymous memory that cannot change (not writable), zeros only in the kernel core: holes.
      reasons.push(
        reason(
          "kernel.hole-not-present",
          "the kernel leaves a hole (zeros) for an anonymous page with no page present at its dump moment (get_dump_page() with FOLL_DUMP: an empty PTE gives no page), e.g. lazily freed (MADV_FREE) pages reclaimed between the dumps (checked: anonymous, not writable, every differing page is zeros in the kernel core only)",
          "inferred",
        ),
      );
    } else if (flags & PF_W) {
      reasons.push(
        reason(
          "timing.volatile-content",
          "writable memory changed between the two dump moments",
          "inferred",
        ),
      );
    } else if (flags & PF_X) {
      reasons.push(
        reason(
          "side-effect.debugger-breakpoint",
          "text pages differ where a debugger's breakpoints were written (copy-on-write after attach)",
          "inferred",
        ),
      );
    }
    out.push(
      diff(
        "content",
        `${pc.tally.different} page(s) differ in ${pc.runsTotal} run(s)`,
        reasons,
        expectation,
      ),
    );
  }
  if (pc.truncatedOneSide > 0) {
    // Missing from one file only: not parity (expected false), but explained. Missing from both
    // (a truncated core against itself) is no difference.
    out.push({
      kind: "truncated",
      text: `${pc.truncatedOneSide} saved page(s) are missing from a truncated file`,
      reasons: [
        reason(
          "layout.truncated",
          "the file ends before the data its headers describe (RLIMIT_CORE or a cut copy): these pages cannot be compared",
          "known",
        ),
      ],
      expected: false,
      unexplained: false,
    });
  }
  return out;
}
