/**
 * Classifies each mapping twice: as the kernel's core dumper sees it (`fs/coredump.c:
 * vma_dump_size`, spec dump-policies §1.5) and as GDB's `gcore` sees it (`gdb/linux-tdep.c:
 * mapping_is_anonymous_p`, `dump_mapping_p`, §2.3). The two views differ: the kernel looks at
 * `vm_file`, `VM_SHARED` and the inode's link count; GDB looks at the name and the `Anonymous:`
 * counters, so `[heap]` is "file" to GDB and an unlinked file is "anonymous".
 *
 * Only what smaps shows is used here; facts smaps cannot show (link counts of unlinked files, exec
 * bits, `anon_vma`) are the policy engine's business (`lib/policy/facts.ts`).
 *
 * @module
 */

import type { SmapsMapping } from "./parse.ts";
import { asTable, type SmapsTable } from "./table.ts";

/** The kernel's class of a VMA, in the order `vma_dump_size` tests them. */
export type KernelClass =
  | "gate"
  | "special"
  | "dax"
  | "hugetlb"
  | "io"
  | "anon-shared"
  | "file-shared"
  | "anon-private"
  | "file-private";

/** What the kernel's dumper would see of one VMA, as far as smaps shows it. */
export interface KernelView {
  /** The class that decides the dump (see {@link KernelClass}). */
  readonly class: KernelClass;
  /** The x86-64 gate VMA `[vsyscall]` (`get_gate_vma`), dumped whole always. */
  readonly isGate: boolean;
  /** A named special mapping (`vm_ops->name` or `arch_vma_name`: `[vdso]`, `[vvar]`, ...). */
  readonly isSpecial: boolean;
  /** The VMA has a `vm_file` (inode or device non-zero). */
  readonly hasFile: boolean;
  /** `VM_SHARED` (`sh` VmFlag); without VmFlags the `s` permission is taken instead. */
  readonly vmShared: boolean;
  /** `VM_DONTDUMP` (`dd`). */
  readonly dontDump: boolean;
  /** `VM_IO` (`io`). */
  readonly io: boolean;
  /** `VM_HUGETLB` (`ht`), or a hugetlb name when VmFlags are missing. */
  readonly hugetlb: boolean;
  /** DAX, inferred: `VM_SYNC` (`sf`, only DAX allows `MAP_SYNC`) or a `/dev/daxN.M` device. */
  readonly dax: boolean;
  /** Whether the VmFlags line was present (else flags come from perms and names). */
  readonly flagsKnown: boolean;
  /** The name is a shmem object that never has links: `/dev/zero (deleted)`, SysV, memfd, ... */
  readonly linklessShmem: boolean;
}

/** GDB's anonymous/file class of a mapping (`mapping_anon_p`, `mapping_file_p`). */
export type GdbClass = "anon" | "file" | "both";

/** Which name rule of `mapping_is_anonymous_p` made a name anonymous. */
export type GdbNameRule = "empty" | "dev-zero" | "sysv" | "deleted";

/** What GDB's `linux_find_memory_regions_full` / `dump_mapping_p` sees of one mapping. */
export interface GdbView {
  /** `anon`, `file` or `both` (anonymous by name or by `Anonymous`/`AnonHugePages` > 0). */
  readonly class: GdbClass;
  /** The `Anonymous:` line was present (`has_anonymous`); without it GDB dumps everything. */
  readonly hasAnonymousField: boolean;
  /** The name rule that made the name anonymous, or `null` for a "file" name. */
  readonly nameRule: GdbNameRule | null;
  /** `Anonymous` or `AnonHugePages` > 0. */
  readonly anonPages: boolean;
  /** VmFlags present (`has_vmflags`). */
  readonly flagsKnown: boolean;
  /** Private: `!sh` when VmFlags are known, else the `p` permission. */
  readonly private: boolean;
  /** `io` VmFlag. */
  readonly io: boolean;
  /** `dd` VmFlag. */
  readonly dontDump: boolean;
  /** `ht` VmFlag. */
  readonly hugetlb: boolean;
  /** Name is exactly `[vdso]` or `[vsyscall]` (always dumped). */
  readonly alwaysDump: boolean;
}

/** Bracketed names the kernel gives to VMAs that are *not* special mappings (`get_vma_name`). */
const ORDINARY_BRACKETED = /^\[(heap|stack|stack:\d+|anon:.*|anon_shmem:.*)\]$/s;

/** True for the x86-64 gate VMA. */
export function isGateName(name: string): boolean {
  return name === "[vsyscall]";
}

/**
 * True for a named special mapping: any bracketed name other than `[heap]`, `[stack]`,
 * `[stack:TID]`, `[anon:…]` and `[anon_shmem:…]` comes from `vm_ops->name` or `arch_vma_name`
 * (`[vdso]`, `[vvar]`, `[vvar_vclock]`, `[uprobes]`, `[sigpage]`, `[vectors]`, ...), since file
 * paths never start with `[`.
 *
 * @param name the mapping name
 * @returns whether `always_dump_vma` would hold
 */
export function isSpecialName(name: string): boolean {
  return /^\[.*\]$/s.test(name) && !ORDINARY_BRACKETED.test(name) && !isGateName(name);
}

/**
 * True when the name is a shmem object whose inode never has links (`i_nlink == 0`): shared
 * anonymous memory (`/dev/zero (deleted)`), SysV SHM, memfd, anonymous hugetlb, named shared
 * anonymous memory (`[anon_shmem:NAME]`).
 */
export function isLinklessShmemName(name: string): boolean {
  return /^\/dev\/zero \(deleted\)$/.test(name) ||
    /^\/SYSV[0-9a-fA-F]{8} \(deleted\)$/.test(name) ||
    /^\/memfd:.* \(deleted\)$/s.test(name) ||
    /^\/anon_hugepage \(deleted\)$/.test(name) ||
    /^\[anon_shmem:.*\]$/s.test(name);
}

/** Whether the mapping has a `vm_file` (a non-zero inode or device). */
export function hasFile(m: SmapsMapping): boolean {
  return m.inode !== 0n || m.dev !== "00:00";
}

/**
 * The kernel's view of one mapping.
 *
 * @param m the mapping
 * @param nlinkZero for a shared mapping, whether the file has no links; defaults to the name
 *   heuristic (linkless shmem or a ` (deleted)` suffix)
 * @returns the kernel view
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseSmaps } from "./parse.ts";
 * const [m] = parseSmaps("7f0000000000-7f0000002000 rw-s 00000000 00:01 1043 /dev/zero (deleted)\n")
 *   .mappings;
 * assert.equal(kernelView(m!).class, "anon-shared");
 * ```
 */
export function kernelView(m: SmapsMapping, nlinkZero?: boolean): KernelView {
  const f = m.vmFlags;
  const flagsKnown = f !== null;
  const isGate = isGateName(m.name);
  const isSpecial = isSpecialName(m.name);
  const vmShared = f ? f.has("sh") : m.mayShare;
  const hugetlb = f ? f.has("ht") : /^\/anon_hugepage \(deleted\)$/.test(m.name);
  const dax = (f?.has("sf") ?? false) || /^\/dev\/dax\d+\.\d+$/.test(m.name);
  const io = f?.has("io") ?? false;
  const file = hasFile(m);
  const linklessShmem = isLinklessShmemName(m.name);
  const zero = nlinkZero ?? (linklessShmem || m.name.endsWith(" (deleted)"));
  let cls: KernelClass;
  if (isGate) cls = "gate";
  else if (isSpecial) cls = "special";
  else if (dax) cls = "dax";
  else if (hugetlb) cls = "hugetlb";
  else if (io) cls = "io";
  else if (vmShared) cls = zero ? "anon-shared" : "file-shared";
  else cls = file ? "file-private" : "anon-private";
  return {
    class: cls,
    isGate,
    isSpecial,
    hasFile: file,
    vmShared,
    dontDump: f?.has("dd") ?? false,
    io,
    hugetlb,
    dax,
    flagsKnown,
    linklessShmem,
  };
}

/**
 * Which rule of GDB's `mapping_is_anonymous_p` makes a name anonymous, or `null` for a file name.
 *
 * @param name the mapping name as printed
 * @returns the rule, or `null`
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(gdbNameRule("/memfd:x (deleted)"), "deleted");
 * assert.equal(gdbNameRule("[heap]"), null);
 * ```
 */
export function gdbNameRule(name: string): GdbNameRule | null {
  if (name === "") return "empty";
  if (/^\/dev\/zero( \(deleted\))?$/.test(name)) return "dev-zero";
  if (/^\/?SYSV[0-9a-fA-F]{8}( \(deleted\))?$/.test(name)) return "sysv";
  if (name.endsWith(" (deleted)")) return "deleted";
  return null;
}

/**
 * GDB's view of one mapping (G10–G17 `linux_find_memory_regions_full` + `dump_mapping_p` inputs).
 *
 * @param m the mapping
 * @returns the GDB view
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseSmaps } from "./parse.ts";
 * const [m] = parseSmaps(
 *   "55d000000000-55d000021000 rw-p 00000000 00:00 0 [heap]\nAnonymous: 8 kB\nVmFlags: rd wr mr mw me ac \n",
 * ).mappings;
 * assert.equal(gdbView(m!).class, "both");
 * ```
 */
export function gdbView(m: SmapsMapping): GdbView {
  const f = m.vmFlags;
  const nameRule = gdbNameRule(m.name);
  const anonPages = (m.fields.Anonymous ?? 0) > 0 || (m.fields.AnonHugePages ?? 0) > 0;
  return {
    class: nameRule !== null ? "anon" : anonPages ? "both" : "file",
    hasAnonymousField: "Anonymous" in m.fields,
    nameRule,
    anonPages,
    flagsKnown: f !== null,
    private: f ? !f.has("sh") : !m.mayShare,
    io: f?.has("io") ?? false,
    dontDump: f?.has("dd") ?? false,
    hugetlb: f?.has("ht") ?? false,
    alwaysDump: m.name === "[vdso]" || m.name === "[vsyscall]",
  };
}

/**
 * Guesses the main executable's pathname: the name of the highest file-backed mapping below
 * `[heap]` (the kernel places the brk area right after the executable's last segment); without a
 * heap, the name of the lowest mapping when it is a file mapped at offset 0 (user mmaps are placed
 * top-down, above the executable). Either way the name must also have an executable mapping (text).
 * A guess, not a fact: a program that maps files below its heap can fool it.
 *
 * @param mappings all mappings in address order (a table or plain mappings)
 * @returns the pathname, or `undefined` when nothing fits
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseSmaps } from "./parse.ts";
 * const { mappings } = parseSmaps(
 *   "00400000-00401000 r-xp 00000000 08:01 12 /bin/x\n00600000-00621000 rw-p 00000000 00:00 0 [heap]\n",
 * );
 * assert.equal(guessExecutable(mappings), "/bin/x");
 * ```
 */
export function guessExecutable(
  mappings: SmapsTable | readonly SmapsMapping[],
): string | undefined {
  const t = asTable(mappings);
  // Bodies hold everything but addresses, so the walks below look at each distinct one once.
  const hasText = (name: string) => t.bodies.some((m) => m.name === name && m.exec);
  let heap = -1;
  for (let i = 0; i < t.length && heap < 0; i++) if (t.body(i).name === "[heap]") heap = i;
  if (heap >= 0) {
    for (let i = heap - 1; i >= 0; i--) {
      const m = t.body(i);
      if (hasFile(m) && m.name.startsWith("/")) return hasText(m.name) ? m.name : undefined;
    }
  }
  const first = t.length > 0 ? t.body(0) : undefined;
  if (
    first && hasFile(first) && first.offset === 0n && first.name.startsWith("/") &&
    !first.name.endsWith(" (deleted)") && hasText(first.name)
  ) return first.name;
  return undefined;
}
