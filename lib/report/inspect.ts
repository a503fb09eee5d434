/**
 * The `inspect` view of one core: header, producer with evidence, process and threads, segments with
 * NT_FILE names attached, and notes. A pure function of a parsed {@link CoreFile}.
 *
 * @module
 */

import { escapeTerminal } from "./escape.ts";
import { plainSegment } from "../elf/program_header.ts";
import type { CoreFile } from "../elf/core.ts";
import { flagString } from "../elf/constants.ts";
import type { FileEntry } from "../elf/nt_file.ts";
import { pcRegister } from "../elf/registers.ts";
import { signalName } from "../elf/signals.ts";
import { hex } from "../bytes/hex.ts";
import { toJson } from "./json.ts";
import { type Module, modulesToJson } from "../digest/modules.ts";
import { textTable } from "./table.ts";

/** Version of the inspect JSON shape. */
export const INSPECT_SCHEMA_VERSION = 1;

/** Finds the NT_FILE entry that covers `vaddr`, if any. */
export function fileFor(
  files: readonly FileEntry[] | undefined,
  vaddr: bigint,
): FileEntry | undefined {
  return files?.find((f) => f.start <= vaddr && vaddr < f.end);
}

/** The inspect model: the parsed core plus NT_FILE names attached to segments, and the modules. */
export function inspectModel(
  core: CoreFile,
  modules?: readonly Module[],
): Record<string, unknown> {
  return {
    schemaVersion: INSPECT_SCHEMA_VERSION,
    size: core.size,
    header: core.header,
    producer: core.producer,
    truncated: core.truncated,
    warnings: core.warnings,
    process: core.process,
    siginfo: core.siginfo,
    threads: core.threads,
    segments: Array.from(core.segments, (s) => ({
      ...plainSegment(s),
      file: fileFor(core.files?.entries, s.vaddr)?.name ?? null,
    })),
    sections: core.sections.length,
    notes: core.notes,
    auxv: core.auxv,
    files: core.files,
    ...(modules ? { modules: modulesToJson(modules) } : {}),
  };
}

/** Renders the inspect view as JSON (bigints as hex strings). */
export function renderInspectJson(core: CoreFile, modules?: readonly Module[]): string {
  return toJson(inspectModel(core, modules));
}

/** Renders the inspect view as text for a terminal. */
export function renderInspectText(
  core: CoreFile,
  label = "core",
  modules?: readonly Module[],
): string {
  const h = core.header;
  const out: string[] = [];
  out.push(`${label}: ${core.size} bytes, ELF${h.bits} ${h.byteOrder}-endian ${h.machineName}`);
  out.push(
    `program headers: ${h.phnum}${
      h.extendedNumbering ? " (PN_XNUM)" : ""
    }, PT_LOAD: ${core.loads.length}, ` +
      `section headers: ${h.shnum}, notes: ${core.notes.length}`,
  );
  const p = core.producer;
  out.push(`producer: ${p.producer}`);
  for (const e of p.kernelEvidence) out.push(`  kernel: ${e}`);
  for (const e of p.gdbEvidence) out.push(`  gdb:    ${e}`);
  if (core.truncated) out.push("TRUNCATED: the file ends before the data its headers describe");
  for (const w of core.warnings) out.push(`warning: ${w}`);
  if (core.process) {
    const ps = core.process;
    out.push(
      `process: pid ${ps.pid} ppid ${ps.ppid} uid ${ps.uid} gid ${ps.gid} state ${ps.sname} ` +
        `fname ${JSON.stringify(ps.fname)} psargs ${JSON.stringify(ps.psargs)}`,
    );
  }
  if (core.siginfo) {
    const s = core.siginfo;
    out.push(
      `signal: ${signalName(s.signo)} (${s.signo}) code ${s.code}` +
        (s.addr !== undefined ? ` addr ${hex(s.addr)}` : "") +
        (s.senderPid !== undefined ? ` from pid ${s.senderPid}` : ""),
    );
  }
  const pc = pcRegister(h.machine, h.bits);
  out.push(`threads: ${core.threads.length}`);
  out.push(
    textTable(
      core.threads.map((t) => [
        `tid ${t.tid}`,
        `cursig ${signalName(t.status.cursig)}`,
        pc && t.status.registers[pc] !== undefined ? `${pc} ${hex(t.status.registers[pc]!)}` : "",
        t.siginfo ? `siginfo ${signalName(t.siginfo.signo)}` : "",
        t.regsets.join(", "),
      ]),
      "  ",
    ).trimEnd(),
  );
  out.push("segments:");
  const w = h.bits === 64 ? 16 : 8;
  const rows = [["#", "type", "vaddr", "memsz", "filesz", "offset", "flags", "align", "file"]];
  for (const s of core.segments) {
    rows.push([
      String(s.index),
      s.typeName,
      hex(s.vaddr, w),
      hex(s.memsz),
      hex(s.filesz) + (s.truncated ? ` (only ${hex(s.available)} in file)` : ""),
      hex(s.offset),
      flagString(s.flags),
      hex(s.align),
      fileFor(core.files?.entries, s.vaddr)?.name ?? "",
    ]);
  }
  out.push(textTable(rows, "  ").trimEnd());
  out.push("notes:");
  out.push(
    textTable([
      ["owner", "type", "size", "offset", "thread"],
      ...core.notes.map((n) => [
        n.owner,
        n.typeName,
        String(n.size),
        hex(n.offset),
        n.thread === undefined ? "" : String(core.threads[n.thread]?.tid ?? ""),
      ]),
    ], "  ").trimEnd(),
  );
  if (core.files) {
    out.push(`files: ${core.files.entries.length} (page_size ${core.files.pageSize})`);
  }
  if (modules) out.push(renderModulesText(modules, w).trimEnd());
  // Core-derived strings (fname, psargs, note owners, file names) reach the terminal escaped.
  return out.join("\n").split("\n").map(escapeTerminal).join("\n") + "\n";
}

/** What a module's build-id column says when the core does not hold the id. */
export function buildIdText(m: Module): string {
  if (m.buildId) return m.buildId;
  if (m.buildIdSource === "missing-page") return "(header page not in the core)";
  if (m.buildIdSource === "not-elf") return "(not an ELF header)";
  return "(no build-id note)";
}

/** The modules as a text table (load address, end, build-id, path). */
export function renderModulesText(modules: readonly Module[], width = 16): string {
  const rows = [["start", "end", "build-id", "path"]];
  for (const m of modules) {
    rows.push([hex(m.start, width), hex(m.end, width), buildIdText(m), m.path]);
  }
  return `modules: ${modules.length}\n${textTable(rows, "  ")}${missingPageNote(modules)}`;
}

/**
 * Why header pages are missing, as a footnote line (empty when none is): the core was written
 * without the `elf-headers` filter bit (0x10), or by a GDB that does not save ELF header pages.
 */
export function missingPageNote(modules: readonly Module[]): string {
  const n = modules.filter((m) => m.buildIdSource === "missing-page").length;
  return n === 0
    ? ""
    : `${n} module(s) without their ELF header page in the core: it was written ` +
      "without the elf-headers filter bit (0x10 in coredump_filter), or by a GDB that does not save " +
      "ELF header pages\n";
}
