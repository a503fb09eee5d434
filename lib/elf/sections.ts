/**
 * Section headers of a core. The kernel writes none (or only section 0 under extended numbering);
 * GDB's BFD writer names them `note0`, `load` and `.shstrtab` (spec §2.6). They are read only as
 * layout evidence; nothing else in a core depends on them.
 *
 * @module
 */

import { ByteReader, cString, toSafeNumber } from "../bytes/reader.ts";
import { MadeRows, type Rows } from "../bytes/rows.ts";
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

/** One section header table and its names (shared by its sections). */
interface ShdrTable {
  readonly view: DataView;
  readonly le: boolean;
  readonly is64: boolean;
  readonly entsize: number;
  readonly addr: number;
  readonly offset: number;
  readonly size: number;
  readonly name: (at: number) => string;
}

/**
 * A {@link Section} read from its table when a field is asked for: a row made when read (GDB writes
 * one section per segment, 70,000 for a large process). Fields are accessors: copy one by naming
 * its fields or with `toJSON()`, not with a spread.
 */
class TableSection implements Section {
  readonly #t: ShdrTable;
  readonly #at: number;

  constructor(t: ShdrTable, at: number) {
    this.#t = t;
    this.#at = at;
  }

  #word(k: number): bigint {
    const t = this.#t;
    return t.is64
      ? t.view.getBigUint64(this.#at + k, t.le)
      : BigInt(t.view.getUint32(this.#at + k, t.le));
  }

  get name(): string {
    return this.#t.name(this.#t.view.getUint32(this.#at, this.#t.le));
  }
  get type(): number {
    return this.#t.view.getUint32(this.#at + 4, this.#t.le);
  }
  get addr(): bigint {
    return this.#word(this.#t.addr);
  }
  get offset(): bigint {
    return this.#word(this.#t.offset);
  }
  get size(): bigint {
    return this.#word(this.#t.size);
  }

  /** The fields as a plain object (what `JSON.stringify` writes). */
  toJSON(): Section {
    return {
      type: this.type,
      addr: this.addr,
      offset: this.offset,
      size: this.size,
      name: this.name,
    };
  }
}

/**
 * Decodes the `h.shnum` section headers of the table bytes (checked whole by
 * {@link checkSectionTable}) with names from the string table bytes (missing or out-of-range names
 * become ""). The sections read their fields from the table (a copy unless `keep`: nobody writes
 * to the bytes later) when asked (see {@link TableSection}); each distinct name is decoded once. The
 * rows are made when read: a few bytes per section are kept, the table's own.
 */
export function parseSections(
  table: Uint8Array,
  h: ElfHeader,
  strtab: Uint8Array | undefined,
  keep = false,
): Rows<Section> {
  const { is64, addr, offset, size } = layout(h);
  // GDB names 70,000 sections "load" from one string table entry: one string per entry.
  const names = new Map<number, string>();
  const strings = keep ? strtab : strtab?.slice();
  const name = (at: number): string => {
    if (!strings || at >= strings.length) return "";
    let s = names.get(at);
    if (s === undefined) names.set(at, s = cString(strings.subarray(at)));
    return s;
  };
  const length = h.shnum * h.shentsize;
  const t: ShdrTable = {
    view: keep
      ? new DataView(table.buffer, table.byteOffset, length)
      : new DataView(table.slice(0, length).buffer),
    le: h.byteOrder === "little",
    is64,
    entsize: h.shentsize,
    addr,
    offset,
    size,
    name,
  };
  return new MadeRows(h.shnum, (i) => new TableSection(t, i * h.shentsize));
}
