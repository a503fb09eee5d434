/**
 * Which program wrote a core, judged from layout evidence (spec §1.7 and §2.6): the kernel puts
 * PT_NOTE first and right after the program headers, aligns data to pages, emits a PT_LOAD for every
 * VMA (zero-size ones included) and writes no section headers; GDB's BFD writer adds section headers
 * (`note0`, `load`), puts the notes after all memory, uses `p_align` 1 and always sets `PF_R`.
 *
 * @module
 */

import { PF_R, PT_LOAD, PT_NOTE } from "./constants.ts";
import type { ElfHeader } from "./header.ts";
import type { RawNote } from "./note.ts";
import type { Segment } from "./program_header.ts";
import type { Section } from "./sections.ts";
import type { Rows } from "../bytes/rows.ts";

/** The producers coredelta knows. */
export type Producer = "kernel" | "gdb";

/**
 * What a core that is not a Linux process core is: a kdump vmcore (the whole machine after a
 * kernel crash; its NT_PRSTATUS notes are CPUs) or a core of another system, whose notes are not
 * Linux notes.
 */
export type CoreOrigin = "kdump-vmcore" | "netbsd" | "openbsd" | "freebsd" | "solaris";

/** A producer verdict with the evidence for each side. */
export interface ProducerGuess {
  /** The producer with more evidence (at least two points and none against), else `unknown`. */
  readonly producer: Producer | "unknown";
  /** Set when the file is not a Linux process core at all, with what it is instead. */
  readonly origin?: { readonly kind: CoreOrigin; readonly text: string };
  /** Observations pointing to the kernel. */
  readonly kernelEvidence: string[];
  /** Observations pointing to GDB. */
  readonly gdbEvidence: string[];
}

/** Inputs of the producer test. */
export interface LayoutFacts {
  readonly header: ElfHeader;
  readonly segments: Rows<Segment>;
  readonly sections: Rows<Section>;
  readonly notes: readonly RawNote[];
  readonly fileTablePageSize?: bigint;
}

/** Recognises cores that are not Linux process cores, from their note owners. */
export function detectOrigin(notes: readonly RawNote[]): ProducerGuess["origin"] {
  const owners = new Set(notes.map((n) => n.owner));
  const has = (p: string) => [...owners].some((o) => o === p || o.startsWith(`${p}@`));
  if (owners.has("VMCOREINFO")) {
    const cpus = notes.filter((n) => n.owner === "CORE" && n.type === 1).length;
    return {
      kind: "kdump-vmcore",
      text: `a kdump vmcore (VMCOREINFO note): a dump of the whole machine after a kernel crash, ` +
        `not of one process; its ${cpus} NT_PRSTATUS note(s) are CPUs, not threads`,
    };
  }
  if (has("NetBSD-CORE")) {
    return {
      kind: "netbsd",
      text: "a NetBSD core (NetBSD-CORE notes), not a Linux core: its threads and process " +
        "information are in NetBSD's own notes, which are not decoded",
    };
  }
  if (owners.has("OpenBSD")) {
    return {
      kind: "openbsd",
      text: "an OpenBSD core (OpenBSD notes), not a Linux core: its registers and process " +
        "information are in OpenBSD's own notes, which are not decoded",
    };
  }
  if (owners.has("FreeBSD")) {
    return {
      kind: "freebsd",
      text: "a FreeBSD core (FreeBSD notes), not a Linux core: its notes are not decoded",
    };
  }
  if (notes.some((n) => n.owner === "CORE" && (n.type === 10 || n.type === 13))) {
    return {
      kind: "solaris",
      text: "a Solaris/illumos core (NT_PSTATUS/NT_PSINFO notes), not a Linux core",
    };
  }
  return undefined;
}

/** Weighs the layout evidence of a parsed core. */
export function detectProducer(f: LayoutFacts): ProducerGuess {
  const origin = detectOrigin(f.notes);
  const guess = weighLayout(f);
  // Not a Linux process core: no Linux producer's rules apply to it.
  return origin ? { ...guess, producer: "unknown", origin } : guess;
}

/** The kernel-or-GDB verdict from layout evidence. */
function weighLayout(f: LayoutFacts): ProducerGuess {
  const k: string[] = [];
  const g: string[] = [];
  let note: Segment | undefined;
  // The loads' layout in one pass over the table (70,000 rows are made once, not kept).
  let loads = 0, lastData = 0n, someData = false, allAlign1 = true, allPageAligned = true;
  let someNotDumped = false, someUnreadable = false;
  for (const s of f.segments) {
    if (s.type === PT_NOTE) note ??= s;
    if (s.type !== PT_LOAD) continue;
    loads++;
    const offset = s.offset, filesz = s.filesz, align = s.align;
    if (offset + filesz > lastData) lastData = offset + filesz;
    if (filesz > 0n) someData = true;
    if (align !== 1n) allAlign1 = false;
    if (align < 0x1000n || offset % 0x1000n !== 0n) allPageAligned = false;
    if (filesz === 0n && s.memsz > 0n) someNotDumped = true;
    if ((s.flags & PF_R) === 0) someUnreadable = true;
  }
  const tableEnd = BigInt(f.header.phoff + f.header.phnum * f.header.phentsize);

  let bfdNames = false;
  for (const s of f.sections) {
    const name = s.name;
    if (name === "note0" || name === "load") {
      bfdNames = true;
      break;
    }
  }
  if (bfdNames) {
    g.push("section headers named note0/load (BFD core writer)");
  } else if (f.header.shnum === 0) {
    k.push("no section headers");
  } else if (f.header.extendedNumbering && f.header.shnum === 1) {
    k.push("only section header 0, holding the extended program header count");
  }
  if (note) {
    if (note.index === 0 && note.offset === tableEnd) {
      k.push("PT_NOTE is the first segment and starts right after the program headers");
    }
    if (someData && note.offset >= lastData) g.push("PT_NOTE data lies after all memory data");
    if (note.flags === 0) k.push("PT_NOTE has p_flags 0");
    else if (note.flags === PF_R) g.push("PT_NOTE has p_flags R");
  }
  if (loads > 0) {
    if (allAlign1) g.push("every PT_LOAD has p_align 1");
    if (allPageAligned) k.push("every PT_LOAD is page-aligned in the file");
    if (someNotDumped) k.push("zero-size PT_LOADs for mappings that were not dumped");
    if (someUnreadable) k.push("a PT_LOAD without PF_R (real VMA permissions)");
  }
  if (f.notes.some((n) => n.owner === "GDB")) g.push("a note owned by GDB (NT_GDB_TDESC)");
  if (f.notes.some((n) => n.owner === "LINUX" && n.type === 0x205)) {
    k.push("NT_X86_XSAVE_LAYOUT note (written only by the kernel)");
  }
  if (f.fileTablePageSize === 1n) g.push("NT_FILE page_size is 1 (byte offsets)");
  else if (f.fileTablePageSize !== undefined && f.fileTablePageSize > 1n) {
    k.push("NT_FILE page_size is the page size");
  }
  // Marks only BFD's writer leaves (section names, a GDB-owned note) decide for GDB whatever the
  // layout says: older GDB wrote PT_NOTE first, right after the program headers, as the kernel does.
  const bfd = bfdNames || f.notes.some((n) => n.owner === "GDB");
  const kernelOnly = f.notes.some((n) => n.owner === "LINUX" && n.type === 0x205);
  if (bfd && !kernelOnly) return { producer: "gdb", kernelEvidence: k, gdbEvidence: g };
  const producer: Producer | "unknown" = k.length >= 2 && g.length === 0
    ? "kernel"
    : g.length >= 2 && k.length === 0
    ? "gdb"
    : k.length >= g.length + 3
    ? "kernel"
    : g.length >= k.length + 3
    ? "gdb"
    : "unknown";
  return { producer, kernelEvidence: k, gdbEvidence: g };
}
