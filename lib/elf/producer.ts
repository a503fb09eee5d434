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

/** The producers coredelta knows. */
export type Producer = "kernel" | "gdb";

/** A producer verdict with the evidence for each side. */
export interface ProducerGuess {
  /** The producer with more evidence (at least two points and none against), else `unknown`. */
  readonly producer: Producer | "unknown";
  /** Observations pointing to the kernel. */
  readonly kernelEvidence: string[];
  /** Observations pointing to GDB. */
  readonly gdbEvidence: string[];
}

/** Inputs of the producer test. */
export interface LayoutFacts {
  readonly header: ElfHeader;
  readonly segments: readonly Segment[];
  readonly sections: readonly Section[];
  readonly notes: readonly RawNote[];
  readonly fileTablePageSize?: bigint;
}

/** Weighs the layout evidence of a parsed core. */
export function detectProducer(f: LayoutFacts): ProducerGuess {
  const k: string[] = [];
  const g: string[] = [];
  const loads = f.segments.filter((s) => s.type === PT_LOAD);
  const note = f.segments.find((s) => s.type === PT_NOTE);
  const tableEnd = BigInt(f.header.phoff + f.header.phnum * f.header.phentsize);

  const named = f.sections.filter((s) => s.name !== "");
  if (named.some((s) => s.name === "note0" || s.name === "load")) {
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
    const lastData = loads.reduce(
      (m, s) => (s.offset + s.filesz > m ? s.offset + s.filesz : m),
      0n,
    );
    if (loads.some((s) => s.filesz > 0n) && note.offset >= lastData) {
      g.push("PT_NOTE data lies after all memory data");
    }
    if (note.flags === 0) k.push("PT_NOTE has p_flags 0");
    else if (note.flags === PF_R) g.push("PT_NOTE has p_flags R");
  }
  if (loads.length > 0) {
    if (loads.every((s) => s.align === 1n)) g.push("every PT_LOAD has p_align 1");
    if (loads.every((s) => s.align >= 0x1000n && s.offset % 0x1000n === 0n)) {
      k.push("every PT_LOAD is page-aligned in the file");
    }
    if (loads.some((s) => s.filesz === 0n && s.memsz > 0n)) {
      k.push("zero-size PT_LOADs for mappings that were not dumped");
    }
    if (loads.some((s) => (s.flags & PF_R) === 0)) {
      k.push("a PT_LOAD without PF_R (real VMA permissions)");
    }
  }
  if (f.notes.some((n) => n.owner === "GDB")) g.push("a note owned by GDB (NT_GDB_TDESC)");
  if (f.notes.some((n) => n.owner === "LINUX" && n.type === 0x205)) {
    k.push("NT_X86_XSAVE_LAYOUT note (written only by the kernel)");
  }
  if (f.fileTablePageSize === 1n) g.push("NT_FILE page_size is 1 (byte offsets)");
  else if (f.fileTablePageSize !== undefined && f.fileTablePageSize > 1n) {
    k.push("NT_FILE page_size is the page size");
  }
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
