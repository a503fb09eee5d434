/**
 * What a truncated core lost, and whether the cut fits the kernel's RLIMIT_CORE accounting.
 *
 * The kernel writes a core in units (`dump_emit` in fs/coredump.c): the ELF header, each program
 * header, each note's header, name and descriptor, then each dumped page; holes are skipped with
 * `lseek` and never written. When the next unit would pass RLIMIT_CORE (`cprm->written + nr >
 * cprm->limit`), nothing more is written and the file ends after the last whole unit; the final
 * "extend to the full size" write only runs after a complete dump. So a core cut by the limit ends
 * exactly on a unit boundary; a copy cut at an arbitrary byte almost never does.
 *
 * @module
 */

import { PT_LOAD, PT_NOTE } from "../elf/constants.ts";
import type { CoreFile } from "../elf/core.ts";
import type { Truncation } from "./model.ts";

const PAGE = 4096;
const align4 = (n: number) => (n + 3) & ~3;

/** The file offsets at which a kernel write unit ends, around `size`. */
function unitBoundary(core: CoreFile, size: number): boolean {
  const h = core.header;
  const ehdr = h.bits === 64 ? 64 : 52;
  const headersEnd = h.phoff + h.phnum * h.phentsize;
  if (size <= headersEnd) {
    return size === ehdr || (size > h.phoff && (size - h.phoff) % h.phentsize === 0);
  }
  for (const s of core.segments) {
    const start = Number(s.offset), end = start + Number(s.filesz);
    if (s.type === PT_LOAD && s.filesz > 0n && size > start && size <= end) {
      return (size - start) % PAGE === 0;
    }
    if (s.type === PT_NOTE && size > start && size <= end) {
      // After a whole note: its descriptor ends (unpadded). Or inside the next: after its 12-byte
      // header, or after its name ("CORE\0" 5 bytes, "LINUX\0" 6).
      for (const n of core.notes) {
        const namesz = n.owner.length + 1;
        const descEnd = n.offset + 12 + align4(namesz) + n.size;
        if (size === descEnd) return true;
      }
      const last = core.notes.length > 0 ? core.notes[core.notes.length - 1]! : undefined;
      const next = last
        ? align4(last.offset + 12 + align4(last.owner.length + 1) + last.size)
        : start;
      return [next + 12, next + 12 + 5, next + 12 + 6].includes(size);
    }
  }
  return false;
}

/**
 * Describes the truncation of a core, or returns `undefined` when the file is whole.
 *
 * @param core the parsed core
 * @returns sizes, missing bytes and pages, whether the cut is inside the notes, and whether it fits
 *   the kernel's RLIMIT_CORE accounting
 */
export function truncationOf(core: CoreFile): Truncation | undefined {
  if (!core.truncated) return undefined;
  let expected = core.size, missingPages = 0, cutInNotes = false;
  for (const s of core.segments) {
    const end = Number(s.offset + s.filesz);
    if (s.filesz > 0n && end > expected) expected = end;
    const lost = Number(s.filesz - s.available);
    if (lost <= 0) continue;
    if (s.type === PT_LOAD) missingPages += Math.ceil(lost / PAGE);
    if (s.type === PT_NOTE) cutInNotes = true;
  }
  const missingBytes = expected - core.size;
  const byCoreLimit = core.producer.producer === "kernel" && unitBoundary(core, core.size);
  const hex = (n: number) => `0x${n.toString(16)}`;
  const text = `truncated: the file ends at ${hex(core.size)} (${core.size} bytes) of ${
    hex(expected)
  }; ${missingBytes} bytes missing (${missingPages} page(s) of memory)${
    cutInNotes ? "; the cut falls inside the notes, so later threads and notes are lost" : ""
  }${
    byCoreLimit
      ? "; it ends on a whole kernel write unit, as when the core size limit (RLIMIT_CORE, ulimit -c) stops the dump"
      : ""
  }`;
  return {
    fileSize: core.size,
    expectedSize: expected,
    missingBytes,
    missingPages,
    cutInNotes,
    byCoreLimit,
    text,
  };
}
