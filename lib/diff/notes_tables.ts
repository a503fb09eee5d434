/**
 * Table notes compared: the auxiliary vector and NT_FILE (spec §4.3 row 30).
 *
 * @module
 */

import type { CoreFile } from "../elf/core.ts";
import { known, type NoteDiffs } from "./notes_diffs.ts";

/** Compares the auxiliary vectors. */
export function diffAuxv(d: NoteDiffs): void {
  const { a, b } = d;
  // Auxiliary vector.
  const auxv = (c: CoreFile) => new Map((c.auxv ?? []).map((e) => [e.name, e.value]));
  const xa = auxv(a), xb = auxv(b);
  for (const [name, v] of xa) {
    if (xb.has(name) && xb.get(name) !== v) d.add(`auxv ${name} differs`, []);
    else if (!xb.has(name) && !d.cutAway("a")) d.add(`auxv ${name} only in A`, []);
  }
  for (const [name] of xb) {
    if (!xa.has(name) && !d.cutAway("b")) d.add(`auxv ${name} only in B`, []);
  }
}

/** Compares the NT_FILE tables. */
export function diffFileTables(d: NoteDiffs): void {
  const { a, b, kvg } = d;
  // NT_FILE.
  const files = (c: CoreFile) =>
    new Map((c.files?.entries ?? []).map((e) => [`${e.start}-${e.end}`, e]));
  const fa = files(a), fb = files(b);
  // A core without NT_FILE at all differs once (above), not once per entry.
  if (!a.files || !b.files) return;
  for (const [key, e] of fa) {
    const o = fb.get(key);
    if (!o) {
      if (!d.cutAway("a")) {
        d.add(`NT_FILE entry ${e.name} at 0x${e.start.toString(16)} only in A`, []);
      }
      continue;
    }
    if (o.offset !== e.offset) d.add(`NT_FILE offset of ${e.name} differs`, []);
    if (o.name !== e.name) {
      const escaped = (s: string) => s.replaceAll("\n", "\\012");
      d.add(
        `NT_FILE name ${JSON.stringify(e.name)} in A, ${JSON.stringify(o.name)} in B`,
        kvg && escaped(e.name) === escaped(o.name)
          ? [
            known(
              "gdb.nt-file-escaped-name",
              "gcore copies names from smaps (\\012 escapes); the kernel writes raw bytes",
            ),
          ]
          : [],
      );
    }
  }
  for (const [key, e] of fb) {
    if (!fa.has(key) && !d.cutAway("b")) {
      d.add(`NT_FILE entry ${e.name} at 0x${e.start.toString(16)} only in B`, []);
    }
  }
}
