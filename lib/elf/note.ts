/**
 * Iterating the notes of a `PT_NOTE` segment (`Elf_Nhdr` + name + descriptor, each padded).
 *
 * Alignment: kernel cores set `p_align` 4 (0 before Linux 6.5) and gcore sets 1, but both pad names
 * and descriptors to 4 bytes; only an explicit `p_align` of 8 means 8-byte padding (as readelf does).
 * The iterator stops at the first malformed note (it never loops on bad sizes). Malformed bytes
 * after at least one complete note are reported as {@link NoteList.garbage}, not thrown; a segment
 * whose very first note is malformed is an error.
 *
 * @module
 */

import { type ByteOrder, ByteReader, cString } from "../bytes/reader.ts";
import { CoreFormatError } from "../errors.ts";
import { CORE_NOTE_NAMES, GDB_NOTE_NAMES, nameOf } from "./constants.ts";

/** One note as stored: owner, type and where its descriptor lies. */
export interface RawNote {
  /** Owner name, e.g. `CORE`, `LINUX`, `GDB`. */
  readonly owner: string;
  /** `n_type`. */
  readonly type: number;
  /** `n_type` by name for known owners, e.g. `NT_PRSTATUS`, or hex. */
  readonly typeName: string;
  /** Absolute file offset of the note header. */
  readonly offset: number;
  /** Absolute file offset of the descriptor. */
  readonly descOffset: number;
  /** The descriptor bytes (`n_descsz` long). */
  readonly desc: Uint8Array;
}

/** Result of reading a notes segment: the notes that were complete and whether the rest was cut. */
export interface NoteList {
  /** The complete notes, in file order. */
  readonly notes: RawNote[];
  /** True when the file ended inside the segment (a truncated core); later notes are lost. */
  readonly truncated: boolean;
  /**
   * Bytes after the last complete note that do not form a note (zero fill, garbled padding): the
   * walk stops there, as readelf's does, and the caller warns instead of rejecting the core.
   */
  readonly garbage?: NoteGarbage;
}

/** Where the notes of a segment stop making sense. */
export interface NoteGarbage {
  /** Absolute file offset of the first byte that is not a note. */
  readonly offset: number;
  /** Bytes from there to the end of the segment. */
  readonly length: number;
  /** Why: the header field that does not fit. */
  readonly field: "n_namesz" | "n_descsz";
  /** That field's value (or the bytes left when too short for a header). */
  readonly value: number;
  /** What is wrong, in a sentence. */
  readonly text: string;
}

/** Names a note type according to its owner's table. */
export function noteTypeName(owner: string, type: number): string {
  if (owner === "GDB") return nameOf(GDB_NOTE_NAMES, type);
  if (owner === "CORE" || owner === "LINUX") return nameOf(CORE_NOTE_NAMES, type);
  return `0x${type.toString(16)}`;
}

/** Rounds `n` up to a multiple of `align`, in doubles: a 32-bit mask would wrap sizes >= 2^31. */
function pad(n: number, align: number): number {
  return Math.ceil(n / align) * align;
}

/**
 * Parses the notes in `bytes`, the available bytes of a `PT_NOTE` segment at absolute `base`.
 *
 * @param bytes available bytes of the segment (may be shorter than `declared` in a truncated core)
 * @param declared the segment's `p_filesz`
 * @param base absolute file offset of `bytes[0]`
 * @param order byte order
 * @param pAlign the segment's `p_align`
 */
export function parseNotes(
  bytes: Uint8Array,
  declared: number,
  base: number,
  order: ByteOrder,
  pAlign: bigint,
): NoteList {
  const align = pAlign === 8n ? 8 : 4;
  const notes: RawNote[] = [];
  const r = new ByteReader(bytes, order, base);
  while (r.remaining > 0) {
    const start = r.pos;
    const stop = (field: "n_namesz" | "n_descsz", value: number, text: string): NoteList => {
      const at = base + start + (field === "n_namesz" ? 0 : 4);
      if (notes.length === 0) throw new CoreFormatError(at, field, text, value);
      const garbage = { offset: base + start, length: declared - start, field, value, text };
      return { notes, truncated: false, garbage };
    };
    if (r.remaining < 12) {
      if (start + 12 > declared) {
        return stop(
          "n_namesz",
          r.remaining,
          "Trailing bytes in the notes segment are too short for a note header",
        );
      }
      return { notes, truncated: true };
    }
    const namesz = r.u32("n_namesz");
    const descsz = r.u32("n_descsz");
    const type = r.u32("n_type");
    const nameEnd = start + 12 + pad(namesz, 4);
    const descStart = pad(nameEnd, align);
    const descEnd = descStart + descsz;
    if (descEnd > declared || nameEnd > declared) {
      const field = nameEnd > declared ? "n_namesz" : "n_descsz";
      return stop(
        field,
        field === "n_namesz" ? namesz : descsz,
        "Note runs past the end of its PT_NOTE segment",
      );
    }
    if (descEnd > bytes.length) return { notes, truncated: true };
    const owner = cString(bytes.subarray(start + 12, start + 12 + namesz));
    notes.push({
      owner,
      type,
      typeName: noteTypeName(owner, type),
      offset: base + start,
      descOffset: base + descStart,
      desc: bytes.subarray(descStart, descEnd),
    });
    const next = Math.min(pad(descEnd, align), bytes.length);
    r.seek(next, "n_descsz");
  }
  return { notes, truncated: bytes.length < declared };
}
