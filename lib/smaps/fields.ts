/**
 * The keys and `VmFlags` codes of `/proc/PID/smaps` (`fs/proc/task_mmu.c: __show_smap`,
 * `show_smap_vma_flags`, K7.1, plus codes older kernels printed).
 *
 * @module
 */

/** smaps keys whose value is `N kB` (K7.1 `__show_smap`, plus `smaps_rollup`'s `Pss_*`). */
export const KB_FIELDS: readonly string[] = [
  "Size",
  "KernelPageSize",
  "MMUPageSize",
  "Rss",
  "Pss",
  "Pss_Dirty",
  "Pss_Anon",
  "Pss_File",
  "Pss_Shmem",
  "Shared_Clean",
  "Shared_Dirty",
  "Private_Clean",
  "Private_Dirty",
  "Referenced",
  "Anonymous",
  "KSM",
  "LazyFree",
  "AnonHugePages",
  "ShmemPmdMapped",
  "FilePmdMapped",
  "Shared_Hugetlb",
  "Private_Hugetlb",
  "Swap",
  "SwapPss",
  "Locked",
];

/** smaps keys whose value is a bare number (`%8u`, no unit). */
export const BARE_FIELDS: readonly string[] = ["THPeligible", "ProtectionKey"];

/** `VmFlags` codes and the `vm_flags` bit each stands for (`show_smap_vma_flags`, K7.1 + history). */
export const VM_FLAG_NAMES: Readonly<Record<string, string>> = {
  rd: "VM_READ",
  wr: "VM_WRITE",
  ex: "VM_EXEC",
  sh: "VM_SHARED",
  mr: "VM_MAYREAD",
  mw: "VM_MAYWRITE",
  me: "VM_MAYEXEC",
  ms: "VM_MAYSHARE",
  gd: "VM_GROWSDOWN",
  pf: "VM_PFNMAP",
  gu: "VM_MAYBE_GUARD",
  lo: "VM_LOCKED",
  io: "VM_IO",
  sr: "VM_SEQ_READ",
  rr: "VM_RAND_READ",
  dc: "VM_DONTCOPY",
  de: "VM_DONTEXPAND",
  lf: "VM_LOCKONFAULT",
  ac: "VM_ACCOUNT",
  nr: "VM_NORESERVE",
  ht: "VM_HUGETLB",
  sf: "VM_SYNC",
  ar: "VM_ARCH_1",
  wf: "VM_WIPEONFORK",
  dd: "VM_DONTDUMP",
  bt: "VM_ARM64_BTI",
  sd: "VM_SOFTDIRTY",
  mm: "VM_MIXEDMAP",
  hg: "VM_HUGEPAGE",
  nh: "VM_NOHUGEPAGE",
  mg: "VM_MERGEABLE",
  um: "VM_UFFD_MISSING",
  uw: "VM_UFFD_WP",
  ui: "VM_UFFD_MINOR",
  mt: "VM_MTE",
  ss: "VM_SHADOW_STACK",
  dp: "VM_DROPPABLE",
  sl: "VM_SEALED",
  nl: "VM_NONLINEAR",
  mp: "VM_MPX",
  dw: "VM_DENYWRITE",
};
