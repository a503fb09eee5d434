/**
 * The mappings of one smaps as columns: per mapping only its line, start, end and the index of its
 * *body* (everything else: permissions, offset, device, inode, name, fields, `VmFlags`), which
 * alike mappings share. 70,000 small mmaps are then 24 bytes each plus a handful of bodies, not
 * 70,000 objects of 17 properties. `mappings` gives them as plain objects, made on first use.
 *
 * @module
 */

import { MappingColumns } from "./columns.ts";
import type { SmapsDocument, SmapsMapping } from "./parse.ts";

/**
 * Mappings in text order, by index: columns for what every mapping has of its own, and shared
 * bodies for the rest (see the module doc). Also made from plain mapping objects
 * ({@link SmapsTable.of}), so code written against a table takes either.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseSmaps } from "./parse.ts";
 * const doc = parseSmaps(
 *   "00400000-00401000 r-xp 00000000 08:01 12 /bin/x\n00401000-00402000 r-xp 00001000 08:01 12 /bin/x\n",
 * );
 * const t = tableOf(doc);
 * assert.equal(t.length, 2);
 * assert.equal(t.start(1), 0x401000n);
 * assert.equal(t.body(1).offset, 0x1000n);
 * ```
 */
export class SmapsTable {
  /** Number of mappings. */
  readonly length: number;
  /** The distinct bodies; a body's own line and addresses are those of its first mapping. */
  readonly bodies: readonly SmapsMapping[];
  readonly #columns: MappingColumns | undefined;
  #mappings: readonly SmapsMapping[] | undefined;
  #ascending: boolean | undefined;

  /**
   * A table over columns and bodies (as the parser makes them), or over plain mappings.
   *
   * @param columns per mapping: line, start, end, body index (or plain mappings)
   * @param bodies the bodies
   * @param length number of mappings
   * @param ascending whether the starts are known to ascend (a parsed smaps: the parser checks)
   */
  constructor(
    columns: MappingColumns | readonly SmapsMapping[],
    bodies: readonly SmapsMapping[],
    length: number,
    ascending?: boolean,
  ) {
    this.length = length;
    this.#ascending = ascending;
    this.bodies = bodies;
    if (columns instanceof MappingColumns) this.#columns = columns;
    else this.#mappings = columns;
  }

  /**
   * A table over plain mapping objects (each its own body).
   *
   * @param mappings the mappings, in address order
   * @returns the table
   */
  static of(mappings: readonly SmapsMapping[]): SmapsTable {
    return new SmapsTable(mappings, mappings, mappings.length);
  }

  /** Whether the mappings' starts ascend (worked out once). */
  get ascending(): boolean {
    if (this.#ascending === undefined) {
      let up = true;
      for (let i = 1; up && i < this.length; i++) up = this.start(i - 1) <= this.start(i);
      this.#ascending = up;
    }
    return this.#ascending;
  }

  /** 1-based line of mapping `i`'s header. */
  line(i: number): number {
    return this.#columns ? this.#columns.line(i) : this.#mappings![i]!.line;
  }

  /** Start address of mapping `i`. */
  start(i: number): bigint {
    return this.#columns ? this.#columns.start(i) : this.#mappings![i]!.start;
  }

  /** End address of mapping `i`. */
  end(i: number): bigint {
    return this.#columns ? this.#columns.end(i) : this.#mappings![i]!.end;
  }

  /** Index of mapping `i`'s body in {@link SmapsTable.bodies}. */
  bodyIndex(i: number): number {
    return this.#columns ? this.#columns.bodyOf(i) : i;
  }

  /** Mapping `i`'s body: right in everything but `line`, `start` and `end`. */
  body(i: number): SmapsMapping {
    return this.bodies[this.#columns ? this.#columns.bodyOf(i) : i]!;
  }

  /** Mapping `i` as a plain object (made now unless `mappings` was). */
  mapping(i: number): SmapsMapping {
    if (this.#mappings) return this.#mappings[i]!;
    const c = this.#columns!;
    const b = this.bodies[c.bodyOf(i)]!;
    return {
      line: c.line(i),
      start: c.start(i),
      end: c.end(i),
      size: b.size,
      perms: b.perms,
      read: b.read,
      write: b.write,
      exec: b.exec,
      mayShare: b.mayShare,
      offset: b.offset,
      dev: b.dev,
      inode: b.inode,
      name: b.name,
      fields: b.fields,
      textFields: b.textFields,
      vmFlags: b.vmFlags,
      unknownVmFlags: b.unknownVmFlags,
    };
  }

  /** Every mapping as a plain object, made on first use and kept. */
  get mappings(): readonly SmapsMapping[] {
    return this.#mappings ??= Array.from({ length: this.length }, (_, i) => this.mapping(i));
  }
}

const tables = new WeakMap<SmapsDocument, SmapsTable>();
const deferred = new WeakMap<SmapsDocument, () => SmapsDocument>();

/**
 * A document made when first read: `resolve` runs then (and must give the same document each
 * time), so its errors are thrown where the document is first used, not where it is handed over.
 *
 * @param resolve makes (or returns the already made) document
 * @returns the document
 */
export function deferredDocument(resolve: () => SmapsDocument): SmapsDocument {
  const doc: SmapsDocument = {
    get format() {
      return resolve().format;
    },
    get mappings() {
      return resolve().mappings;
    },
  };
  deferred.set(doc, resolve);
  return doc;
}

/**
 * A document whose `mappings` are made from `table` on first use (an enumerable getter, so the
 * document still compares, spreads and serializes as plain data).
 *
 * @param format the format
 * @param table the mappings
 * @returns the document, registered for {@link tableOf}
 */
export function tableDocument(format: SmapsDocument["format"], table: SmapsTable): SmapsDocument {
  const doc: SmapsDocument = {
    format,
    get mappings() {
      return table.mappings;
    },
  };
  tables.set(doc, table);
  return doc;
}

/**
 * The table of a document: the parser's columns, or one over its plain `mappings`.
 *
 * @param doc a parsed document (or any object with mappings)
 * @returns the table
 */
export function tableOf(doc: SmapsDocument): SmapsTable {
  const resolve = deferred.get(doc);
  if (resolve) return tableOf(resolve());
  let t = tables.get(doc);
  if (!t) {
    t = SmapsTable.of(doc.mappings);
    tables.set(doc, t);
  }
  return t;
}

/**
 * A table from mappings given either way.
 *
 * @param m a table or plain mappings
 * @returns the table
 */
export function asTable(m: SmapsTable | readonly SmapsMapping[]): SmapsTable {
  return m instanceof SmapsTable ? m : SmapsTable.of(m);
}
