/**
 * Section headers of a core. The kernel writes none (or only section 0 under extended numbering);
 * GDB's BFD writer names them `note0`, `load` and `.shstrtab` (spec §2.6). They are read only as
 * layout evidence; nothing else in a core depends on them.
 *
 * @module
 */

import { ByteReader, cString, toSafeNumber } from "../bytes/reader.ts";
import type { ElfHeader } from "./header.ts";
import type { Segment } from "./program_header.ts";

/** One section header, as far as coredelta uses it. */
export interface Section {
  /** Name from the section header string table ("" when unavailable). */
  readonly name: string;
  /** `sh_type`. */
  readonly type: number;
  /** `sh_addr`. */
  readonly addr: bigint;
  /** `sh_offset`. */
  readonly offset: bigint;
  /** `sh_size`. */
  readonly size: bigint;
}

/** Field offsets of one section header entry. */
function layout(h: ElfHeader) {
  const is64 = h.bits === 64;
  return is64
    ? { is64, need: 40, addr: 16, offset: 24, size: 32 }
    : { is64, need: 24, addr: 12, offset: 16, size: 20 };
}

/**
 * Checks that each of the `h.shnum` entries of the table bytes (read at `h.shoff`) is whole; the
 * error names the first field cut short.
 */
export function checkSectionTable(table: Uint8Array, h: ElfHeader): void {
  const { is64, need } = layout(h);
  for (let i = 0; i < h.shnum; i++) {
    const at = i * h.shentsize;
    if (at + need > table.length || need > h.shentsize) {
      // A short table or entry: read field by field, so the error names the field cut short.
      const r = new ByteReader(table.subarray(at, at + h.shentsize), h.byteOrder, h.shoff + at);
      for (const f of ["sh_name", "sh_type"]) r.u32(f);
      for (const f of ["sh_flags", "sh_addr", "sh_offset", "sh_size"]) r.word(is64 ? 8 : 4, f);
    }
  }
}

/** Where the section name string table lies, if it is usable (table checked whole). */
export function stringTableExtent(
  table: Uint8Array,
  h: ElfHeader,
  fileSize: number,
): { offset: number; size: number } | undefined {
  if (h.shstrndx === 0 || h.shstrndx >= h.shnum) return undefined;
  const { is64, offset: o, size: z } = layout(h);
  const view = new DataView(table.buffer, table.byteOffset, table.byteLength);
  const le = h.byteOrder === "little";
  const at = h.shstrndx * h.shentsize;
  const word = (k: number) =>
    is64 ? view.getBigUint64(at + k, le) : BigInt(view.getUint32(at + k, le));
  const offset = toSafeNumber(word(o), h.shoff, "sh_offset");
  const size = toSafeNumber(word(z), h.shoff, "sh_size");
  if (offset + size > fileSize) return undefined;
  return { offset, size };
}

/**
 * Decodes the `h.shnum` section headers of the table bytes (checked whole by
 * {@link checkSectionTable}) with names from the string table bytes (missing or out-of-range names
 * become ""). With the core's program headers, a section that describes one (GDB writes one per
 * segment, in table order) shares its `sh_addr` and `sh_offset` bigints with them, and equal
 * neighbouring values share one bigint: 70,000 sections keep no bigints of their own, and no
 * intermediate object is made per entry.
 */
export function parseSections(
  table: Uint8Array,
  h: ElfHeader,
  strtab: Uint8Array | undefined,
  segments: readonly Segment[] = [],
): Section[] {
  const { is64, addr: ao, offset: oo, size: so } = layout(h);
  const le = h.byteOrder === "little";
  const view = new DataView(table.buffer, table.byteOffset, table.byteLength);
  const word = is64
    ? (at: number) => view.getBigUint64(at, le)
    : (at: number) => BigInt(view.getUint32(at, le));
  // GDB names 70,000 sections "load" from one string table entry: one string per entry.
  const names = new Map<number, string>();
  const nameAt = (at: number): string => {
    let name = names.get(at);
    if (name === undefined) names.set(at, name = cString(strtab!.subarray(at)));
    return name;
  };
  let lastAddr = 0n, lastSize = 0n;
  let next = 0;
  const out: Section[] = [];
  for (let i = 0; i < h.shnum; i++) {
    const at = i * h.shentsize;
    const nameOffset = view.getUint32(at, le);
    const type = view.getUint32(at + 4, le);
    let addr = word(at + ao);
    if (addr === lastAddr) addr = lastAddr;
    else lastAddr = addr;
    let offset = word(at + oo);
    let size = word(at + so);
    if (size === lastSize) size = lastSize;
    else lastSize = size;
    // The next program header, or the one after it (a section may be missing for one).
    for (let k = next; k <= next + 1; k++) {
      const s = segments[k];
      if (s?.offset !== offset) continue;
      offset = s.offset;
      if (s.vaddr === addr) addr = s.vaddr;
      next = k + 1;
      break;
    }
    const name = strtab && nameOffset < strtab.length ? nameAt(nameOffset) : "";
    out.push({ type, addr, offset, size, name });
  }
  return out;
}
