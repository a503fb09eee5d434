/**
 * Section headers of a core. The kernel writes none (or only section 0 under extended numbering);
 * GDB's BFD writer names them `note0`, `load` and `.shstrtab` (spec §2.6). They are read only as
 * layout evidence; nothing else in a core depends on them.
 *
 * @module
 */

import { ByteReader, cString, toSafeNumber } from "../bytes/reader.ts";
import type { ElfHeader } from "./header.ts";

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

/** Decoded raw section header fields plus the name offset, before names are resolved. */
interface RawSection extends Omit<Section, "name"> {
  readonly nameOffset: number;
}

/** Decodes `h.shnum` section headers from the table bytes read at `h.shoff`. */
export function parseSectionTable(table: Uint8Array, h: ElfHeader): RawSection[] {
  const is64 = h.bits === 64;
  const le = h.byteOrder === "little";
  const need = is64 ? 40 : 24;
  // One view over the table (not a reader per entry: GDB writes one section per mapping); equal
  // neighbouring values share one bigint.
  const view = new DataView(table.buffer, table.byteOffset, table.byteLength);
  const word = is64
    ? (at: number) => view.getBigUint64(at, le)
    : (at: number) => BigInt(view.getUint32(at, le));
  const last = [0n, 0n];
  const shared = (k: number, v: bigint): bigint => (v === last[k] ? last[k]! : (last[k] = v));
  const out: RawSection[] = [];
  for (let i = 0; i < h.shnum; i++) {
    const at = i * h.shentsize;
    if (at + need > table.length || need > h.shentsize) {
      // A short table or entry: read field by field, so the error names the field cut short.
      const r = new ByteReader(table.subarray(at, at + h.shentsize), h.byteOrder, h.shoff + at);
      for (const f of ["sh_name", "sh_type"]) r.u32(f);
      for (const f of ["sh_flags", "sh_addr", "sh_offset", "sh_size"]) r.word(is64 ? 8 : 4, f);
    }
    const nameOffset = view.getUint32(at, le);
    const type = view.getUint32(at + 4, le);
    const addr = shared(0, word(is64 ? at + 16 : at + 12));
    const offset = word(is64 ? at + 24 : at + 16);
    const size = shared(1, word(is64 ? at + 32 : at + 20));
    out.push({ nameOffset, type, addr, offset, size });
  }
  return out;
}

/** Where the section name string table lies, if it is usable. */
export function stringTableExtent(
  raw: RawSection[],
  h: ElfHeader,
  fileSize: number,
): { offset: number; size: number } | undefined {
  const s = raw[h.shstrndx];
  if (!s || h.shstrndx === 0) return undefined;
  const offset = toSafeNumber(s.offset, h.shoff, "sh_offset");
  const size = toSafeNumber(s.size, h.shoff, "sh_size");
  if (offset + size > fileSize) return undefined;
  return { offset, size };
}

/** Attaches names from the string table bytes (missing or out-of-range names become ""). */
export function nameSections(raw: RawSection[], strtab: Uint8Array | undefined): Section[] {
  // GDB names 70,000 sections "load" from one string table entry: one string per entry.
  const names = new Map<number, string>();
  const nameAt = (at: number): string => {
    let name = names.get(at);
    if (name === undefined) names.set(at, name = cString(strtab!.subarray(at)));
    return name;
  };
  return raw.map(({ nameOffset, ...rest }) => ({
    ...rest,
    name: strtab && nameOffset < strtab.length ? nameAt(nameOffset) : "",
  }));
}
