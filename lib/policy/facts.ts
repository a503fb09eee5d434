/**
 * Facts the dump decisions need but smaps cannot always show, each with where it came from:
 *
 * | fact | needed by | smaps shows it? |
 * |---|---|---|
 * | `anonVma` | kernel R7 (`vma->anon_vma`) | no; `Anonymous`/`AnonHugePages` > 0 (or `Swap` > 0) prove it |
 * | `nlinkZero` | kernel R6 (`i_nlink == 0` of a shared mapping's inode) | no; shmem names imply it |
 * | `execBit` | kernel R10 on K≥5.10 (`i_mode & 0111`) | no |
 * | `elfMagic` | kernel R10 (K≥5.18 fallback, K≤5.9), GDB D4 (first 4 bytes `\x7fELF`) | no |
 * | `vmShared` | kernel R6, GDB D2c (`VM_SHARED`) | yes with `VmFlags` (`sh`); maps only has `s` = `VM_MAYSHARE` |
 *
 * Each fact is `hint` (the caller said so), `smaps` (read or proven from the text), `inferred` (from
 * names and counters; taken as settled but reported when it matters) or `unknown` (the predictor lists
 * every outcome). `value` is always the best guess.
 *
 * @module
 */

import { gdbNameRule, isLinklessShmemName } from "../smaps/classify.ts";
import type { SmapsMapping } from "../smaps/parse.ts";

/** Names of the facts smaps may not show. */
export type FactName = "anonVma" | "nlinkZero" | "execBit" | "elfMagic" | "vmShared";

/** Every fact name, in a fixed order. */
export const FACT_NAMES: readonly FactName[] = [
  "vmShared",
  "nlinkZero",
  "anonVma",
  "execBit",
  "elfMagic",
];

/** Where a fact comes from. */
export type FactCertainty = "hint" | "smaps" | "inferred" | "unknown";

/** One fact about a mapping. */
export interface Fact {
  /** The value, or the best guess when `certainty` is `unknown`. */
  readonly value: boolean;
  /** Where it comes from. */
  readonly certainty: FactCertainty;
  /** Why, in a few words (`"Anonymous: 8 kB"`, `"memfd inodes have mode 0777"`). */
  readonly basis: string;
}

/** The facts about one mapping. */
export type MappingFacts = Readonly<Record<FactName, Fact>>;

/**
 * What a caller knows beyond smaps about one mapping (e.g. from `stat` of the file or from the core
 * itself), keyed by start address in {@link PredictOptions.hints}.
 */
export interface MappingHints {
  /** The file has an execute bit (`i_mode & 0111`). */
  readonly execBit?: boolean;
  /** The file's link count (`i_nlink`); only whether it is 0 matters. */
  readonly nlink?: number;
  /** The mapping's first 4 bytes in memory are `\x7fELF`. */
  readonly elfMagic?: boolean;
  /** The VMA has an `anon_vma` (some page was written/COW-copied, or it inherited one). */
  readonly anonVma?: boolean;
  /** The VMA is `VM_SHARED` (only needed for `maps` input, which lacks `VmFlags`). */
  readonly vmShared?: boolean;
  /** Where each given fact was read (e.g. `"/proc/PID/map_files: mode 0755"`); default `"given"`. */
  readonly basis?: Readonly<
    Partial<Record<"execBit" | "nlink" | "elfMagic" | "anonVma" | "vmShared", string>>
  >;
}

/** Context shared by all mappings of one process. */
export interface FactContext {
  /** Pathname of the main executable, when known or guessed. */
  readonly executable?: string | undefined;
}

/** Shared libraries and the dynamic loader: ELF by name. */
const LIBRARY = /(\.so(\.\d+)*|\/ld-linux[^/]*|\/ld\.so[^/]*)$/;
/** Common data files mapped private at offset 0 that are not ELF. */
const NOT_ELF =
  /(\/locale-archive|\.cache|\.mo|\.txt|\.json|\.db|\.sqlite|\.ttf|\.otf|\.ttc|\.dat|\.icu)$/;

const fact = (value: boolean, certainty: FactCertainty, basis: string): Fact => ({
  value,
  certainty,
  basis,
});

const kb = (n: number) => `${n / 1024} kB`;

/**
 * Works out every fact for one mapping from smaps, the name, the context and optional hints (hints
 * win).
 *
 * @param m the mapping
 * @param ctx process-wide context (the executable's name)
 * @param hints what the caller knows about this mapping
 * @returns all facts, each with its certainty and basis
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseSmaps } from "../smaps/parse.ts";
 * const [m] = parseSmaps("7f0000000000-7f0000002000 r--p 00000000 00:01 9 /memfd:x (deleted)\n" +
 *   "Anonymous: 0 kB\nVmFlags: rd mr mw me \n").mappings;
 * const f = inferFacts(m!, {});
 * assert.equal(f.execBit.value, true);
 * assert.equal(f.execBit.certainty, "inferred");
 * assert.equal(f.anonVma.value, false);
 * ```
 */
export function inferFacts(
  m: SmapsMapping,
  ctx: FactContext,
  hints: MappingHints = {},
): MappingFacts {
  const why = (k: keyof NonNullable<MappingHints["basis"]>, fallback: string) =>
    hints.basis?.[k] ?? fallback;
  return {
    vmShared: hints.vmShared !== undefined
      ? fact(hints.vmShared, "hint", why("vmShared", "given"))
      : vmSharedFact(m),
    nlinkZero: hints.nlink !== undefined
      ? fact(hints.nlink === 0, "hint", why("nlink", `nlink ${hints.nlink} given`))
      : nlinkFact(m),
    anonVma: hints.anonVma !== undefined
      ? fact(hints.anonVma, "hint", why("anonVma", "given"))
      : anonVmaFact(m),
    execBit: hints.execBit !== undefined
      ? fact(hints.execBit, "hint", why("execBit", "given"))
      : execBitFact(m, ctx),
    elfMagic: hints.elfMagic !== undefined
      ? fact(hints.elfMagic, "hint", why("elfMagic", "given"))
      : elfMagicFact(m, ctx),
  };
}

function vmSharedFact(m: SmapsMapping): Fact {
  if (m.vmFlags) {
    return fact(
      m.vmFlags.has("sh"),
      "smaps",
      m.vmFlags.has("sh") ? "VmFlags has sh" : "no sh in VmFlags",
    );
  }
  if (!m.mayShare) return fact(false, "smaps", "p permission: not even VM_MAYSHARE");
  return fact(
    true,
    "unknown",
    "s permission is VM_MAYSHARE only; a MAP_SHARED mapping of a read-only fd is not VM_SHARED",
  );
}

function nlinkFact(m: SmapsMapping): Fact {
  if (isLinklessShmemName(m.name)) {
    return fact(true, "inferred", "shmem object (shared anonymous, SysV, memfd): never linked");
  }
  if (m.name.startsWith("anon_inode:")) {
    return fact(false, "inferred", "anon inodes have i_nlink 1");
  }
  if (m.name.endsWith(" (deleted)")) {
    return fact(
      true,
      "unknown",
      `" (deleted)": unlinked (nlink 0), or still hard-linked elsewhere, or a real name`,
    );
  }
  return fact(false, "inferred", "reachable by its path, so linked");
}

function anonVmaFact(m: SmapsMapping): Fact {
  const anon = m.fields.Anonymous;
  if (anon === undefined) {
    const guess = m.write && !m.mayShare;
    return fact(
      guess,
      "unknown",
      "no Anonymous field (maps): cannot tell whether pages were written",
    );
  }
  const huge = m.fields.AnonHugePages ?? 0;
  if (anon > 0) return fact(true, "smaps", `Anonymous: ${kb(anon)}`);
  if (huge > 0) return fact(true, "smaps", `AnonHugePages: ${kb(huge)}`);
  const swap = m.fields.Swap ?? 0;
  if (swap > 0 && !isLinklessShmemName(m.name)) {
    return fact(true, "smaps", `Swap: ${kb(swap)} (swapped anonymous pages)`);
  }
  if (m.fields.THPeligible === 1 && m.read && !m.mayShare && m.inode === 0n) {
    // A read fault in a THP-eligible anonymous VMA maps the huge zero page, and
    // do_huge_pmd_anonymous_page() prepares an anon_vma first: Rss and Anonymous stay 0, yet the
    // kernel dumps the VMA (as holes). smaps cannot tell this from a never-touched VMA.
    return fact(
      false,
      "unknown",
      "Anonymous: 0 kB but THPeligible: 1: a read fault may have mapped the huge zero page, which gives the VMA an anon_vma without anonymous pages",
    );
  }
  return fact(false, "inferred", "Anonymous: 0 kB, so probably never written (no anon_vma)");
}

function execBitFact(m: SmapsMapping, ctx: FactContext): Fact {
  const n = m.name;
  if (/^\/memfd:.* \(deleted\)$/s.test(n)) {
    return fact(true, "inferred", "memfd inodes have mode 0777 (unless MFD_NOEXEC_SEAL)");
  }
  if (isLinklessShmemName(n)) return fact(true, "inferred", "kernel shmem files have mode 0777");
  if (n === "/dev/zero") return fact(false, "inferred", "/dev/zero has mode 0666");
  if (n.startsWith("anon_inode:")) return fact(false, "inferred", "anon inodes have mode 0600");
  if (ctx.executable !== undefined && n === ctx.executable) {
    return fact(true, "inferred", "the executable (it was exec'd, so it has an exec bit)");
  }
  if (LIBRARY.test(n)) {
    return fact(true, "unknown", "shared library: 0755 on some distributions, 0644 on others");
  }
  return fact(false, "unknown", "file mode not visible in smaps");
}

function elfMagicFact(m: SmapsMapping, ctx: FactContext): Fact {
  const n = m.name;
  const anon = m.fields.Anonymous;
  if (gdbNameRule(n) === "empty" || n === "[heap]" || n === "[stack]" || n.startsWith("[anon:")) {
    if (anon === 0 && (m.fields.Swap ?? 0) === 0) {
      return fact(false, "smaps", "anonymous memory with no pages: reads as zeros");
    }
    return fact(false, "inferred", "anonymous memory rarely begins with \\x7fELF");
  }
  if (n === "/dev/zero") return fact(false, "inferred", "/dev/zero reads as zeros");
  if (ctx.executable !== undefined && n === ctx.executable) {
    return fact(true, "inferred", "the executable is an ELF file");
  }
  if (LIBRARY.test(n)) return fact(true, "inferred", "shared library or loader: an ELF file");
  if (NOT_ELF.test(n)) return fact(false, "inferred", "a known data file type, not ELF");
  if (n.startsWith("[") || n.startsWith("anon_inode:")) {
    return fact(false, "inferred", "not a file holding a program");
  }
  return fact(false, "unknown", "file content not visible in smaps");
}
