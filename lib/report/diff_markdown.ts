/**
 * The diff report as Markdown for a CI job summary.
 *
 * @module
 */

import type { DiffReport } from "../diff/model.ts";
import {
  collapsedSentence,
  failing,
  headlineNotices,
  moduleRows,
  rangeLabel,
  reasonCodes,
  shortName,
  sideLabel,
} from "./diff_common.ts";
import { escapeMarkdown as cell } from "./escape.ts";
import {
  ALIGNMENT_HEADER,
  alignmentRows,
  alignmentSummary,
  identityEvidence,
  identityLine,
} from "./diff_identity.ts";

/** Renders a report as Markdown: verdict, inputs, the ranges that differ, and note differences. */
export function renderDiffMarkdown(r: DiffReport): string {
  const out: string[] = [];
  out.push(`## coredelta: ${r.verdict === "pass" ? "✅ pass" : "❌ fail"} (${r.expectation})`, "");
  out.push(`**${cell(identityLine(r))}**`, "");
  for (const e of identityEvidence(r)) out.push(`- ${cell(e)}`);
  if (identityEvidence(r).length > 0) out.push("");
  out.push(
    `${r.summary.differences} differences: ${r.summary.expected} expected, ${r.summary.unexpected} unexpected, ${r.summary.unexplained} unexplained.`,
    "",
  );
  out.push("| | core | producer | size | PT_LOAD | threads |", "|---|---|---|---|---|---|");
  for (const [k, c] of [["A", r.a], ["B", r.b]] as const) {
    out.push(
      `| ${k} | ${cell(c.label)} | ${cell(c.producer)} | ${c.size} | ${c.loads} | ${c.threads} |`,
    );
  }
  out.push("");
  const notices = headlineNotices(r);
  if (notices.length) out.push(...notices.map((n) => `- ${cell(n)}`), "");
  const shown = r.ranges.filter((g) => g.differences.length > 0);
  if (shown.length > 0) {
    out.push(
      "| | range | mapping | status | A | B | pages differ | reasons |",
      "|---|---|---|---|---|---|---|---|",
    );
    for (const g of shown) {
      out.push(
        `| ${failing(g) ? "❌" : "✔"} | \`${rangeLabel(g)}\` | ${
          cell(shortName(g.name))
        } | ${g.status} | ${sideLabel(g.a)} | ${sideLabel(g.b)} | ${g.pages.different} | ${
          reasonCodes(g.differences).map((c) => `\`${c}\``).join(" ")
        } |`,
      );
    }
    out.push("");
  }
  const collapsed = collapsedSentence(r);
  if (collapsed) out.push(collapsed, "");
  if (r.alignment) {
    out.push(`**Alignment** (${alignmentSummary(r)})`, "");
    out.push(`| ${ALIGNMENT_HEADER.join(" | ")} |`, `|${"---|".repeat(ALIGNMENT_HEADER.length)}`);
    for (const row of alignmentRows(r)) {
      out.push(`| ${row.map((c, i) => (i >= 2 && i <= 4 ? `\`${c}\`` : cell(c))).join(" | ")} |`);
    }
    out.push("");
  }
  if (r.notes.length > 0) {
    out.push("**Notes**", "");
    for (const n of r.notes) {
      out.push(
        `- ${n.expected ? "" : "❌ "}${cell(n.text)} ${
          n.reasons.map((x) => `\`${x.code}\``).join(" ") || "`unexplained`"
        }`,
      );
    }
    out.push("");
  }
  const modules = moduleRows(r);
  if (modules.length > 0) {
    out.push("**Modules**", "", "| path | build-id A | build-id B |", "|---|---|---|");
    for (const [p, a, b] of modules) out.push(`| ${cell(p)} | ${cell(a)} | ${cell(b)} |`);
    out.push("");
  }
  return out.join("\n");
}
