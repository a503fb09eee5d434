/**
 * A report stored in 1 MiB rows of `report_chunks` (migration 2), read by position: its hash is
 * checked over every row, one at a time, then reads fetch only the rows they span.
 *
 * @module
 */

import type postgres from "postgres";
import { createHash } from "node:crypto";
import { positionalObject, StoredDataCorruptError, type StoredObject } from "../stored_object.ts";

/** Bytes in one row of a stored report (as in a kept core). */
export const REPORT_CHUNK_BYTES = 1024 * 1024;

/**
 * Opens report `id` stored in chunks; throws {@link StoredDataCorruptError} when its rows no longer
 * hash to `id`.
 *
 * @param sql the pool
 * @param id the report id
 * @param size its size (the `reports` row)
 * @param guard runs each later read (turns connection failures into the store's error)
 * @returns the object
 */
export async function chunkedReport(
  sql: postgres.Sql,
  id: string,
  size: number,
  guard: (op: () => Promise<Uint8Array>) => Promise<Uint8Array> = (op) => op(),
): Promise<StoredObject> {
  const rows = sql`SELECT bytes FROM report_chunks WHERE report_id = ${id} ORDER BY seq`.cursor(2);
  const h = createHash("sha256");
  let n = 0;
  for await (const batch of rows) {
    for (const r of batch) {
      h.update(r.bytes as Uint8Array);
      n += (r.bytes as Uint8Array).length;
    }
  }
  if (n !== size || h.digest("hex") !== id) throw new StoredDataCorruptError("report", id);
  const read = (offset: number, length: number) =>
    guard(async () => {
      const end = Math.min(size, offset + length);
      if (end <= offset) return new Uint8Array();
      const first = Math.floor(offset / REPORT_CHUNK_BYTES);
      const last = Math.floor((end - 1) / REPORT_CHUNK_BYTES);
      const got = await sql`SELECT seq, bytes FROM report_chunks
      WHERE report_id = ${id} AND seq BETWEEN ${first} AND ${last} ORDER BY seq`;
      const out = new Uint8Array(end - offset);
      for (const r of got) {
        const b = r.bytes as Uint8Array;
        const at = (r.seq as number) * REPORT_CHUNK_BYTES;
        const from = Math.max(offset, at), to = Math.min(end, at + b.length);
        if (to > from) out.set(b.subarray(from - at, to - at), from - offset);
      }
      return out;
    });
  return positionalObject(size, read, REPORT_CHUNK_BYTES, `report ${id}`);
}
