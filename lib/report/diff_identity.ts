/**
 * The identity verdict and the cross-run alignment as plain rows, shared by the text, Markdown,
 * JUnit and HTML renderers (each shows the identity at the top).
 *
 * @module
 */

import type { DiffReport } from "../diff/model.ts";
import { hex } from "../bytes/hex.ts";
import { rangeLabel, shortName } from "./diff_common.ts";

/** One line: how A and B are related, with the reason code of a mismatch. */
export function identityLine(r: DiffReport): string {
  const id = r.identity;
  if (!id) return "identity: not checked";
  return `identity: ${id.relation}${id.code ? ` [${id.code}]` : ""} — ${id.text}`;
}

/** Whether the identity fails the verdict (a mismatch under a same-process expectation). */
export function identityFails(r: DiffReport): boolean {
  const code = r.identity?.code;
  return !!code && r.notes.some((n) => !n.expected && n.reasons.some((q) => q.code === code));
}

/** The evidence that differs between A and B, as `field: a ≠ b` lines. */
export function identityEvidence(r: DiffReport): string[] {
  return (r.identity?.evidence ?? []).filter((e) => !e.same).map((e) =>
    `${e.field}: ${e.a || "-"} ≠ ${e.b || "-"}`
  );
}

/** A signed shift as hex (`-0x…` below zero). */
export function shiftLabel(v: bigint): string {
  return v < 0n ? `-${hex(-v)}` : `+${hex(v)}`;
}

/** Header of {@link alignmentRows}. */
export const ALIGNMENT_HEADER = [
  "mapping",
  "kind",
  "A",
  "B",
  "shift",
  "saved A/B",
  "resident A/B",
  "pages same/diff",
] as const;

/** One row per aligned mapping (same-program): name, kind, A range, B range, shift, pages. */
export function alignmentRows(r: DiffReport): string[][] {
  return (r.alignment ?? []).map((m) => [
    `${shortName(m.name.replace(/ \+0x[0-9a-f]+$/, ""))}${
      m.name.match(/ \+0x[0-9a-f]+$/)?.[0] ?? ""
    }${m.writable ? " (w)" : ""}`,
    m.kind,
    rangeLabel(m.a),
    rangeLabel(m.b),
    shiftLabel(m.shift),
    `${m.pages.savedA}/${m.pages.savedB}`,
    `${m.pages.residentA}/${m.pages.residentB}`,
    `${m.pages.same}/${m.pages.different}`,
  ]);
}

/** `N pairs, B = A + shift; X only in A, Y only in B` (same-program). */
export function alignmentSummary(r: DiffReport): string {
  const only = (s: string) => r.ranges.filter((g) => g.status === s).length;
  return `${r.alignment?.length ?? 0} pairs, B = A + shift; ${only("only-a")} only in A, ${
    only("only-b")
  } only in B`;
}
