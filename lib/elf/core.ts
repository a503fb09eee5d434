/**
 * `parseCore`: everything in a Linux ELF core except the memory itself — header, program headers,
 * notes decoded into threads and process facts, the NT_FILE table and the producer. It reads only
 * the header, tables and notes through a {@link ByteSource}, so a multi-GiB core is never loaded.
 *
 * @module
 */

import type { ByteSource } from "../bytes/source.ts";
import { type Rows, rowsWhere } from "../bytes/rows.ts";
import { CoreFormatError } from "../errors.ts";
import {
  NT_AUXV,
  NT_FILE,
  NT_PRPSINFO,
  NT_PRSTATUS,
  NT_SIGINFO,
  PT_LOAD,
  PT_NOTE,
} from "./constants.ts";
import {
  EHDR_SIZE_64,
  type ElfHeader,
  needsSectionZero,
  parseRawHeader,
  parseSectionZero,
  resolveHeader,
} from "./header.ts";
import { parseNotes, type RawNote } from "./note.ts";
import { decodeNtFile, type FileTable } from "./nt_file.ts";
import {
  type AuxvEntry,
  decodeAuxv,
  decodePrPsInfo,
  decodePrStatus,
  decodeSigInfo,
  type PrPsInfo,
  type PrStatus,
  type SigInfo,
} from "./process_notes.ts";
import { detectProducer, type ProducerGuess } from "./producer.ts";
import { parseProgramHeaders, type Segment } from "./program_header.ts";
import { checkSectionTable, parseSections, type Section, stringTableExtent } from "./sections.ts";

/** Most program headers accepted (the kernel's `vm.max_map_count` tops out far below). */
export const MAX_PROGRAM_HEADERS = 4_000_000;
/** Largest notes segment read, in bytes. */
export const MAX_NOTES_BYTES = 256 * 1024 * 1024;
/** Largest section header table or string table read, in bytes. */
export const MAX_SECTION_BYTES = 64 * 1024 * 1024;

/** A note as listed by `inspect`: where it is and what it is, not its bytes. */
export interface NoteInfo {
  /** Owner name. */
  readonly owner: string;
  /** `n_type`. */
  readonly type: number;
  /** Type by name. */
  readonly typeName: string;
  /** Absolute offset of the note header. */
  readonly offset: number;
  /** `n_descsz`. */
  readonly size: number;
  /** Index of the thread the note belongs to, when it is a per-thread note. */
  readonly thread?: number;
}

/** One thread: its `NT_PRSTATUS` and the per-thread notes that follow it. */
export interface Thread {
  /** Thread id (`pr_pid`). */
  readonly tid: number;
  /** The decoded `NT_PRSTATUS`. */
  readonly status: PrStatus;
  /** This thread's `NT_SIGINFO` (kernel: only the dumping thread; GDB: every thread). */
  readonly siginfo?: SigInfo;
  /** Type names of the thread's other notes (`NT_PRFPREG`, `NT_X86_XSTATE`, ...). */
  readonly regsets: string[];
}

/** A parsed core file (no memory contents). */
export interface CoreFile extends DecodedNotes {
  /** File size in bytes. */
  readonly size: number;
  /** The ELF header. */
  readonly header: ElfHeader;
  /** Every program header, in table order (rows made when read: compare them by field). */
  readonly segments: Rows<Segment>;
  /** The PT_LOAD segments, in table order (rows made when read). */
  readonly loads: Rows<Segment>;
  /** Section headers (empty for kernel cores; rows made when read). */
  readonly sections: Rows<Section>;
  /** Which program wrote the core, with evidence. */
  readonly producer: ProducerGuess;
  /** True when the file ends before the data its headers describe (RLIMIT_CORE, a cut upload). */
  readonly truncated: boolean;
  /** Non-fatal findings, in plain words. */
  readonly warnings: string[];
}

async function readExact(
  src: ByteSource,
  offset: number,
  length: number,
  field: string,
): Promise<Uint8Array> {
  const bytes = await src.read(offset, length);
  if (bytes.length < length) {
    throw new CoreFormatError(
      offset,
      field,
      `File ends inside ${field}: needed ${length} bytes at this offset, found ${bytes.length}`,
    );
  }
  return bytes;
}

/** Notes assembled into process-wide facts and threads. */
export interface DecodedNotes {
  /** Every note, in file order. */
  readonly notes: NoteInfo[];
  /** Threads in note order (the first is the signalled/dumping thread for both producers). */
  readonly threads: Thread[];
  /** `NT_PRPSINFO`, when present. */
  readonly process?: PrPsInfo;
  /** The first `NT_SIGINFO` (the dumping thread's). */
  readonly siginfo?: SigInfo;
  /** `NT_AUXV`, when present. */
  readonly auxv?: AuxvEntry[];
  /** `NT_FILE`, when present. */
  readonly files?: FileTable;
}

/**
 * Decodes raw notes into threads and process facts. A note that follows an `NT_PRSTATUS` belongs to
 * that thread, except the process-wide `NT_PRPSINFO`, `NT_AUXV`, `NT_FILE` and non-CORE/LINUX owners
 * (kernel order: PRSTATUS₀, PRPSINFO, SIGINFO, AUXV, FILE, FPREG₀...; GDB order: PRPSINFO,
 * {PRSTATUS, FPREG, XSTATE, SIGINFO}ᵢ, AUXV, FILE, TDESC — spec §1.8.2 and §2.7).
 */
export function decodeNotes(raw: readonly RawNote[], h: ElfHeader): DecodedNotes {
  const notes: NoteInfo[] = [];
  const threads: { tid: number; status: PrStatus; siginfo?: SigInfo; regsets: string[] }[] = [];
  let process: PrPsInfo | undefined;
  let siginfo: SigInfo | undefined;
  let auxv: AuxvEntry[] | undefined;
  let files: FileTable | undefined;
  for (const n of raw) {
    const core = n.owner === "CORE" || n.owner === "LINUX";
    let thread: number | undefined;
    if (core && n.type === NT_PRSTATUS && n.owner === "CORE") {
      const status = decodePrStatus(n, h);
      threads.push({ tid: status.pid, status, regsets: [] });
      thread = threads.length - 1;
    } else if (core && n.owner === "CORE" && n.type === NT_PRPSINFO) {
      process ??= decodePrPsInfo(n, h);
    } else if (core && n.owner === "CORE" && n.type === NT_AUXV) {
      auxv ??= decodeAuxv(n, h);
    } else if (core && n.owner === "CORE" && n.type === NT_FILE) {
      files ??= decodeNtFile(n, h);
    } else if (core && n.owner === "CORE" && n.type === NT_SIGINFO) {
      const info = decodeSigInfo(n, h);
      siginfo ??= info;
      const t = threads[threads.length - 1];
      if (t && !t.siginfo) {
        t.siginfo = info;
        thread = threads.length - 1;
      }
    } else if (core && threads.length > 0 && n.type !== 0x205) {
      threads[threads.length - 1]!.regsets.push(n.typeName);
      thread = threads.length - 1;
    }
    notes.push({
      owner: n.owner,
      type: n.type,
      typeName: n.typeName,
      offset: n.offset,
      size: n.desc.length,
      ...(thread === undefined ? {} : { thread }),
    });
  }
  return {
    notes,
    threads,
    ...(process ? { process } : {}),
    ...(siginfo ? { siginfo } : {}),
    ...(auxv ? { auxv } : {}),
    ...(files ? { files } : {}),
  };
}

/** Reads the ELF header, resolving extended numbering through section header 0. */
export async function readHeader(src: ByteSource): Promise<ElfHeader> {
  const first = await src.read(0, EHDR_SIZE_64);
  const raw = parseRawHeader(first, src.size);
  let zero;
  if (needsSectionZero(raw)) {
    const len = raw.bits === 64 ? 64 : 40;
    zero = parseSectionZero(await readExact(src, raw.shoff, len, "section header 0"), raw);
  }
  return resolveHeader(raw, zero);
}

/**
 * Parses a core file's header, tables and notes. Throws {@link CoreFormatError} for malformed
 * input; a core cut short (RLIMIT_CORE, an interrupted copy) parses, with `truncated` set and the
 * affected segments marked.
 *
 * @example
 * ```ts ignore
 * const core = await parseCore(bytesSource(await Deno.readFile("core")));
 * console.log(core.producer.producer, core.loads.length, core.process?.fname);
 * ```
 */
export async function parseCore(src: ByteSource): Promise<CoreFile> {
  const header = await readHeader(src);
  if (header.phnum > MAX_PROGRAM_HEADERS) {
    throw new CoreFormatError(
      header.bits === 64 ? 56 : 44,
      "e_phnum",
      `More than ${MAX_PROGRAM_HEADERS} program headers`,
      header.phnum,
    );
  }
  const tableSize = header.phnum * header.phentsize;
  if (header.phoff + tableSize > src.size) {
    throw new CoreFormatError(
      header.phoff,
      "e_phnum",
      `Program header table (${header.phnum} entries of ${header.phentsize} bytes) runs past end of file`,
      header.phnum,
    );
  }
  const table = await readExact(src, header.phoff, tableSize, "program header table");
  const segments = parseProgramHeaders(table, header, src.size, src.fresh);
  const warnings: string[] = [];

  let sections: Rows<Section> = [];
  if (header.shoff !== 0 && header.shnum > 0) {
    const bytes = header.shnum * header.shentsize;
    if (bytes > MAX_SECTION_BYTES || header.shoff + bytes > src.size) {
      warnings.push(`Section header table (${header.shnum} entries) is out of bounds; ignored`);
    } else {
      const table = await readExact(src, header.shoff, bytes, "section header table");
      checkSectionTable(table, header);
      const ext = stringTableExtent(table, header, src.size);
      const strtab = ext && ext.size <= MAX_SECTION_BYTES
        ? await src.read(ext.offset, ext.size)
        : undefined;
      sections = parseSections(table, header, strtab, src.fresh);
    }
  }

  const raw: RawNote[] = [];
  let notesTruncated = false;
  for (const s of segments) {
    if (s.type !== PT_NOTE || s.filesz === 0n) continue;
    if (s.filesz > BigInt(MAX_NOTES_BYTES)) {
      throw new CoreFormatError(
        s.headerOffset,
        "p_filesz",
        `PT_NOTE segment is larger than ${MAX_NOTES_BYTES} bytes`,
        s.filesz,
      );
    }
    const available = Number(s.available);
    const bytes = available > 0
      ? await readExact(src, Number(s.offset), available, "PT_NOTE")
      : new Uint8Array();
    const list = parseNotes(bytes, Number(s.filesz), Number(s.offset), header.byteOrder, s.align);
    raw.push(...list.notes);
    if (list.garbage) {
      const g = list.garbage;
      warnings.push(
        `PT_NOTE segment ${s.index}: ${g.length} byte(s) at 0x${g.offset.toString(16)} after the ` +
          `last complete note are not a note (${g.field} 0x${g.value.toString(16)}: ${g.text}); ` +
          `ignored, the ${list.notes.length} note(s) before are kept`,
      );
    }
    if (list.truncated) {
      notesTruncated = true;
      warnings.push(
        `PT_NOTE segment ${s.index} is cut off by the end of the file; later notes are missing`,
      );
    }
  }
  const decoded = decodeNotes(raw, header);
  const loads = rowsWhere(segments, (s) => s.type === PT_LOAD);
  let cut = 0;
  for (const s of loads) if (s.truncated) cut++;
  if (cut > 0) {
    warnings.push(`${cut} PT_LOAD segment(s) extend past the end of the file (truncated core)`);
  }
  const producer = detectProducer({
    header,
    segments,
    sections,
    notes: raw,
    ...(decoded.files ? { fileTablePageSize: decoded.files.pageSize } : {}),
  });
  if (producer.origin) warnings.push(`This is ${producer.origin.text}`);
  return {
    size: src.size,
    header,
    segments,
    loads,
    sections,
    ...decoded,
    producer,
    truncated: notesTruncated || cut > 0,
    warnings,
  };
}
