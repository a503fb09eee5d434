/**
 * The `NT_FILE` note: which files are mapped where (`fs/binfmt_elf.c: fill_files_note`).
 *
 * Layout: `long count; long page_size; {long start, end, file_ofs}[count]; char names[]` (count
 * NUL-terminated paths). `file_ofs` is in units of `page_size`: the kernel writes `PAGE_SIZE` and
 * page numbers, GDB writes `page_size = 1` and byte offsets (spec §2.8); {@link FileEntry.offset} is
 * always in bytes. Kernel names are raw `d_path` bytes, GDB's are the smaps text (`\012` escapes).
 *
 * @module
 */

import { ByteReader, toSafeNumber } from "../bytes/reader.ts";
import { CoreFormatError } from "../errors.ts";
import type { ElfHeader } from "./header.ts";
import type { RawNote } from "./note.ts";

/** One mapped file range. */
export interface FileEntry {
  /** Start address. */
  readonly start: bigint;
  /** End address (exclusive). */
  readonly end: bigint;
  /** `file_ofs` as stored (units of `pageSize`). */
  readonly fileOfs: bigint;
  /** Offset in the file, in bytes (`file_ofs * page_size`). */
  readonly offset: bigint;
  /** Path, decoded as UTF-8 (invalid bytes replaced). */
  readonly name: string;
}

/** A decoded `NT_FILE` note. */
export interface FileTable {
  /** `page_size`: 4096 from the kernel, 1 from GDB. */
  readonly pageSize: bigint;
  /** Entries in note order. */
  readonly entries: FileEntry[];
}

/** Decodes an `NT_FILE` descriptor, checking `count` against the descriptor size before use. */
export function decodeNtFile(note: RawNote, h: ElfHeader): FileTable {
  const w = h.bits === 64 ? 8 : 4;
  const r = new ByteReader(note.desc, h.byteOrder, note.descOffset);
  const countAt = r.offset;
  const count = r.word(w, "count");
  const pageSize = r.word(w, "page_size");
  const maxCount = BigInt(Math.floor(note.desc.length / (3 * w)));
  if (count > maxCount) {
    throw new CoreFormatError(countAt, "count", "NT_FILE count does not fit in the note", count);
  }
  const n = toSafeNumber(count, countAt, "count");
  const ranges: [bigint, bigint, bigint][] = [];
  for (let i = 0; i < n; i++) {
    ranges.push([r.word(w, "start"), r.word(w, "end"), r.word(w, "file_ofs")]);
  }
  const names = note.desc.subarray(r.pos);
  const decoder = new TextDecoder();
  const entries: FileEntry[] = [];
  let pos = 0;
  for (let i = 0; i < n; i++) {
    const nul = names.indexOf(0, pos);
    if (nul < 0) {
      throw new CoreFormatError(
        note.descOffset + r.pos + pos,
        "names",
        `NT_FILE has ${n} entries but only ${i} names`,
        i,
      );
    }
    const [start, end, fileOfs] = ranges[i]!;
    entries.push({
      start,
      end,
      fileOfs,
      offset: fileOfs * pageSize,
      name: decoder.decode(names.subarray(pos, nul)),
    });
    pos = nul + 1;
  }
  return { pageSize, entries };
}
