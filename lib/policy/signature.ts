/**
 * A mapping's decision signature: everything of a smaps mapping that the dump decisions, the facts
 * and the page estimates read (permissions, size, offset, inode, device, name, `VmFlags` and the
 * few numeric fields they look at), and nothing they do not (addresses, line). Mappings with the
 * same signature get the same predictions, so a process with 70,000 alike mappings is decided a
 * handful of times. Anything new a decision reads must be added here.
 *
 * @module
 */

import type { SmapsMapping } from "../smaps/parse.ts";
import type { SmapsTable } from "../smaps/table.ts";

/** `VmFlags` sets as text (parsed sets are shared per distinct line, so this stays small). */
const flagTexts = new WeakMap<ReadonlySet<string>, string>();

function flagsText(set: ReadonlySet<string> | null): string {
  if (set === null) return "-";
  let text = flagTexts.get(set);
  if (text === undefined) {
    text = [...set].join(" ");
    flagTexts.set(set, text);
  }
  return text;
}

/**
 * The decision signature of a mapping (see the module doc).
 *
 * @param m a parsed mapping
 * @returns a string equal for mappings every decision treats alike
 */
export function decisionSignature(m: SmapsMapping): string {
  const f = m.fields;
  return `${m.perms}\0${m.size}\0${m.offset}\0${m.inode}\0${m.dev}\0${flagsText(m.vmFlags)}\0${
    "Anonymous" in f ? f.Anonymous : "-"
  }\0${f.AnonHugePages}\0${f.Swap}\0${f.THPeligible}\0${f.Rss}\0${f.Shared_Hugetlb}\0${f.Private_Hugetlb}\0${m.name}`;
}

/** Mappings grouped by decision signature (see {@link decisionClasses}). */
export interface DecisionClasses {
  /** Per mapping, its class. */
  readonly classOf: Uint32Array;
  /** Per class, the index of its first mapping. */
  readonly first: readonly number[];
}

const classesOf = new WeakMap<SmapsTable, DecisionClasses>();

/**
 * The mappings of a table grouped by decision signature, worked out once per body (alike mappings
 * share one) and kept for the table.
 *
 * @param table the mappings
 * @returns each mapping's class and each class's first mapping
 */
export function decisionClasses(table: SmapsTable): DecisionClasses {
  let c = classesOf.get(table);
  if (c) return c;
  const byBody = new Int32Array(table.bodies.length).fill(-1);
  const classes = new Map<string, number>();
  const classOf = new Uint32Array(table.length);
  const first: number[] = [];
  for (let i = 0; i < table.length; i++) {
    const b = table.bodyIndex(i);
    let k = byBody[b]!;
    if (k < 0) {
      const key = decisionSignature(table.bodies[b]!);
      k = classes.get(key) ?? -1;
      if (k < 0) {
        k = first.length;
        classes.set(key, k);
        first.push(i);
      }
      byBody[b] = k;
    }
    classOf[i] = k;
  }
  c = { classOf, first };
  classesOf.set(table, c);
  return c;
}
