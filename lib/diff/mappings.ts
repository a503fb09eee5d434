/**
 * The mappings of one core as things with an identity, not an address: file mappings by path and
 * file offset (NT_FILE), the special mappings by name (`[vdso]` at `AT_SYSINFO_EHDR`, the `[vvar]`
 * pages below it, `[stack]` holding `AT_RANDOM`, `[heap]` above the executable, `[vsyscall]`), and
 * anonymous mappings. Used to align two runs of one program under ASLR.
 *
 * @module
 */

import type { CoreDigest, SegmentDigest } from "../digest/model.ts";
import { rowForIndex } from "../digest/page_table.ts";
import type { CoreFile } from "../elf/core.ts";
import type { FileEntry } from "../elf/nt_file.ts";
import type { Segment } from "../elf/program_header.ts";
import { PF_W } from "../elf/constants.ts";
import { executableOf } from "./identity.ts";

/** One mapping of a core. */
export interface Mapping {
  /** Address range. */
  readonly start: bigint;
  readonly end: bigint;
  /** How it is identified. */
  readonly kind: "file" | "special" | "anon";
  /** Identity key (`path@offset#n`, `[stack]`, …; anon: empty until paired). */
  readonly key: string;
  /** Display name. */
  readonly name: string;
  /** Path of a file mapping. */
  readonly path?: string;
  /** Byte offset in that file. */
  readonly offset?: bigint;
  /** Build-id of the ELF module the file mapping belongs to, when the core holds it. */
  readonly buildId?: string;
  /** The PT_LOAD that covers it (absent when the producer wrote none, e.g. gcore). */
  readonly load?: Segment;
  /** Its page hashes. */
  readonly pages?: SegmentDigest;
  /** Writable (PF_W). */
  readonly writable: boolean;
}

/** Highest address a brk heap starts above the executable (x86-64 randomises 32 MiB, arm64 1 GiB). */
const BRK_RANGE = 1n << 30n;
const VSYSCALL = 0xffffffffff600000n;

function entryAt(sorted: readonly FileEntry[], addr: bigint): FileEntry | undefined {
  let lo = 0, hi = sorted.length - 1, found: FileEntry | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const e = sorted[mid]!;
    if (e.start <= addr) {
      found = e;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found && addr < found.end ? found : undefined;
}

const byStart = <T extends { start: bigint }>(x: T, y: T) =>
  x.start < y.start ? -1 : x.start > y.start ? 1 : 0;

function auxv(c: CoreFile, name: string): bigint | undefined {
  return c.auxv?.find((e) => e.name === name)?.value;
}

/** Lists the mappings of a digested core, each named by what it is. */
export function mappingsOf(d: CoreDigest): Mapping[] {
  const c = d.core;
  const entries = [...(c.files?.entries ?? [])].sort(byStart);
  type Draft = { -readonly [K in keyof Mapping]: Mapping[K] };
  const out: Draft[] = [];
  const loadStarts = new Set<bigint>();
  let k = 0;
  for (const load of c.loads) {
    const position = k++;
    if (load.memsz === 0n && load.filesz === 0n) continue;
    const end = load.vaddr + (load.memsz > load.filesz ? load.memsz : load.filesz);
    loadStarts.add(load.vaddr);
    const e = entryAt(entries, load.vaddr);
    const pages = rowForIndex(d.segments, load.index, position);
    const base = {
      start: load.vaddr,
      end,
      load,
      writable: (load.flags & PF_W) !== 0,
      ...(pages ? { pages } : {}),
    };
    if (e) {
      const offset = e.offset + (load.vaddr - e.start);
      out.push({ ...base, kind: "file", key: "", name: e.name, path: e.name, offset });
    } else out.push({ ...base, kind: "anon", key: "", name: "" });
  }
  for (const e of entries) {
    if (loadStarts.has(e.start)) continue;
    out.push({
      start: e.start,
      end: e.end,
      kind: "file",
      key: "",
      name: e.name,
      path: e.name,
      offset: e.offset,
      writable: false,
    });
  }
  out.sort(byStart);

  // Build-ids of the modules (read from the saved first pages during the digest).
  for (const mod of d.modules ?? []) {
    if (mod.buildId === undefined) continue;
    for (const m of out) {
      if (m.kind === "file" && m.path === mod.path && m.start >= mod.start && m.start < mod.end) {
        m.buildId = mod.buildId;
      }
    }
  }

  // File keys: path@offset, numbered when one file range is mapped more than once.
  const seen = new Map<string, number>();
  for (const m of out) {
    if (m.kind !== "file") continue;
    const k = `${m.path}@0x${m.offset!.toString(16)}`;
    const n = (seen.get(k) ?? 0) + 1;
    seen.set(k, n);
    m.key = n === 1 ? k : `${k}#${n}`;
  }
  const special = (m: Draft | undefined, name: string, key = name) => {
    if (!m || m.kind !== "anon") return;
    m.kind = "special";
    m.name = name;
    m.key = key;
  };
  const vdso = auxv(c, "AT_SYSINFO_EHDR");
  const vi = vdso === undefined ? -1 : out.findIndex((m) => m.start === vdso);
  if (vi >= 0) {
    special(out[vi], "[vdso]");
    for (
      let i = vi - 1, n = 1;
      i >= 0 && out[i]!.end === out[i + 1]!.start && !out[i]!.writable;
      i--, n++
    ) {
      special(out[i], "[vvar]", `[vvar]#${n}`);
    }
  }
  special(out.find((m) => m.start === VSYSCALL), "[vsyscall]");
  const inStack = auxv(c, "AT_RANDOM") ?? auxv(c, "AT_EXECFN");
  if (inStack !== undefined) {
    special(out.find((m) => m.start <= inStack && inStack < m.end), "[stack]");
  }
  const exe = executableOf(c);
  if (exe !== undefined) {
    let exeEnd = -1n;
    for (const m of out) {
      if (m.path?.replace(/ \(deleted\)$/, "") === exe && m.end > exeEnd) exeEnd = m.end;
    }
    const above = out.filter((m) =>
      m.kind === "anon" && m.start >= exeEnd && m.start - exeEnd <= BRK_RANGE
    );
    // An anonymous mapping right after the executable is its .bss when another follows (the heap);
    // alone, it is the heap itself (ASLR off and a .bss within the data page).
    const heap = above[0]?.start === exeEnd && above[1] ? above[1] : above[0];
    special(heap, "[heap]");
  }
  for (const m of out) if (m.kind === "anon") m.name = "anon";
  return out;
}
