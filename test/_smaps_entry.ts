/**
 * Test helper (private): renders smaps entries the way the kernel prints them, so tests can state a
 * mapping by its essentials and get realistic text to parse.
 *
 * @module
 */

/** The essentials of one smaps entry; sizes in bytes. */
export interface EntrySpec {
  /** Start address. */
  readonly start: bigint;
  /** Size in bytes. */
  readonly size: number;
  /** Permissions as printed (`rw-p`). */
  readonly perms: string;
  /** File offset in bytes (default 0). */
  readonly offset?: bigint;
  /** Device (default `00:00`, or `fe:00` when `inode` is set). */
  readonly dev?: string;
  /** Inode (default 0). */
  readonly inode?: number;
  /** Name (default none). */
  readonly name?: string;
  /** `Rss` (default: `anonymous`). */
  readonly rss?: number;
  /** `Anonymous` (default 0). */
  readonly anonymous?: number;
  /** `AnonHugePages` (default 0). */
  readonly anonHuge?: number;
  /** `Swap` (default 0). */
  readonly swap?: number;
  /** `Private_Hugetlb` (default 0). */
  readonly privateHugetlb?: number;
  /** `Shared_Hugetlb` (default 0). */
  readonly sharedHugetlb?: number;
  /** `VmFlags` codes separated by spaces. */
  readonly flags: string;
}

const hex = (n: bigint, w: number) => n.toString(16).padStart(w, "0");
const kb = (label: string, bytes: number) =>
  `${`${label}:`.padEnd(16)}${String(bytes / 1024).padStart(8)} kB\n`;

/**
 * Renders one smaps entry (K6.18 field set and padding).
 *
 * @param s the essentials
 * @returns the entry's lines, newline-terminated
 */
export function smapsEntry(s: EntrySpec): string {
  const inode = s.inode ?? 0;
  const dev = s.dev ?? (inode ? "fe:00" : "00:00");
  let head = `${hex(s.start, 8)}-${hex(s.start + BigInt(s.size), 8)} ${s.perms} ${
    hex(s.offset ?? 0n, 8)
  } ${dev} ${inode} `;
  if (s.name) head = `${head.padEnd(72)} ${s.name}`;
  const anon = s.anonymous ?? 0;
  const rss = s.rss ?? anon;
  return `${head}\n` +
    kb("Size", s.size) + kb("KernelPageSize", 4096) + kb("MMUPageSize", 4096) + kb("Rss", rss) +
    kb("Pss", rss) + kb("Pss_Dirty", anon) + kb("Shared_Clean", 0) + kb("Shared_Dirty", 0) +
    kb("Private_Clean", rss - anon) + kb("Private_Dirty", anon) + kb("Referenced", rss) +
    kb("Anonymous", anon) + kb("KSM", 0) + kb("LazyFree", 0) +
    kb("AnonHugePages", s.anonHuge ?? 0) +
    kb("ShmemPmdMapped", 0) + kb("FilePmdMapped", 0) + kb("Shared_Hugetlb", s.sharedHugetlb ?? 0) +
    `Private_Hugetlb: ${String((s.privateHugetlb ?? 0) / 1024).padStart(7)} kB\n` +
    kb("Swap", s.swap ?? 0) + kb("SwapPss", 0) + kb("Locked", 0) +
    `THPeligible:    ${String(0).padStart(8)}\n` +
    `VmFlags: ${s.flags} \n`;
}
