/**
 * Note types present in one core only, by the regsets of the core's ABI (`abi_notes.ts`), and the
 * sizes and counts of per-thread notes (spec §4.3 rows 24, 25, 28 and 29).
 *
 * @module
 */

import type { CoreFile } from "../elf/core.ts";
import { noteAbi, noteKey, noteOnlyRule } from "./abi_notes.ts";
import { known, type NoteDiffs } from "./notes_diffs.ts";

/** Default size cap of the kernel's NT_FILE (`core_file_note_size_limit`, MAX_FILE_NOTE_SIZE). */
const NT_FILE_CAP = 4 * 1024 * 1024;

/** Compares which notes each core has. */
export function diffNoteTypes(d: NoteDiffs): void {
  const { a, b, cut, kvg, k, g, roles } = d;
  // Note types present in one core only, and per-thread note sizes.
  // Presence follows the regsets of the core's ABI (abi_notes.ts).
  const types = (c: CoreFile) => new Set(c.notes.map(noteKey));
  const na = types(a), nb = types(b);
  const abi = noteAbi(a);
  const gTypes = roles.gdb === "a" ? na : nb;
  for (const [x, y, label] of [[na, nb, "A"], [nb, na, "B"]] as const) {
    for (const t of x) {
      if (y.has(t) || d.cutAway(label === "A" ? "a" : "b")) continue;
      const inKernel = (label === "A") === (roles.kernel === "a");
      const rule = kvg ? noteOnlyRule(abi, t, inKernel, gTypes) : undefined;
      const reasons = rule !== undefined
        ? [known(inKernel ? "layout.kernel-only-note" : "layout.gdb-only-note", rule)]
        : kvg && t === "CORE/NT_FILE" && !inKernel && k && k.loads.length * 64 >= NT_FILE_CAP
        ? [
          known(
            "kernel.nt-file-size-cap",
            `the kernel drops NT_FILE when 64 bytes x ${k.loads.length} mappings reach its 4 MiB cap`,
          ),
        ]
        : [];
      d.add(`note ${t} only in ${label}`, reasons);
    }
  }
  if (k && g && !cut.a && !cut.b) {
    const size = (c: CoreFile) => c.notes.find((n) => n.typeName === "NT_X86_XSTATE")?.size;
    if (size(k) !== undefined && size(g) !== undefined && size(k) !== size(g)) {
      d.add(`NT_X86_XSTATE is ${size(k)} bytes in the kernel core, ${size(g)} in the gcore`, [
        known(
          "gdb.xsave-size",
          "GDB before 14 sizes XSAVE from XCR0 with the Intel layout, not from CPUID",
        ),
      ]);
    }
    const count = (c: CoreFile) => c.notes.filter((n) => n.typeName === "NT_SIGINFO").length;
    if (count(k) !== count(g)) {
      d.add(`NT_SIGINFO notes: ${count(k)} in the kernel core, ${count(g)} in the gcore`, [
        known(
          "gdb.siginfo-per-thread",
          "gcore writes one NT_SIGINFO per thread; the kernel one for the dumping thread",
        ),
      ]);
    }
  }
}
