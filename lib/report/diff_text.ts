/**
 * The diff report as an aligned table for a terminal.
 *
 * @module
 */

import type { DiffReport } from "../diff/model.ts";
import { hex } from "../bytes/hex.ts";
import {
  collapsedSentence,
  failing,
  headlineNotices,
  moduleRows,
  rangeLabel,
  reasonCodes,
  reportRows,
  runLabel,
  shortName,
  sideLabel,
} from "./diff_common.ts";
import { escapeTerminal as t } from "./escape.ts";
import { textTable } from "./table.ts";
import {
  ALIGNMENT_HEADER,
  alignmentRows,
  alignmentSummary,
  identityEvidence,
  identityLine,
} from "./diff_identity.ts";

/** Renders a report as text. */
export function renderDiffText(r: DiffReport): string {
  const out: string[] = [];
  out.push(
    `coredelta: ${r.verdict.toUpperCase()} (${r.expectation}) — ${r.summary.differences} difference(s), ${r.summary.unexpected} unexpected, ${r.summary.unexplained} unexplained`,
  );
  out.push(t(identityLine(r)));
  for (const e of identityEvidence(r)) out.push(`   ${t(e)}`);
  for (const [k, c] of [["A", r.a], ["B", r.b]] as const) {
    out.push(
      `${k}: ${t(c.label)} — ${
        t(c.producer)
      } core, ${c.size} bytes, ${c.loads} PT_LOAD, ${c.threads} threads, identity ${
        hex(c.fileHash, 16)
      }${c.truncated ? ", TRUNCATED" : ""}`,
    );
    out.push(
      `   resident estimate ${c.memory.nonZeroPages} non-zero pages (+${c.memory.zeroPages} zero), ${c.memory.unsavedPages} pages not saved`,
    );
  }
  out.push(
    `context: ${
      r.context.smaps
        ? `smaps, filter ${r.context.filter}`
        : "no smaps (explanations inferred from the cores)"
    }`,
  );
  out.push(...headlineNotices(r).map(t));
  for (const w of r.context.warnings) out.push(`warning: ${t(w)}`);
  out.push("");
  const rows = [["", "range", "name", "status", "A", "B", "pages same/diff", "reasons"]];
  for (const row of reportRows(r)) {
    if (row.kind === "run") {
      rows.push([
        "",
        rangeLabel(row.run),
        runLabel(row.run),
        "same",
        "",
        "",
        `${row.run.pages}/0`,
        "",
      ]);
      continue;
    }
    const g = row.range;
    rows.push([
      failing(g) ? "!" : "",
      rangeLabel(g),
      t(shortName(g.name)),
      g.status,
      sideLabel(g.a),
      sideLabel(g.b),
      `${g.pages.same}/${g.pages.different}`,
      reasonCodes(g.differences).join(", "),
    ]);
    for (const run of g.runs) {
      if (g.pages.different > 0) {
        rows.push(["", `  ${rangeLabel(run)}`, `${run.pages} page(s) differ`, "", "", "", "", ""]);
      }
    }
    if (g.runsTotal > g.runs.length) {
      rows.push(["", `  … ${g.runsTotal - g.runs.length} more run(s)`, "", "", "", "", "", ""]);
    }
  }
  out.push(textTable(rows).trimEnd());
  const collapsed = collapsedSentence(r);
  if (collapsed) out.push(collapsed);
  if (r.alignment) {
    out.push("", `alignment (${alignmentSummary(r)}):`);
    const rows = alignmentRows(r).map((row) => row.map(t));
    out.push(textTable([[...ALIGNMENT_HEADER], ...rows], "  ").trimEnd());
  }
  if (r.notes.length > 0) {
    out.push("", "notes:");
    for (const n of r.notes) {
      out.push(
        `${n.expected ? " " : "!"} ${t(n.text)}${
          n.reasons.length ? ` [${n.reasons.map((x) => x.code).join(", ")}]` : " [unexplained]"
        }`,
      );
    }
  }
  const missing = r.files.filter((f) => !f.headerInA || !f.headerInB);
  out.push(
    "",
    `files a debugger needs: ${r.files.length}${
      missing.length ? ` (${missing.length} without their ELF header page in one core)` : ""
    }`,
  );
  for (const f of r.files) out.push(`  ${t(f.path)}`);
  const modules = moduleRows(r).map(([p, a, b]) => [t(p), a, b]);
  if (modules.length > 0) {
    out.push("", `modules: ${modules.length}`);
    out.push(textTable([["path", "build-id A", "build-id B"], ...modules], "  ").trimEnd());
  }
  return out.join("\n") + "\n";
}
