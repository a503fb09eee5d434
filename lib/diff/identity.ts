/**
 * Identity first: before any range is compared, decide whether two cores are of the same process,
 * of the same program in another process or run, or of different programs — from the notes alone
 * (pid and thread ids, the executable, the auxiliary vector's load and stack addresses, NT_FILE).
 *
 * - same process: same pid and the same load addresses (`AT_ENTRY`, `AT_PHDR`, `AT_BASE`,
 *   `AT_SYSINFO_EHDR`) and stack addresses (`AT_RANDOM`, `AT_EXECFN`), which fix the exec;
 * - `identity.different-process`: another pid, but the same load addresses (ASLR off, or a fork);
 * - `identity.different-run`: load or stack addresses differ (ASLR: another exec), whatever the pid;
 * - `identity.different-program`: the executables have different file names (a rebuilt program in
 *   another build directory is the same program).
 *
 * Also here: whether an smaps text belongs to a core (its mappings match the core's), so an smaps
 * of another process is flagged and never applied.
 *
 * @module
 */

import { lowerBound } from "../bytes/rows.ts";
import { byAddress } from "../elf/by_address.ts";
import type { CoreFile } from "../elf/core.ts";
import type { FileEntry } from "../elf/nt_file.ts";
import type { Difference, Identity, IdentityEvidence, Reason } from "./model.ts";
import { SmapsTable } from "../smaps/table.ts";

/** Auxv entries fixed by the exec's memory layout (ASLR randomises them per exec). */
const LOAD_AUXV = ["AT_ENTRY", "AT_PHDR", "AT_BASE", "AT_SYSINFO_EHDR"] as const;
/** Auxv entries that point into the initial stack (they move with ASLR and with argv/env size). */
const STACK_AUXV = ["AT_RANDOM", "AT_EXECFN"] as const;

const hexOf = (v: bigint | undefined) => (v === undefined ? "" : `0x${v.toString(16)}`);

function auxvValue(c: CoreFile, name: string): bigint | undefined {
  return c.auxv?.find((e) => e.name === name)?.value;
}

const stripDeleted = (p: string) => p.replace(/ \(deleted\)$/, "");

/** The executable's path: the NT_FILE entry that maps `AT_PHDR` (else `AT_ENTRY`). */
export function executableOf(c: CoreFile): string | undefined {
  const entries = c.files?.entries ?? [];
  for (const at of ["AT_PHDR", "AT_ENTRY"]) {
    const v = auxvValue(c, at);
    if (v === undefined) continue;
    const e = entries.find((f) => f.start <= v && v < f.end);
    if (e) return stripDeleted(e.name);
  }
  return undefined;
}

function pidOf(c: CoreFile): number | undefined {
  return c.process?.pid ?? c.threads[0]?.tid;
}

/** The kernel's comm is 15 bytes; GDB writes the basename of argv[0]: compare what both hold. */
function sameCommand(x: string, y: string): boolean {
  const n = Math.min(x.length, y.length, 15);
  return x.slice(0, n) === y.slice(0, n);
}

const entryKey = (e: FileEntry) => `${e.start}:${e.end}:${e.offset}`;

/** Share of the entries of `x` that `y` also has at the same address and offset. */
function fileOverlap(x: readonly FileEntry[], y: readonly FileEntry[]): number {
  if (x.length === 0 && y.length === 0) return 1;
  const keys = new Set(y.map(entryKey));
  const both = x.filter((e) => keys.has(entryKey(e))).length;
  return both / Math.max(x.length, y.length);
}

/**
 * Decides how two cores are related.
 *
 * @example
 * ```ts ignore
 * const id = identify(kernelCore, gcore);
 * if (id.relation !== "same-process") console.log(id.code, id.text);
 * ```
 */
export function identify(a: CoreFile, b: CoreFile): Identity {
  const evidence: IdentityEvidence[] = [];
  const add = (field: string, x: string, y: string, same = x === y) => {
    if (x !== "" || y !== "") evidence.push({ field, a: x, b: y, same });
  };
  const pa = pidOf(a), pb = pidOf(b);
  add("pid", pa === undefined ? "" : `${pa}`, pb === undefined ? "" : `${pb}`);
  const tids = (c: CoreFile) => c.threads.map((t) => t.tid).sort((x, y) => x - y).join(",");
  add("threads", tids(a), tids(b));
  const ea = executableOf(a), eb = executableOf(b);
  add("executable", ea ?? "", eb ?? "");
  const fa = a.process?.fname, fb = b.process?.fname;
  if (fa !== undefined && fb !== undefined) add("command", fa, fb, sameCommand(fa, fb));
  let load: boolean | undefined, stack: boolean | undefined;
  for (const [names, kind] of [[LOAD_AUXV, "load"], [STACK_AUXV, "stack"]] as const) {
    for (const name of names) {
      const va = auxvValue(a, name), vb = auxvValue(b, name);
      if (va === undefined || vb === undefined) continue;
      add(name, hexOf(va), hexOf(vb));
      const same = va === vb;
      if (kind === "load") load = (load ?? true) && same;
      else stack = (stack ?? true) && same;
    }
  }
  const na = a.files?.entries ?? [], nb = b.files?.entries ?? [];
  if (na.length > 0 || nb.length > 0) {
    const overlap = fileOverlap(na, nb);
    add(
      "NT_FILE",
      `${na.length} entries`,
      `${nb.length} entries (${Math.round(overlap * 100)}% at the same address and offset)`,
      overlap >= 0.9,
    );
  }

  // A rebuilt program in another build directory is the same program: compare file names.
  const baseName = (p: string) => p.slice(p.lastIndexOf("/") + 1);
  const programDiffers = ea !== undefined && eb !== undefined
    ? baseName(ea) !== baseName(eb)
    : fa !== undefined && fb !== undefined && !sameCommand(fa, fb);
  if (programDiffers) {
    return {
      relation: "different-program",
      code: "identity.different-program",
      text: ea !== undefined && eb !== undefined
        ? `A and B are different programs: ${ea} and ${eb}`
        : `A and B are different programs: ${JSON.stringify(fa)} and ${JSON.stringify(fb)}`,
      evidence,
    };
  }
  const pidSame = pa === undefined || pb === undefined ? undefined : pa === pb;
  if (load === false || (pidSame !== false && stack === false)) {
    const what = load === false ? "load addresses" : "initial stack addresses";
    return {
      relation: "same-program",
      code: "identity.different-run",
      text: `A and B are two runs of ${ea ?? fa ?? "one program"}: their ${what} differ (${
        pidSame === false ? `pid ${pa} and ${pb}` : `pid ${pa}, reused`
      })`,
      evidence,
    };
  }
  if (pidSame === false) {
    return {
      relation: "same-program",
      code: "identity.different-process",
      text: `A and B are two processes of ${
        ea ?? fa ?? "one program"
      } (pid ${pa} and ${pb}) with the same address layout (ASLR off, or a fork)`,
      evidence,
    };
  }
  if (pidSame === undefined && load === undefined) {
    return { relation: "unknown", text: "the cores hold no pid or auxv to tell", evidence };
  }
  return {
    relation: "same-process",
    text: `A and B are the same process (pid ${pa}${load ? ", same load addresses" : ""}${
      stack ? " and stack" : ""
    })`,
    evidence,
  };
}

/** A mapping as smaps (or maps) lists it. */
export interface SmapsMapping {
  /** Start address. */
  readonly start: bigint;
  /** End address (exclusive). */
  readonly end: bigint;
  /** Path or special name (may be empty). */
  readonly name: string;
}

/** Whether an smaps text describes a core's process. */
export interface SmapsFit {
  /** True when the mappings match the core's. */
  readonly fits: boolean;
  /** What was compared, in one line. */
  readonly text: string;
}

/**
 * Checks an smaps against a core: the core's file mappings (NT_FILE; else its PT_LOAD starts) must
 * appear in smaps at the same addresses. A few may differ (a library loaded between the smaps
 * capture and the dump); most must match.
 */
export function smapsFitsCore(
  mappings: SmapsTable | readonly SmapsMapping[],
  c: CoreFile,
): SmapsFit {
  const t = mappings instanceof SmapsTable
    ? mappings
    : { length: mappings.length, start: (i: number) => mappings[i]!.start };
  const files = c.files?.entries ?? [];
  // The loads' addresses are read as they are compared (70,000 bigints kept would be 2 MB).
  let probes: Probes;
  if (files.length > 0) probes = { length: files.length, at: (i) => files[i]!.start };
  else {
    const loads = byAddress(c.loads);
    const kept = new Uint32Array(loads.length);
    let n = 0;
    let i = 0;
    for (const l of loads) {
      if (l.memsz > 0n) kept[n++] = i;
      i++;
    }
    probes = { length: n, at: (k) => loads.at(kept[k]!)!.vaddr };
  }
  if (probes.length === 0 || t.length === 0) {
    return { fits: true, text: "nothing to compare" };
  }
  const found = countPresent(probes, t);
  const what = files.length > 0 ? "NT_FILE mappings" : "PT_LOAD segments";
  return {
    fits: found / probes.length >= 0.8,
    text: `${found} of the core's ${probes.length} ${what} start where an smaps mapping starts`,
  };
}

/**
 * How many of `probes` are the start of a mapping: one merge walk when both are in address order
 * (parsed smaps are; a kernel core's loads by address too), else a set of the starts.
 */
function countPresent(
  probes: Probes,
  t: { readonly length: number; start(i: number): bigint },
): number {
  if (t instanceof SmapsTable && t.ascending && probes.length * 32 < t.length) {
    // A few probes (NT_FILE entries) against many mappings: a binary search each.
    let found = 0;
    for (let k = 0; k < probes.length; k++) {
      const p = probes.at(k);
      const lo = lowerBound(t.length, (i) => t.start(i), p);
      if (lo < t.length && t.start(lo) === p) found++;
    }
    return found;
  }
  let ascending = true;
  for (let i = 1; ascending && i < probes.length; i++) {
    ascending = probes.at(i - 1) <= probes.at(i);
  }
  if (t instanceof SmapsTable) ascending &&= t.ascending;
  else for (let i = 1; ascending && i < t.length; i++) ascending = t.start(i - 1) <= t.start(i);
  if (ascending) {
    let found = 0;
    for (let i = 0, j = 0; i < probes.length; i++) {
      const p = probes.at(i);
      let s = j < t.length ? t.start(j) : 0n;
      while (j < t.length && s < p) s = ++j < t.length ? t.start(j) : 0n;
      if (j < t.length && s === p) found++;
    }
    return found;
  }
  const starts = new Set(Array.from({ length: t.length }, (_, i) => t.start(i)));
  let found = 0;
  for (let i = 0; i < probes.length; i++) if (starts.has(probes.at(i))) found++;
  return found;
}

/** Addresses looked for, by index. */
interface Probes {
  readonly length: number;
  at(i: number): bigint;
}

/** Whether an identity rules out comparing A and B as one process. */
export function isMismatch(id: Identity): boolean {
  return id.relation === "same-program" || id.relation === "different-program";
}

function identityReason(id: Identity): Reason {
  return { code: id.code ?? "identity.different-process", text: id.text, certainty: "inferred" };
}

/** The one top-level difference of a mismatched pair: the identity, unexpected. */
export function identityDifference(id: Identity): Difference {
  return {
    kind: "note",
    text: id.text,
    reasons: [identityReason(id)],
    expected: false,
    unexplained: false,
  };
}
