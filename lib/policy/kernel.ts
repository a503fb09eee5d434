/**
 * The kernel's per-VMA dump decision (`fs/coredump.c: vma_dump_size`, `always_dump_vma`; spec
 * dump-policies §1.4, decision table §1.10) and its page-level estimate (holes vs written pages,
 * `dump_user_range` + `get_dump_page`, §1.6).
 *
 * Profiles:
 * - `kernel` (K≥5.18, and 5.10.y/5.15.y with 84158b7f6a06): ELF-header rule = exec bit, else
 *   `\x7fELF` magic;
 * - `kernel-5.10` (5.10–5.17 unpatched): ELF-header rule = exec bit only;
 * - `kernel-5.9` (≤5.9, from 3.4 on): ELF-header rule = magic only, no exec-bit test.
 *
 * Not modelled: kernels before 3.4 (`VM_ALWAYSDUMP`, `VM_RESERVED`, hugetlb fall-through before
 * ~3.x), non-x86 special mappings' page contents, arm64 MTE tag segments.
 *
 * @module
 */

import type { KernelClass, KernelView } from "../smaps/classify.ts";
import type { SmapsMapping } from "../smaps/parse.ts";
import type { MappingFacts } from "./facts.ts";
import { hasBit } from "./filter.ts";

/** Kernel rule sets (see the module doc). */
export type KernelProfile = "kernel" | "kernel-5.10" | "kernel-5.9";

/** Every kernel profile name. */
export const KERNEL_PROFILES: readonly KernelProfile[] = ["kernel", "kernel-5.10", "kernel-5.9"];

/** Stable codes of the kernel rule that decided a VMA's dump size. */
export type KernelReason =
  | "kernel.special-mapping"
  | "kernel.dontdump"
  | "kernel.dax"
  | "kernel.hugetlb"
  | "kernel.io"
  | "kernel.anon-shared"
  | "kernel.file-shared"
  | "kernel.anon-private"
  | "kernel.no-file"
  | "kernel.file-private"
  | "kernel.elf-header-page"
  | "kernel.not-selected";

/** A kernel decision for one VMA under fixed facts. */
export interface KernelDecision {
  /** `dump_size` = `p_filesz`: 0, one page, or the whole VMA. */
  readonly p_filesz: number;
  /** The class used (depends on the `vmShared`/`nlinkZero` facts). */
  readonly class: KernelClass;
  /** The deciding rule. */
  readonly reason: KernelReason;
  /** One line for people. */
  readonly text: string;
}

const onOff = (b: boolean) => (b ? "set" : "clear");

/**
 * Decides `dump_size` for one VMA as `vma_dump_size` would (K≥3.4; profile picks the ELF-header
 * rule).
 *
 * @param m the mapping
 * @param view the kernel view of the mapping (from `kernelView`)
 * @param facts the facts, taken as true (unknown ones at their guessed value)
 * @param filter `coredump_filter` bits
 * @param profile kernel rule set
 * @param pageSize page size in bytes
 * @returns the decision
 */
export function decideKernel(
  m: SmapsMapping,
  view: KernelView,
  facts: MappingFacts,
  filter: number,
  profile: KernelProfile,
  pageSize: number,
): KernelDecision {
  const whole = m.size;
  const shared = facts.vmShared.value;
  const d = (p_filesz: number, cls: KernelClass, reason: KernelReason, text: string) => ({
    p_filesz,
    class: cls,
    reason,
    text,
  });
  if (view.isGate || view.isSpecial) {
    const what = view.isGate ? "Gate VMA" : "Special mapping";
    return d(
      whole,
      view.isGate ? "gate" : "special",
      "kernel.special-mapping",
      `${what} ${m.name}: always dumped whole (always_dump_vma), whatever the filter`,
    );
  }
  const privCls: KernelClass = view.hasFile ? "file-private" : "anon-private";
  if (view.dontDump) {
    return d(
      0,
      shared ? "file-shared" : privCls,
      "kernel.dontdump",
      "VM_DONTDUMP (dd): never dumped",
    );
  }
  if (view.dax) {
    const bit = shared ? "dax-shared" : "dax-private";
    const on = hasBit(filter, bit);
    return d(on ? whole : 0, "dax", "kernel.dax", `DAX mapping: ${bit} is ${onOff(on)}`);
  }
  if (view.hugetlb) {
    const bit = shared ? "hugetlb-shared" : "hugetlb-private";
    const on = hasBit(filter, bit);
    return d(
      on ? whole : 0,
      "hugetlb",
      "kernel.hugetlb",
      `hugetlb mapping: ${bit} is ${onOff(on)}`,
    );
  }
  if (view.io) return d(0, "io", "kernel.io", "VM_IO (io): never dumped");
  if (shared) {
    const zero = facts.nlinkZero.value;
    const bit = zero ? "anon-shared" : "mapped-shared";
    const on = hasBit(filter, bit);
    return d(
      on ? whole : 0,
      zero ? "anon-shared" : "file-shared",
      zero ? "kernel.anon-shared" : "kernel.file-shared",
      `VM_SHARED, inode has ${zero ? "no links" : "links"}: ${bit} is ${onOff(on)}`,
    );
  }
  if (facts.anonVma.value && hasBit(filter, "anon-private")) {
    return d(
      whole,
      privCls,
      "kernel.anon-private",
      `Private with anon_vma (${facts.anonVma.basis}): anon-private is set, whole VMA`,
    );
  }
  if (!view.hasFile) {
    const why = facts.anonVma.value ? "anon-private is clear" : "no anon_vma";
    return d(0, privCls, "kernel.no-file", `Private, no file, ${why}: not dumped`);
  }
  if (hasBit(filter, "mapped-private")) {
    return d(whole, privCls, "kernel.file-private", "Private file mapping: mapped-private is set");
  }
  if (hasBit(filter, "elf-headers") && m.offset === 0n && m.read) {
    const page = Math.min(pageSize, whole);
    const exec = facts.execBit.value;
    const magic = facts.elfMagic.value;
    const byExec = profile !== "kernel-5.9" && exec;
    const byMagic = profile !== "kernel-5.10" && magic && !byExec;
    if (byExec || byMagic) {
      const why = byExec ? "the file has an exec bit" : "memory starts with \\x7fELF";
      return d(
        page,
        privCls,
        "kernel.elf-header-page",
        `elf-headers: offset 0, readable, ${why}: first page`,
      );
    }
    const need = profile === "kernel-5.9"
      ? "no \\x7fELF magic"
      : profile === "kernel-5.10"
      ? "no exec bit (5.10-5.17 test the exec bit only)"
      : "no exec bit and no \\x7fELF magic";
    return d(0, privCls, "kernel.not-selected", `elf-headers set but ${need}: not dumped`);
  }
  return d(0, privCls, "kernel.not-selected", "Private file mapping, no filter bit selects it");
}

/** Expected page contents of a dumped kernel segment (estimates from smaps counters). */
export interface PageEstimate {
  /** Pages written with data. */
  readonly written: number;
  /** Pages left as holes (`dump_skip`: not populated, zero page, `VM_IO|VM_PFNMAP`, xonly gate). */
  readonly holes: number;
  /** Of `written`, pages expected to be zeros because they were faulted in untouched (shmem). */
  readonly zeroFilled: number;
  /** How the estimate was made. */
  readonly basis: string;
}

/**
 * Estimates holes vs written pages in the kernel core for `p_filesz` bytes of a VMA (§1.6):
 * special `VM_IO|VM_PFNMAP` mappings (`[vvar]`) and the xonly `[vsyscall]` are all holes; anonymous
 * memory without a `->fault` handler leaves non-resident pages as holes (written ≈ `Rss + Swap`);
 * shmem and file pages are faulted in and written (shmem pages never touched come out as zeros);
 * hugetlb pages not present are holes.
 *
 * @param m the mapping
 * @param decision the kernel decision
 * @param pageSize page size
 * @returns the estimate, or `undefined` when nothing is dumped
 */
export function estimatePages(
  m: SmapsMapping,
  decision: KernelDecision,
  pageSize: number,
): PageEstimate | undefined {
  const pages = Math.ceil(decision.p_filesz / pageSize);
  if (pages === 0) return undefined;
  const f = m.vmFlags;
  const resident = Math.min(
    pages,
    Math.ceil(((m.fields.Rss ?? 0) + (m.fields.Swap ?? 0)) / pageSize),
  );
  const est = (written: number, zeroFilled: number, basis: string): PageEstimate => ({
    written,
    holes: pages - written,
    zeroFilled,
    basis,
  });
  if (decision.class === "special" || decision.class === "gate") {
    if (f?.has("pf") || f?.has("io") || m.name.startsWith("[vvar")) {
      return est(0, 0, "VM_IO/VM_PFNMAP special mapping: get_dump_page fails, all holes");
    }
    if (decision.class === "gate" && !m.read) {
      return est(0, 0, "xonly gate page: no PTE, all holes");
    }
    return est(pages, 0, "special mapping pages are present");
  }
  if (decision.class === "hugetlb") {
    const hres = (m.fields.Shared_Hugetlb ?? 0) + (m.fields.Private_Hugetlb ?? 0);
    const w = Math.min(pages, Math.ceil(hres / pageSize));
    return est(w, 0, "hugetlb pages not present are holes (Shared/Private_Hugetlb)");
  }
  if (pages === 1 && decision.reason === "kernel.elf-header-page") {
    return est(1, 0, "file page read from the page cache");
  }
  const anonymousVma = !(m.inode !== 0n || m.dev !== "00:00") || m.name === "/dev/zero";
  if (anonymousVma && !m.mayShare) {
    return est(resident, 0, "anonymous: only resident or swapped pages (Rss + Swap) are written");
  }
  const shmem = /^\/(dev\/zero|SYSV[0-9a-fA-F]{8}|memfd:.*) \(deleted\)$/s.test(m.name) ||
    m.name.startsWith("[anon_shmem:");
  if (shmem) {
    return est(
      pages,
      pages - resident,
      "shmem: every page is faulted in; untouched ones are zeros",
    );
  }
  return est(pages, 0, "file pages are faulted in from the page cache and written");
}
