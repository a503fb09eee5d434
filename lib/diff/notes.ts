/**
 * Differences between the notes of two cores: threads (by tid), registers, signals, process info,
 * note types, auxv and NT_FILE — each with the known producer difference that explains it
 * (spec §4.3 rows 24–31). One module per kind of note; {@link NoteDiffs} holds what they share.
 *
 * @module
 */

import type { CoreFile } from "../elf/core.ts";
import type { Roles } from "./explain.ts";
import { gdbStart } from "./gdb_start.ts";
import type { Difference, Expectation } from "./model.ts";
import { known, NoteDiffs, type NotesCut } from "./notes_diffs.ts";
import { diffProcess } from "./notes_process.ts";
import { diffAuxv, diffFileTables } from "./notes_tables.ts";
import { diffThreads } from "./notes_threads.ts";
import { diffNoteTypes } from "./notes_types.ts";

export type { NotesCut };

/**
 * Compares the notes of `a` and `b`. What the cut of a truncated core removed (threads, notes, auxv,
 * NT_FILE entries of the other core) is not compared; one difference says so.
 */
export function diffNotes(
  a: CoreFile,
  b: CoreFile,
  expectation: Expectation,
  roles: Roles,
  cut: NotesCut = { a: false, b: false },
): Difference[] {
  const d = new NoteDiffs(a, b, expectation, roles, cut);
  diffThreads(d);
  // How GDB reached the process (run or attach), told from psargs and signals.
  diffProcess(d, d.k && d.g ? gdbStart(d.k, d.g) : undefined);
  diffNoteTypes(d);
  diffAuxv(d);
  diffFileTables(d);
  for (const [x, cutSide] of [["a", "B"], ["b", "A"]] as const) {
    if (d.skipped[x] === 0) continue;
    d.add(
      `${
        d.skipped[x]
      } note item(s) of ${x.toUpperCase()} (threads, note types, auxv and NT_FILE entries) lie beyond the cut of ${cutSide}'s notes: not compared`,
      [
        known(
          "layout.truncated",
          `${cutSide}'s file ends inside its notes (RLIMIT_CORE or a cut copy): what the cut removed cannot be compared`,
        ),
      ],
      false,
    );
  }
  return d.out;
}
