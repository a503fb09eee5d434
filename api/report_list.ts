/**
 * The report history (`GET /v1/reports`): what a stored report looks like in a list, the query,
 * and cursor paging over a newest-first sequence. Shared by every store: the local one builds
 * items from its stored reports here; a database store may filter in SQL but answers in the same
 * shape (CONTRACTS.md 5).
 *
 * @module
 */

/** A stored report in the history list. */
export interface ReportListItem {
  /** Report id. */
  readonly id: string;
  /** When it was stored, ISO 8601. */
  readonly createdAt: string;
  /** `pass` or `fail`. */
  readonly verdict: "pass" | "fail";
  /** The expectation applied. */
  readonly expectation: string;
  /** Input labels (file names or ids). */
  readonly labels: { readonly a: string; readonly b: string };
  /** The processes, from the cores' `NT_PRPSINFO`. */
  readonly processes: {
    readonly a: { readonly pid?: number; readonly name?: string };
    readonly b: { readonly pid?: number; readonly name?: string };
  };
  /** Counts of the summary. */
  readonly counts: {
    readonly differences: number;
    readonly unexpected: number;
    readonly unexplained: number;
  };
  /** The producers of A and B (for the `producer` filter). */
  readonly producers?: { readonly a: string; readonly b: string };
}

/** A history query. */
export interface ReportQuery {
  /** Opaque cursor from a previous page's `nextCursor`. */
  readonly cursor?: string;
  /** Items per page (1-100). */
  readonly limit: number;
  /** Only this verdict. */
  readonly verdict?: "pass" | "fail";
  /** Only this expectation. */
  readonly expectation?: string;
  /** Substring (case-insensitive) of a label or process name, or a pid. */
  readonly text?: string;
  /** Only reports with a core of this producer (`kernel`, `gdb`). */
  readonly producer?: string;
  /** Stored at or after. */
  readonly since?: Date;
  /** Stored before. */
  readonly until?: Date;
}

/** One page of the history. */
export interface ReportPage {
  readonly items: ReportListItem[];
  readonly nextCursor?: string;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === "object" && v !== null ? v as Obj : {});
const num = (v: unknown): number => (typeof v === "number" ? v : 0);
const proc = (v: unknown) => {
  const p = obj(obj(v).process);
  return {
    ...(typeof p.pid === "number" ? { pid: p.pid } : {}),
    ...(typeof p.name === "string" ? { name: p.name } : {}),
  };
};

/**
 * The list item of a stored report, from its JSON rendering.
 *
 * @param id report id
 * @param created when it was stored (ms since the epoch)
 * @param reportJson the report as JSON text
 * @returns the item
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const it = listItem("ab", 0, JSON.stringify({ verdict: "fail", expectation: "identical",
 *   a: { label: "x", producer: "kernel", process: { pid: 7, name: "app" } }, b: { label: "y" },
 *   summary: { differences: 3, unexpected: 1, unexplained: 1 } }));
 * assert.equal(it.processes.a.name, "app");
 * assert.equal(it.createdAt, "1970-01-01T00:00:00.000Z");
 * ```
 */
export function listItem(id: string, created: number, reportJson: string): ReportListItem {
  const r = obj(JSON.parse(reportJson));
  const a = obj(r.a), b = obj(r.b), s = obj(r.summary);
  return {
    id,
    createdAt: new Date(created).toISOString(),
    verdict: r.verdict === "pass" ? "pass" : "fail",
    expectation: String(r.expectation ?? ""),
    labels: { a: String(a.label ?? ""), b: String(b.label ?? "") },
    processes: { a: proc(a), b: proc(b) },
    counts: {
      differences: num(s.differences),
      unexpected: num(s.unexpected),
      unexplained: num(s.unexplained),
    },
    producers: { a: String(a.producer ?? ""), b: String(b.producer ?? "") },
  };
}

/**
 * Whether an item matches a query's filters (not the cursor).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const it = listItem("ab", 0, JSON.stringify({ verdict: "pass",
 *   a: { label: "kernel.core", process: { pid: 4242, name: "app" } }, b: { label: "g" } }));
 * assert.ok(matches(it, { limit: 1, text: "APP" }));
 * assert.ok(matches(it, { limit: 1, text: "4242" }));
 * assert.ok(!matches(it, { limit: 1, verdict: "fail" }));
 * ```
 */
export function matches(it: ReportListItem, q: ReportQuery): boolean {
  if (q.verdict && it.verdict !== q.verdict) return false;
  if (q.expectation && it.expectation !== q.expectation) return false;
  if (q.producer && it.producers?.a !== q.producer && it.producers?.b !== q.producer) return false;
  const t = Date.parse(it.createdAt);
  if (q.since && t < q.since.getTime()) return false;
  if (q.until && t >= q.until.getTime()) return false;
  const text = q.text?.trim().toLowerCase();
  if (text) {
    const hay = [
      it.labels.a,
      it.labels.b,
      it.processes.a.name ?? "",
      it.processes.b.name ?? "",
    ].map((s) => s.toLowerCase());
    const pids = [it.processes.a.pid, it.processes.b.pid].map((p) =>
      p === undefined ? "" : String(p)
    );
    if (!hay.some((s) => s.includes(text)) && !pids.includes(text)) return false;
  }
  return true;
}

/** The cursor after an item: its time and id (newest-first order is by time, then id). */
export function cursorAfter(it: ReportListItem): string {
  return btoa(`${it.createdAt}|${it.id}`).replaceAll("=", "");
}

/**
 * Decodes a cursor, or throws `TypeError` naming it when it is not one.
 *
 * @param cursor as given
 * @returns time and id of the last item seen
 */
export function parseCursor(cursor: string): { createdAt: string; id: string } {
  let text = "";
  try {
    text = atob(cursor.padEnd(Math.ceil(cursor.length / 4) * 4, "="));
  } catch {
    // fall through
  }
  const m = /^(\d{4}-\d\d-\d\dT[\d:.]+Z)\|([0-9a-f]{64})$/.exec(text);
  if (!m) throw new TypeError(`cursor ${JSON.stringify(cursor)} is not one this server gave`);
  return { createdAt: m[1]!, id: m[2]! };
}

/**
 * One page of a newest-first sequence of items (time descending, then id ascending).
 *
 * @param items all items, in that order, already filtered
 * @param q the query (cursor and limit)
 * @returns the page
 */
export function pageOf(items: readonly ReportListItem[], q: ReportQuery): ReportPage {
  let start = 0;
  if (q.cursor) {
    const c = parseCursor(q.cursor);
    start = items.findIndex((it) =>
      it.createdAt < c.createdAt || (it.createdAt === c.createdAt && it.id > c.id)
    );
    if (start < 0) start = items.length;
  }
  const page = items.slice(start, start + q.limit);
  const last = page[page.length - 1];
  return start + q.limit < items.length && last
    ? { items: page, nextCursor: cursorAfter(last) }
    : { items: page };
}
