/**
 * The report history in PostgreSQL: the columns a report is listed by, written with it, and the
 * query of `GET /v1/reports` in SQL with exactly the local store's semantics (api/report_list.ts).
 *
 * @module
 */

import type postgres from "postgres";
import type { Buffer } from "node:buffer";
import {
  cursorAfter,
  listItem,
  parseCursor,
  type ReportListItem,
  type ReportQuery,
} from "../report_list.ts";

/**
 * Inserts (or refreshes the time of) a stored report with its history columns.
 *
 * @param tx the transaction
 * @param id the report id
 * @param data the stored bytes
 * @param now the time (ms)
 * @param listed size and list source of a report stored in chunks
 */
export async function insertReport(
  tx: postgres.TransactionSql,
  id: string,
  data: Buffer,
  now: number,
  listed?: { readonly size: number; readonly source: string },
): Promise<void> {
  // The history columns, from the report's JSON rendering (as the local store lists it); a report
  // stored in chunks passes its size and list source, with empty bytes.
  const source = listed?.source ?? JSON.parse(new TextDecoder().decode(data)).formats.json;
  const it = listItem(id, now, source);
  const size = listed?.size ?? data.length;
  const { labels, processes: p, counts: n } = it;
  await tx`INSERT INTO reports (id, bytes, size, created, verdict, expectation, label_a,
    label_b, pid_a, pid_b, name_a, name_b, producer_a, producer_b, differences, unexpected,
    unexplained) VALUES (${id}, ${data}, ${size}, ${now}, ${it.verdict},
    ${it.expectation}, ${labels.a}, ${labels.b}, ${p.a.pid ?? null},
    ${p.b.pid ?? null}, ${p.a.name ?? null}, ${p.b.name ?? null},
    ${it.producers?.a ?? ""}, ${it.producers?.b ?? ""}, ${n.differences}, ${n.unexpected},
    ${n.unexplained})
    ON CONFLICT (id) DO UPDATE SET created = excluded.created`;
}

/**
 * The history in SQL with the local store's semantics: newest first, ties by id ascending; text
 * is a case-insensitive substring of a label or process name, or a pid; a cursor that is not one
 * of ours throws `TypeError` (a 400).
 *
 * @param sql the pool
 * @param q the query
 * @returns one page
 */
export async function selectReports(
  sql: postgres.Sql,
  q: ReportQuery,
): Promise<{ items: ReportListItem[]; nextCursor?: string }> {
  const at = q.cursor ? parseCursor(q.cursor) : undefined;
  const text = q.text?.trim().toLowerCase();
  const like = text ? `%${text.replace(/[\\%_]/g, (c: string) => `\\${c}`)}%` : undefined;
  const none = sql``;
  const rows = await sql`SELECT id, created::float8 AS created, verdict, expectation, label_a,
      label_b, pid_a::float8 AS pid_a, pid_b::float8 AS pid_b, name_a, name_b, differences,
      unexpected, unexplained, producer_a, producer_b FROM reports WHERE true
      ${q.verdict ? sql`AND verdict = ${q.verdict}` : none}
      ${q.expectation ? sql`AND expectation = ${q.expectation}` : none}
      ${q.producer ? sql`AND (producer_a = ${q.producer} OR producer_b = ${q.producer})` : none}
      ${q.since ? sql`AND created >= ${q.since.getTime()}` : none}
      ${q.until ? sql`AND created < ${q.until.getTime()}` : none}
      ${
    like
      ? sql`AND (lower(label_a) LIKE ${like} OR lower(label_b) LIKE ${like}
          OR lower(name_a) LIKE ${like} OR lower(name_b) LIKE ${like}
          OR pid_a::text = ${text!} OR pid_b::text = ${text!})`
      : none
  }
      ${
    at
      ? sql`AND (created < ${Date.parse(at.createdAt)}
          OR (created = ${Date.parse(at.createdAt)} AND id > ${at.id}))`
      : none
  }
      ORDER BY created DESC, id LIMIT ${q.limit + 1}`;
  const items: ReportListItem[] = rows.slice(0, q.limit).map((r) => ({
    id: r.id,
    createdAt: new Date(r.created).toISOString(),
    verdict: r.verdict,
    expectation: r.expectation,
    labels: { a: r.label_a, b: r.label_b },
    processes: { a: proc(r.pid_a, r.name_a), b: proc(r.pid_b, r.name_b) },
    counts: {
      differences: r.differences,
      unexpected: r.unexpected,
      unexplained: r.unexplained,
    },
    producers: { a: r.producer_a, b: r.producer_b },
  }));
  const last = items[items.length - 1];
  return rows.length > q.limit && last ? { items, nextCursor: cursorAfter(last) } : { items };
}

function proc(pid: number | null, name: string | null): { pid?: number; name?: string } {
  return { ...(pid !== null ? { pid } : {}), ...(name !== null ? { name } : {}) };
}
