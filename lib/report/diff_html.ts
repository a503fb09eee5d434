/**
 * The diff report as a standalone HTML page (no external assets): verdict, inputs and the range
 * table. The triage web form renders richer views from the JSON; this page is what
 * `?format=html` and saved reports show without scripts.
 *
 * @module
 */

import type { DiffReport } from "../diff/model.ts";
import { escapeXml as x } from "./escape.ts";
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
import {
  ALIGNMENT_HEADER,
  alignmentRows,
  identityEvidence,
  identityFails,
  identityLine,
} from "./diff_identity.ts";

/** Renders a report as a complete HTML document. */
export function renderDiffHtml(r: DiffReport): string {
  const rows = reportRows(r).map((row) => {
    if (row.kind === "run") {
      return `<tr class="same collapsed"><td><code>${x(rangeLabel(row.run))}</code></td><td>${
        x(runLabel(row.run))
      }</td><td>same</td><td></td><td></td><td>${row.run.pages}/0</td><td></td></tr>`;
    }
    const g = row.range;
    return `<tr class="${g.status}${failing(g) ? " fail" : ""}"><td><code>${
      x(rangeLabel(g))
    }</code></td><td>${x(shortName(g.name))}</td><td>${g.status}</td><td>${
      x(sideLabel(g.a))
    }</td><td>${x(sideLabel(g.b))}</td><td>${g.pages.same}/${g.pages.different}</td><td>${
      reasonCodes(g.differences).map((c) => `<code>${x(c)}</code>`).join(" ")
    }</td></tr>`;
  }).join("\n");
  const notes = r.notes.map((n) =>
    `<li class="${n.expected ? "" : "fail"}">${x(n.text)} ${
      n.reasons.map((q) => `<code>${x(q.code)}</code>`).join(" ") || "<code>unexplained</code>"
    }</li>`
  ).join("\n");
  const modules = moduleRows(r).map(([p, a, b]) =>
    `<tr${a !== b && /^[0-9a-f]+$/.test(a) && /^[0-9a-f]+$/.test(b) ? ' class="fail"' : ""}><td>${
      x(p)
    }</td><td><code>${x(a)}</code></td><td><code>${x(b)}</code></td></tr>`
  ).join("\n");
  const moduleTable = modules
    ? `<h2>Modules</h2><table><thead><tr><th>path</th><th>build-id A</th><th>build-id B</th></tr></thead><tbody>
${modules}
</tbody></table>\n`
    : "";
  const identity = `<p class="identity${identityFails(r) ? " fail" : ""}"><strong>${
    x(identityLine(r))
  }</strong></p>${
    identityEvidence(r).length
      ? `<ul>${identityEvidence(r).map((e) => `<li>${x(e)}</li>`).join("")}</ul>`
      : ""
  }`;
  const alignment = r.alignment
    ? `<h2>Alignment (B = A + shift)</h2><table><thead><tr>${
      ALIGNMENT_HEADER.map((h) => `<th>${x(h)}</th>`).join("")
    }</tr></thead><tbody>\n${
      alignmentRows(r).map((row) => `<tr>${row.map((c) => `<td>${x(c)}</td>`).join("")}</tr>`)
        .join("\n")
    }\n</tbody></table>`
    : "";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>coredelta report: ${r.verdict}</title>
<style>body{font:14px system-ui,sans-serif;margin:1.5rem;color:#111}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;text-align:left}.fail{background:#fde2e2}.verdict-pass{color:#0a6b2d}.verdict-fail{color:#a40e0e}code{font-size:12px}</style></head>
<body><h1 class="verdict-${r.verdict}">${r.verdict.toUpperCase()} <small>(${r.expectation})</small></h1>
${identity}
<p>${r.summary.differences} differences: ${r.summary.expected} expected, ${r.summary.unexpected} unexpected, ${r.summary.unexplained} unexplained.</p>
<p>A: ${x(r.a.label)} (${x(r.a.producer)}, ${r.a.size} bytes) — B: ${x(r.b.label)} (${
    x(r.b.producer)
  }, ${r.b.size} bytes)</p>
${
    headlineNotices(r).map((n) => `<p class="notice">${x(n)}</p>\n`).join("")
  }<table><thead><tr><th>range</th><th>mapping</th><th>status</th><th>A</th><th>B</th><th>pages same/diff</th><th>reasons</th></tr></thead><tbody>
${rows}
</tbody></table>${collapsedSentence(r) ? `\n<p>${x(collapsedSentence(r))}</p>` : ""}
${alignment}
<h2>Notes</h2><ul>${notes}</ul>
${moduleTable}</body></html>
`;
}
