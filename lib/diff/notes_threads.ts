/**
 * Thread notes compared: threads by tid, their registers and signals, and which thread comes first
 * (spec §4.3 rows 26 and 31).
 *
 * @module
 */

import { signalName } from "../elf/signals.ts";
import { inferred, known, type NoteDiffs } from "./notes_diffs.ts";

/** Compares the threads of the two cores. */
export function diffThreads(d: NoteDiffs): void {
  const { a, b, kvg } = d;
  // Threads.
  const ta = new Map(a.threads.map((t) => [t.tid, t]));
  const tb = new Map(b.threads.map((t) => [t.tid, t]));
  for (const [tid] of ta) if (!tb.has(tid) && !d.cutAway("a")) d.add(`thread ${tid} only in A`, []);
  for (const [tid] of tb) if (!ta.has(tid) && !d.cutAway("b")) d.add(`thread ${tid} only in B`, []);
  for (const [tid, x] of ta) {
    const y = tb.get(tid);
    if (!y) continue;
    const regs = Object.keys(x.status.registers).filter((r) =>
      x.status.registers[r] !== y.status.registers[r]
    );
    if (regs.length > 0) {
      d.add(
        `thread ${tid}: registers differ (${regs.slice(0, 8).join(", ")}${
          regs.length > 8 ? ", …" : ""
        })`,
        kvg
          ? [
            inferred(
              "timing.registers",
              "the two dumps were taken at different moments (gcore before the crash)",
            ),
          ]
          : [],
      );
    }
    if (x.status.cursig !== y.status.cursig) {
      d.add(
        `thread ${tid}: pr_cursig ${signalName(x.status.cursig)} in A, ${
          signalName(y.status.cursig)
        } in B`,
        kvg
          ? [
            known(
              "gdb.prstatus-minimal",
              "gcore fills pr_cursig with the stop signal of the signalled thread (0 after attach); the kernel with the fatal signal",
            ),
          ]
          : [],
      );
    }
  }
  if (a.threads[0] && b.threads[0] && a.threads[0].tid !== b.threads[0].tid) {
    d.add(
      `first thread ${a.threads[0].tid} in A, ${b.threads[0].tid} in B`,
      kvg
        ? [
          known(
            "layout.thread-order",
            "the kernel lists the dumping thread first; gcore the signalled or current thread",
          ),
        ]
        : [],
    );
  }
}
