/**
 * What a parse keeps of each mapping: its line, start and end in growable columns, and the index
 * of its *body* (everything else), which alike mappings share (see `table.ts`).
 *
 * @module
 */

import type { Attributes } from "./attribute.ts";
import type { HeaderFields } from "./header_bytes.ts";
import type { SmapsMapping } from "./parse.ts";
import { MappingColumns } from "./columns.ts";
import { SmapsTable } from "./table.ts";

/** The text fields of a mapping that has none (shared, frozen). */
export const NO_TEXT: Readonly<Record<string, string>> = Object.freeze({});

/** Most bodies looked up by key at once. */
const BODIES = 16384;

/** Mappings as they are parsed: columns and shared bodies. */
export class Bodies {
  readonly #columns = new MappingColumns();
  readonly #bodies: SmapsMapping[] = [];
  #bodyIndex = new Map<string, number>();
  #ids = new Map<object | bigint, number>();
  /** Bodies used last, most recent first. */
  readonly #recent: number[] = [];

  /** Mappings so far. */
  get length(): number {
    return this.#columns.length;
  }

  /**
   * Adds a mapping.
   *
   * @param header its header line
   * @param fields its (shared) numeric fields
   * @param attrs its other attributes
   * @param fresh whether `fields` was made new for it (then so is its body)
   */
  add(
    header: HeaderFields,
    fields: Readonly<Record<string, number>>,
    attrs: Attributes,
    fresh: boolean,
  ): void {
    // Alike mappings share a body: same header but addresses, same fields, flags and no text
    // field. The last few bodies are tried first (runs of alike mappings), then a key.
    const plain = attrs.textFields === NO_TEXT;
    let body: number | undefined;
    if (plain && !fresh) {
      for (const r of this.#recent) {
        const m = this.#bodies[r]!;
        if (
          m.size === header.size && m.fields === fields && m.vmFlags === attrs.vmFlags &&
          m.name === header.name && m.perms === header.perms && m.offset === header.offset &&
          m.inode === header.inode && m.dev === header.dev && m.textFields === NO_TEXT &&
          m.unknownVmFlags === attrs.unknownVmFlags
        ) {
          body = r;
          break;
        }
      }
    }
    const key = !plain || fresh || body !== undefined
      ? undefined
      : `${header.perms}\0${header.size}\0${this.#idOf(header.offset)}\0${header.dev}\0${
        this.#idOf(header.inode)
      }\0${this.#idOf(fields)}\0${this.#idOf(attrs.vmFlags)}\0${
        this.#idOf(attrs.unknownVmFlags)
      }\0${header.name}`;
    if (key !== undefined) body = this.#bodyIndex.get(key);
    if (body === undefined) {
      body = this.#bodies.length;
      if (key !== undefined && this.#bodyIndex.size >= BODIES) {
        // A bounded index, whose ids start again with it (the key just made is not kept): a
        // process whose mappings all differ does not fill it without end.
        this.#bodyIndex = new Map();
        this.#ids = new Map();
      } else if (key !== undefined) this.#bodyIndex.set(key, body);
      this.#bodies.push({
        line: header.line,
        start: BigInt(header.start),
        end: BigInt(header.end),
        size: header.size,
        perms: header.perms,
        read: header.read,
        write: header.write,
        exec: header.exec,
        mayShare: header.mayShare,
        offset: header.offset,
        dev: header.dev,
        inode: header.inode,
        name: header.name,
        fields,
        textFields: attrs.textFields,
        vmFlags: attrs.vmFlags,
        unknownVmFlags: attrs.unknownVmFlags,
      });
    }
    this.#columns.add(header.line, header.start, header.end, body);
    if (plain && this.#recent[0] !== body) {
      const at = this.#recent.indexOf(body);
      if (at >= 0) this.#recent.splice(at, 1);
      else if (this.#recent.length === 4) this.#recent.pop();
      this.#recent.unshift(body);
    }
  }

  /** A small number per distinct shared object or value (`fields`, flag sets; `null` is 0). */
  #idOf(x: object | bigint | null): number {
    if (x === null) return 0;
    let id = this.#ids.get(x);
    if (id === undefined) {
      id = this.#ids.size + 1;
      this.#ids.set(x, id);
    }
    return id;
  }

  /**
   * The table of the mappings added.
   *
   * @returns the table (the starts ascend: the parser checks)
   */
  table(): SmapsTable {
    return new SmapsTable(this.#columns, this.#bodies, this.#columns.length, true);
  }
}
