/**
 * Program headers (`Elf32_Phdr` / `Elf64_Phdr`) of a core file, with what each `PT_LOAD` saved.
 *
 * In a core, `p_filesz` bytes of a segment are saved in the file; the tail `p_memsz - p_filesz` was
 * not saved (the filter or the ELF-header rule excluded it) — it is *unknown*, not zero. When the
 * file ends before `p_offset + p_filesz` the core was truncated (RLIMIT_CORE counts written bytes,
 * `fs/coredump.c: __dump_emit`): the segment is reported as truncated, not thrown.
 *
 * @module
 */

import { MadeRows, type Rows } from "../bytes/rows.ts";
import { CoreFormatError } from "../errors.ts";
import { nameOf, PT_LOAD, PT_NAMES } from "./constants.ts";
import type { ElfHeader } from "./header.ts";

/** One program header with derived extents. All 64-bit quantities are bigints. */
export interface Segment {
  /** Index in the program header table. */
  readonly index: number;
  /** Absolute file offset of this program header entry. */
  readonly headerOffset: number;
  /** `p_type`. */
  readonly type: number;
  /** `p_type` by name, e.g. `PT_LOAD`. */
  readonly typeName: string;
  /** `p_flags` (`PF_R` 4, `PF_W` 2, `PF_X` 1). */
  readonly flags: number;
  /** `p_offset`. */
  readonly offset: bigint;
  /** `p_vaddr`. */
  readonly vaddr: bigint;
  /** `p_paddr`. */
  readonly paddr: bigint;
  /** `p_filesz`: bytes saved in the file. */
  readonly filesz: bigint;
  /** `p_memsz`: size of the mapping in memory. */
  readonly memsz: bigint;
  /** `p_align`. */
  readonly align: bigint;
  /** Bytes of `p_filesz` actually present in the file (less than `filesz` when truncated). */
  readonly available: bigint;
  /** True when the file ends before `p_offset + p_filesz`. */
  readonly truncated: boolean;
  /** `p_memsz - p_filesz` when positive: memory that was not saved (unknown, not zero). */
  readonly unsaved: bigint;
}

/** Size in bytes of the program header table described by `h`. */
export function programHeaderTableSize(h: ElfHeader): number {
  return h.phnum * h.phentsize;
}

/** Where one program header table lies and how to read its words (shared by its segments). */
interface PhdrTable {
  readonly view: DataView;
  readonly le: boolean;
  readonly is64: boolean;
  /** File offset of the table. */
  readonly phoff: number;
  readonly entsize: number;
  /** File size. */
  readonly size: number;
}

const TWO_32 = 2 ** 32;
/** Above this, a 64-bit field is not an exact double. */
const HIGH_LIMIT = 2 ** 21;

/**
 * A {@link Segment} read from its program header table when a field is asked for: a row of the
 * table's rows, made when read (two fields, its index and the shared table). Fields are accessors,
 * so copy one by naming its fields or with `toJSON()`, not with a spread.
 */
class TableSegment implements Segment {
  /** Index in the program header table. */
  readonly index: number;
  readonly #t: PhdrTable;

  constructor(t: PhdrTable, index: number) {
    this.#t = t;
    this.index = index;
  }

  #word(at64: number, at32: number): bigint {
    const t = this.#t;
    const at = this.index * t.entsize;
    return t.is64
      ? t.view.getBigUint64(at + at64, t.le)
      : BigInt(t.view.getUint32(at + at32, t.le));
  }

  /** The field as an exact number, or -1 when it is 2^53 or more (then read it as a bigint). */
  #number(at64: number, at32: number): number {
    const t = this.#t;
    const at = this.index * t.entsize;
    if (!t.is64) return t.view.getUint32(at + at32, t.le);
    const lo = t.view.getUint32(at + at64 + (t.le ? 0 : 4), t.le);
    const hi = t.view.getUint32(at + at64 + (t.le ? 4 : 0), t.le);
    return hi < HIGH_LIMIT ? hi * TWO_32 + lo : -1;
  }

  get headerOffset(): number {
    return this.#t.phoff + this.index * this.#t.entsize;
  }
  get type(): number {
    return this.#t.view.getUint32(this.index * this.#t.entsize, this.#t.le);
  }
  get typeName(): string {
    return nameOf(PT_NAMES, this.type);
  }
  get flags(): number {
    return this.#t.view.getUint32(
      this.index * this.#t.entsize + (this.#t.is64 ? 4 : 24),
      this.#t.le,
    );
  }
  get offset(): bigint {
    return this.#word(8, 4);
  }
  get vaddr(): bigint {
    return this.#word(16, 8);
  }
  get paddr(): bigint {
    return this.#word(24, 12);
  }
  get filesz(): bigint {
    return this.#word(32, 16);
  }
  get memsz(): bigint {
    return this.#word(40, 20);
  }
  get align(): bigint {
    return this.#word(48, 28);
  }
  // The derived fields are computed in exact doubles where they fit (no bigint made for a boolean
  // or a zero): diffing 70,000 segments reads them many times.
  get available(): bigint {
    const offset = this.#number(8, 4), filesz = this.#number(32, 16), end = this.#t.size;
    if (offset < 0 || offset >= end) return 0n; // a file is smaller than 2^53 bytes
    if (filesz < 0) return BigInt(end - offset);
    return offset + filesz > end ? BigInt(end - offset) : BigInt(filesz);
  }
  get truncated(): boolean {
    const offset = this.#number(8, 4), filesz = this.#number(32, 16), end = this.#t.size;
    if (filesz === 0) return false;
    return offset < 0 || filesz < 0 || offset + filesz > end;
  }
  get unsaved(): bigint {
    const memsz = this.#number(40, 20), filesz = this.#number(32, 16);
    if (memsz >= 0 && filesz >= 0) return memsz > filesz ? BigInt(memsz - filesz) : 0n;
    const m = this.memsz, f = this.filesz;
    return m > f ? m - f : 0n;
  }

  /** True when `p_vaddr + p_memsz` passes `limit` (2^bits): in doubles when both are exact. */
  wraps(limit: bigint): boolean {
    const vaddr = this.#number(16, 8), memsz = this.#number(40, 20);
    // Below 2^53 each, a 64-bit sum cannot pass 2^64; 32-bit sums are exact in a double.
    if (vaddr >= 0 && memsz >= 0) return this.#t.is64 ? false : vaddr + memsz > 2 ** 32;
    return this.vaddr + this.memsz > limit;
  }

  /** The fields as a plain object, in declaration order (what `JSON.stringify` writes). */
  toJSON(): Segment {
    return {
      index: this.index,
      headerOffset: this.headerOffset,
      type: this.type,
      typeName: this.typeName,
      flags: this.flags,
      offset: this.offset,
      vaddr: this.vaddr,
      paddr: this.paddr,
      filesz: this.filesz,
      memsz: this.memsz,
      align: this.align,
      available: this.available,
      truncated: this.truncated,
      unsaved: this.unsaved,
    };
  }
}

/** The fields of `s` as a plain object (own properties), whatever object holds them. */
export function plainSegment(s: Segment): Segment {
  return s instanceof TableSegment ? s.toJSON() : { ...s };
}

/**
 * Decodes every program header from the table bytes (read at `h.phoff`). The rows are made when
 * read, and read their fields from `table` (or a copy) when asked (see {@link TableSegment}): a
 * few bytes per segment are kept, the table's own.
 *
 * @param table the bytes of the whole table
 * @param h the file header
 * @param fileSize total file size, to compute saved extents
 * @param keep true when nobody writes to `table` later (a `fresh` read): it is kept, not copied
 */
export function parseProgramHeaders(
  table: Uint8Array,
  h: ElfHeader,
  fileSize: number,
  keep = false,
): Rows<Segment> {
  const size = programHeaderTableSize(h);
  if (h.phoff + size > fileSize || table.length < size) {
    throw new CoreFormatError(
      h.phoff,
      "e_phnum",
      `Program header table (${h.phnum} entries of ${h.phentsize} bytes) runs past end of file`,
      h.phnum,
    );
  }
  const t: PhdrTable = {
    // A copy unless kept: a source may reuse the buffer it read into.
    view: keep
      ? new DataView(table.buffer, table.byteOffset, size)
      : new DataView(table.slice(0, size).buffer),
    le: h.byteOrder === "little",
    is64: h.bits === 64,
    phoff: h.phoff,
    entsize: h.phentsize,
    size: fileSize,
  };
  const limit = 1n << BigInt(h.bits);
  for (let i = 0; i < h.phnum; i++) {
    const s = new TableSegment(t, i);
    if (s.type === PT_LOAD && s.wraps(limit)) {
      throw new CoreFormatError(
        s.headerOffset,
        "p_memsz",
        `Segment ${i} wraps around the address space`,
        s.memsz,
      );
    }
  }
  return new MadeRows(h.phnum, (i) => new TableSegment(t, i));
}
