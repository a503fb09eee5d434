/**
 * The diff report as JUnit XML: one test case per aligned range (mapping) and one for the notes;
 * unexpected differences are failures.
 *
 * @module
 */

import type { Difference, DiffReport } from "../diff/model.ts";
import { escapeXml as x } from "./escape.ts";
import { collapsedTotals } from "../diff/collapse.ts";
import { headlineNotices, rangeLabel, shortName } from "./diff_common.ts";
import { alignmentRows, identityEvidence, identityFails, identityLine } from "./diff_identity.ts";

function failure(ds: readonly Difference[]): string {
  const bad = ds.filter((d) => !d.expected);
  if (bad.length === 0) return "";
  const text = bad.map((d) =>
    `${d.kind}: ${d.text} [${d.reasons.map((r) => r.code).join(", ") || "unexplained"}]`
  ).join("\n");
  return `<failure message="${x(`${bad.length} unexpected difference(s)`)}" type="${
    bad.some((d) => d.unexplained) ? "unexplained" : "unexpected"
  }">${x(text)}</failure>`;
}

/** Renders a report as JUnit XML. */
export function renderDiffJunit(r: DiffReport): string {
  const idFails = identityFails(r);
  const idText = [identityLine(r), ...identityEvidence(r)].join("\n");
  const cases = [
    `    <testcase classname="coredelta.identity" name="identity">${
      idFails
        ? `<failure message="${x(r.identity?.text ?? "")}" type="${x(r.identity?.code ?? "")}">${
          x(idText)
        }</failure>`
        : `<system-out>${x(idText)}</system-out>`
    }</testcase>`,
  ];
  cases.push(...r.ranges.map((g) => {
    const name = `${rangeLabel(g)} ${shortName(g.name)}`.trim();
    return `    <testcase classname="coredelta.mappings" name="${x(name)}">${
      failure(g.differences)
    }</testcase>`;
  }));
  const t = collapsedTotals(r);
  if (t.ranges > 0) {
    cases.push(
      `    <testcase classname="coredelta.mappings" name="${t.ranges} equal ranges in ${t.runs} runs"></testcase>`,
    );
  }
  if (r.alignment) {
    cases.push(
      `    <testcase classname="coredelta.alignment" name="alignment"><system-out>${
        x(alignmentRows(r).map((row) => row.join("  ")).join("\n"))
      }</system-out></testcase>`,
    );
  }
  cases.push(
    `    <testcase classname="coredelta.notes" name="notes">${failure(r.notes)}</testcase>`,
  );
  // Truncation, settings used, inferred and contradicted: shown with the suite, not as cases.
  const notices = headlineNotices(r);
  const failures = (idFails ? 1 : 0) +
    r.ranges.filter((g) => g.differences.some((d) => !d.expected)).length +
    (r.notes.some((d) => !d.expected) ? 1 : 0);
  return `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="coredelta" tests="${cases.length}" failures="${failures}">
  <testsuite name="${
    x(`${r.a.label} vs ${r.b.label}`)
  }" tests="${cases.length}" failures="${failures}" errors="0">
${cases.join("\n")}${
    notices.length ? `\n    <system-out>${x(notices.join("\n"))}</system-out>` : ""
  }
  </testsuite>
</testsuites>
`;
}
