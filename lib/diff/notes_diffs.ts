/**
 * What every part of a notes comparison shares: the two cores, who produced each, what a truncated
 * core's cut removed, and the list of differences being built.
 *
 * @module
 */

import type { CoreFile } from "../elf/core.ts";
import type { Roles } from "./explain.ts";
import type { Difference, Expectation, Reason } from "./model.ts";
import type { ReasonCode } from "./reasons.ts";

/** A reason from a rule that always holds. */
export const known = (code: ReasonCode, text: string): Reason => ({
  code,
  text,
  certainty: "known",
});

/** A reason recognised from the cores alone. */
export const inferred = (code: ReasonCode, text: string): Reason => ({
  code,
  text,
  certainty: "inferred",
});

/** Whether each core's notes are cut by the end of its file (a truncated core). */
export interface NotesCut {
  /** Core A's notes are cut. */
  readonly a: boolean;
  /** Core B's notes are cut. */
  readonly b: boolean;
}

/** The state of one notes comparison. */
export class NoteDiffs {
  /** The differences found so far. */
  readonly out: Difference[] = [];
  /** Items only in one core that the other core's cut may have removed, by side. */
  readonly skipped = { a: 0, b: 0 };
  /** Whether producer rules apply (kernel-vs-gdb with known roles). */
  readonly kvg: boolean;
  /** The kernel core, when the roles are known. */
  readonly k?: CoreFile;
  /** The gcore, when the roles are known. */
  readonly g?: CoreFile;

  /**
   * @param a core A
   * @param b core B
   * @param expectation the report's expectation
   * @param roles which side each producer wrote
   * @param cut which cores' notes are cut
   */
  constructor(
    readonly a: CoreFile,
    readonly b: CoreFile,
    readonly expectation: Expectation,
    readonly roles: Roles,
    readonly cut: NotesCut,
  ) {
    this.kvg = expectation === "kernel-vs-gdb" && roles.kernel !== undefined;
    const side = (s: "a" | "b") => (s === "a" ? a : b);
    if (roles.kernel) this.k = side(roles.kernel);
    if (roles.gdb) this.g = side(roles.gdb);
  }

  /** Adds a note difference; no reasons means unexplained. */
  add(text: string, reasons: Reason[], expected = true): void {
    const unexplained = reasons.length === 0;
    this.out.push({
      kind: "note",
      text,
      reasons,
      expected: expected && !unexplained && this.expectation === "kernel-vs-gdb",
      unexplained,
    });
  }

  /** Whether something only in `onlyIn` is skipped because the other core's notes are cut. */
  cutAway(onlyIn: "a" | "b"): boolean {
    if (!this.cut[onlyIn === "a" ? "b" : "a"]) return false;
    this.skipped[onlyIn]++;
    return true;
  }
}
