/**
 * Text rendering of a {@link PredictResult}: one aligned row per mapping, then totals, the
 * recomputed `/proc/PID/status` figures and warnings. Deterministic (no clock, no environment).
 *
 * @module
 */

import { escapeTerminal } from "./escape.ts";
import { toJson } from "./json.ts";
import { textTable } from "./table.ts";
import type { PredictResult, ProducerPrediction } from "../policy/predict.ts";

const hex = (n: number) => `0x${n.toString(16)}`;
const kb = (n: number) => `${Math.round(n / 1024)} kB`;

/** Shortens a name to `max` characters, keeping its end (the file name). */
function shorten(name: string, max: number): string {
  return name.length <= max ? name : `…${name.slice(name.length - max + 1)}`;
}

/** `W`, `1p`, `0` (empty PT_LOAD) or `.` (no PT_LOAD), as in spec §4.2. */
function dumpCode(p: ProducerPrediction): string {
  if (!p.emitted) return ".";
  return p.dump === "whole" ? "W" : p.dump === "page" ? "1p" : "0";
}

function outcomes(who: string, p: ProducerPrediction | undefined): string {
  if (!p?.assumption) return "";
  const alts = p.assumption.outcomes.map((o) => (o.emitted ? hex(o.p_filesz) : ".")).join("|");
  return `${who}:${p.assumption.assumption}(${alts})`;
}

/**
 * Renders the prediction as an aligned text table plus totals.
 *
 * @param r the prediction
 * @returns the text, newline-terminated
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseSmaps } from "../smaps/parse.ts";
 * import { predict } from "../policy/predict.ts";
 * const { mappings } = parseSmaps(
 *   "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0 [vsyscall]\nAnonymous: 0 kB\nVmFlags: ex \n",
 * );
 * assert.match(renderPredictText(predict(mappings, 0x33)), /\[vsyscall\] +W +0x1000 +kernel\.special-mapping/);
 * ```
 */
export function renderPredictText(r: PredictResult): string {
  const wantK = r.producers.includes("kernel"), wantG = r.producers.includes("gdb");
  const header = ["START-END", "PERMS", "NAME"];
  if (wantK) header.push("K", "K-SIZE", "K-REASON");
  if (wantG) header.push("G", "G-SIZE", "G-REASON");
  header.push("ASSUMPTIONS");
  const rows: string[][] = [header];
  for (const m of r.mappings) {
    const row = [
      `${m.start.toString(16)}-${m.end.toString(16)}`,
      m.perms,
      shorten(m.name, 40) || "-",
    ];
    for (const [want, p] of [[wantK, m.kernel], [wantG, m.gdb]] as const) {
      if (want && p) row.push(dumpCode(p), p.emitted ? hex(p.p_filesz) : "-", p.reason);
    }
    row.push([outcomes("K", m.kernel), outcomes("G", m.gdb)].filter(Boolean).join(" "));
    rows.push(row);
  }
  let out = `coredump_filter ${r.filter} (${r.filterBits.join(", ") || "no bits"}); ` +
    `kernel profile ${r.kernelProfile}; gdb filter ${r.gdb.effectiveFilter}` +
    `${r.gdb.dumpExcludedMappings ? ", dump-excluded-mappings on" : ""}\n\n`;
  out += textTable(rows);
  out += "\nW whole, 1p first page, 0 PT_LOAD with p_filesz 0, . no PT_LOAD\n\n";

  const cols = [["", ...(wantK ? ["kernel"] : []), ...(wantG ? ["gdb"] : [])]];
  const t = [r.totals.kernel, r.totals.gdb].filter((_, i) => (i === 0 ? wantK : wantG));
  const line = (label: string, f: (x: NonNullable<typeof t[number]>) => string) =>
    cols.push([label, ...t.map((x) => (x ? f(x) : ""))]);
  line("PT_LOAD segments", (x) => String(x.loadSegments));
  line("program headers", (x) => `${x.phnum}${x.pnXnum ? " (PN_XNUM)" : ""}`);
  line("memory bytes (p_filesz)", (x) => `${x.memoryBytes} (${hex(x.memoryBytes)})`);
  line("possible range", (x) => `${x.memoryBytesMin}..${x.memoryBytesMax}`);
  line("headers (no notes)", (x) => String(x.headerBytes));
  if (wantK) {
    line("hole pages (est.)", (x) => (x.holePages === undefined ? "-" : String(x.holePages)));
  }
  line("mappings with assumptions", (x) => String(x.uncertainMappings));
  out += textTable(cols);

  const s = r.status;
  out += `\nRecomputed /proc/PID/status: VmSize ${kb(s.VmSize)}, VmData ${kb(s.VmData)}, ` +
    `VmStk ${kb(s.VmStk)}, VmExe ${kb(s.VmExe)}, VmLib ${kb(s.VmLib)}, VmLck ${kb(s.VmLck)}, ` +
    `VmSwap ${kb(s.VmSwap)}, VmRSS ~${kb(s.VmRSS)}\n`;
  if (r.executable) out += `Executable (guessed): ${r.executable}\n`;
  for (const w of r.warnings) out += `warning: ${w}\n`;
  // Mapping paths come from the client's smaps: no control sequence reaches the terminal raw.
  return out.split("\n").map(escapeTerminal).join("\n");
}

/**
 * Renders a prediction as `coredelta predict` and `POST /v1/predict` print it.
 *
 * @param r the prediction
 * @param format `json` (addresses as `0x…` strings) or `text`
 * @returns the text
 */
export function renderPrediction(r: PredictResult, format: "json" | "text"): string {
  return format === "json" ? toJson(r) : renderPredictText(r);
}
