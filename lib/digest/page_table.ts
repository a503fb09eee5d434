/**
 * A core's page slices as a table: its page columns and, per `PT_LOAD`, five numbers (program header
 * index, first page, page count, first hole run, hole runs). A {@link PageSlice} is made when a row
 * is read, so a core with 70,000 mappings keeps about 28 bytes per segment, not an object each.
 *
 * @module
 */

import { lowerBound, MadeRows, type Rows } from "../bytes/rows.ts";
import { type PageColumns, PageSlice, type SegmentDigest } from "./model.ts";

/** The per-segment columns of a {@link PageTable}, one number per segment each. */
export interface PageTableColumns {
  /** Program header index. */
  readonly index: Uint32Array;
  /** Position of the segment's first page in the page columns. */
  readonly first: Float64Array;
  /** Number of hashed pages. */
  readonly count: Float64Array;
  /** Position (in pairs) of the segment's first hole run in the page columns' `holes`. */
  readonly holeAt: Uint32Array;
  /** Number of the segment's hole runs. */
  readonly holeRuns: Uint32Array;
}

/**
 * Page slices of a core's loads, one row per load in load order, each a {@link PageSlice} made when
 * read (compare rows by their fields, not by identity).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const columns = { hashes: new BigUint64Array([7n, 8n, 9n]), zero: new Uint8Array([0, 0, 1]) };
 * const t = PageTable.of(columns, [{ index: 1, first: 0, count: 1 }, { index: 3, first: 1, count: 2 }]);
 * assert.deepEqual([t.length, t.at(1)!.index, [...t.at(1)!.hashes]], [2, 3, [8n, 9n]]);
 * ```
 */
export class PageTable extends MadeRows<PageSlice> {
  /** The core's page columns, which every row is a slice of. */
  readonly columns: PageColumns;
  /** The per-segment columns. */
  readonly table: PageTableColumns;

  /**
   * A table of the segments `table` describes, whose pages lie in `columns`.
   *
   * @param columns the core's page columns
   * @param table one entry per segment in each column
   */
  constructor(columns: PageColumns, table: PageTableColumns) {
    const { index, first, count, holeAt, holeRuns } = table;
    super(index.length, (k) => {
      const runs = holeRuns[k]!;
      return new PageSlice(
        index[k]!,
        columns,
        first[k]!,
        count[k]!,
        runs ? [holeAt[k]!, runs] : undefined,
      );
    });
    this.columns = columns;
    this.table = table;
  }

  /**
   * A table of `columns` with one row per slice given (`holeAt` in pairs).
   *
   * @param columns the core's page columns
   * @param slices where each segment's pages lie
   * @returns the table
   */
  static of(
    columns: PageColumns,
    slices: Iterable<
      { index: number; first: number; count: number; holeAt?: number; holeRuns?: number }
    >,
  ): PageTable {
    const list = [...slices];
    const n = list.length;
    const table = {
      index: new Uint32Array(n),
      first: new Float64Array(n),
      count: new Float64Array(n),
      holeAt: new Uint32Array(n),
      holeRuns: new Uint32Array(n),
    };
    list.forEach((s, k) => {
      table.index[k] = s.index;
      table.first[k] = s.first;
      table.count[k] = s.count;
      table.holeAt[k] = s.holeAt ?? 0;
      table.holeRuns[k] = s.holeRuns ?? 0;
    });
    return new PageTable(columns, table);
  }
}

/**
 * The digest row for program header `index`: row `k` when it is that one (rows are in load order,
 * so a caller walking the loads passes its position), else found by binary search (indices rise).
 *
 * @param rows a digest's segments, in load order
 * @param index the program header index
 * @param k the position expected
 * @returns the row, or undefined when no segment has that index
 */
export function rowForIndex<T extends SegmentDigest>(
  rows: Rows<T>,
  index: number,
  k: number,
): T | undefined {
  const row = rows.at(k);
  if (row?.index === index) return row;
  const key = rows instanceof PageTable
    ? (i: number) => rows.table.index[i]!
    : (i: number) => rows.at(i)!.index;
  const found = rows.at(lowerBound(rows.length, key, index));
  return found?.index === index ? found : undefined;
}
