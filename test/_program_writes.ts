/**
 * The fixture program's kernel core is taken after its gcore, and between the two it handles the
 * command that makes it crash (`cmd`, `crash_now`, its mutex and condition variable change). Those
 * writes are the program's own: `timing.program-write`, unexpected, in its data and .bss just above
 * the executable. Everything else must be expected.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { DiffReport } from "../lib/diff/model.ts";

/** Asserts every unexpected difference is a program write into the executable's own data. */
export function assertOnlyProgramWrites(report: DiffReport): void {
  const exe = report.identity?.evidence.find((e) => e.field === "executable")?.a;
  assert.ok(exe, "the executable is known");
  const exeStart = report.ranges.filter((r) => r.name.endsWith(exe.slice(exe.lastIndexOf("/") + 1)))
    .reduce((m, r) => (r.start < m ? r.start : m), 1n << 64n);
  for (const r of report.ranges) {
    for (const d of r.differences.filter((d) => !d.expected)) {
      assert.deepEqual(d.reasons.map((x) => x.code), ["timing.program-write"], d.text);
      assert.ok(
        r.start >= exeStart && r.start < exeStart + 0x100000n,
        `0x${r.start.toString(16)}: ${d.text}`,
      );
    }
  }
  assert.ok(report.notes.every((n) => n.expected), "notes are all expected");
  assert.equal(report.summary.unexplained, 0);
}
