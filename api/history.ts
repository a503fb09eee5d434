/**
 * The report history's model (CONTRACTS.md item 5): one {@link ReportListItem} per stored report,
 * taken from the report's JSON rendering when it is stored, a {@link ReportQuery} of filters, and
 * opaque cursors naming the last item of a page (`createdAt` and id, newest first). Both stores
 * answer `listReports` with the same semantics; {@link pageReports} is that semantics over items
 * in memory (the local store) and the PostgreSQL store does the same in SQL.
 *
 * @module
 */

/** One line of the report history. */
export interface ReportListItem {
  /** Report id. */
  readonly id: string;
  /** When it was stored (ISO 8601). */
  readonly createdAt: string;
  /** `pass` or `fail`. */
  readonly verdict: "pass" | "fail";
  /** The expectation applied. */
  readonly expectation: string;
  /** Labels of the two cores. */
  readonly labels: { readonly a: string; readonly b: string };
  /** Process of each core, when the report names it. */
  readonly processes: {
    readonly a: { readonly pid?: number; readonly name?: string };
    readonly b: { readonly pid?: number; readonly name?: string };
  };
  /** Counts of the report. */
  readonly counts: {
    readonly differences: number;
    readonly unexpected: number;
    readonly unexplained: number;
  };
}

/** Filters and paging of `listReports`. */
export interface ReportQuery {
  /** Cursor from the previous page's `nextCursor`. */
  readonly cursor?: string;
  /** Most items on the page. */
  readonly limit: number;
  /** Only this verdict. */
  readonly verdict?: "pass" | "fail";
  /** Only this expectation. */
  readonly expectation?: string;
  /** Case-insensitive text in a label or process name, or a pid (exact). */
  readonly text?: string;
  /** Only reports where either core has this producer. */
  readonly producer?: string;
  /** Created at or after. */
  readonly since?: Date;
  /** Created before. */
  readonly until?: Date;
}

/** One page of the history. */
export interface ReportPage {
  /** Items, newest first. */
  readonly items: ReportListItem[];
  /** Cursor of the next page, absent on the last one. */
  readonly nextCursor?: string;
}

/** What the stores index of a report, beyond the list item: the producers. */
export interface ReportFacts {
  /** The list item without id and time. */
  readonly item: Omit<ReportListItem, "id" | "createdAt">;
  /** Producers of core A and B. */
  readonly producers: { readonly a: string; readonly b: string };
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === "object" ? v as Json : {});
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const num = (v: unknown): number | undefined =>
  typeof v === "number" && Number.isFinite(v)
    ? v
    : typeof v === "string" && /^\d+$/.test(v)
    ? Number(v)
    : undefined;

/** Pid and name of one side, from the report's process fields or its identity evidence. */
function processOf(report: Json, side: "a" | "b"): { pid?: number; name?: string } {
  const core = obj(report[side]);
  const proc = obj(core.process);
  let pid = num(proc.pid) ?? num(core.pid);
  let name = str(proc.name) ?? str(core.processName);
  const evidence = obj(report.identity).evidence;
  if (Array.isArray(evidence)) {
    for (const e of evidence.map(obj)) {
      if (e.field === "pid") pid ??= num(e[side]);
      if (e.field === "fname" || e.field === "name") name ??= str(e[side]);
    }
  }
  return { ...(pid !== undefined ? { pid } : {}), ...(name !== undefined ? { name } : {}) };
}

/**
 * The facts indexed for a stored report: the stored bytes are `{ verdict, formats: { json } }`.
 *
 * @param stored the stored report's bytes
 * @returns its facts
 */
export function reportFacts(stored: Uint8Array): ReportFacts {
  const outer = obj(JSON.parse(new TextDecoder().decode(stored)));
  const json = str(obj(outer.formats).json);
  const r = json ? obj(JSON.parse(json)) : {};
  const a = obj(r.a), b = obj(r.b), s = obj(r.summary);
  return {
    item: {
      verdict: (str(r.verdict) ?? str(outer.verdict)) === "pass" ? "pass" : "fail",
      expectation: str(r.expectation) ?? "",
      labels: { a: str(a.label) ?? "", b: str(b.label) ?? "" },
      processes: { a: processOf(r, "a"), b: processOf(r, "b") },
      counts: {
        differences: num(s.differences) ?? 0,
        unexpected: num(s.unexpected) ?? 0,
        unexplained: num(s.unexplained) ?? 0,
      },
    },
    producers: { a: str(a.producer) ?? "unknown", b: str(b.producer) ?? "unknown" },
  };
}

/** A cursor's position: creation time (ms) and id of the last item seen. */
export interface CursorPosition {
  /** ms since the epoch. */
  readonly created: number;
  /** Report id. */
  readonly id: string;
}

/** Encodes a cursor (opaque to clients). */
export function encodeCursor(p: CursorPosition): string {
  return btoa(`${p.created}.${p.id}`).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
}

/** Decodes a cursor; undefined when it is not one of ours. */
export function decodeCursor(cursor: string): CursorPosition | undefined {
  try {
    const m = /^(\d{1,16})\.([0-9a-f]{64})$/.exec(
      atob(cursor.replace(/-/g, "+").replace(/_/g, "/")),
    );
    return m ? { created: Number(m[1]), id: m[2]! } : undefined;
  } catch {
    return undefined;
  }
}

/** Whether an item matches the query's filters (not its cursor). */
export function matchesQuery(
  item: ReportListItem,
  producers: { a: string; b: string },
  q: ReportQuery,
): boolean {
  const t = Date.parse(item.createdAt);
  if (q.verdict && item.verdict !== q.verdict) return false;
  if (q.expectation && item.expectation !== q.expectation) return false;
  if (q.producer && producers.a !== q.producer && producers.b !== q.producer) return false;
  if (q.since && t < q.since.getTime()) return false;
  if (q.until && t >= q.until.getTime()) return false;
  if (q.text) {
    const needle = q.text.toLowerCase();
    const { a, b } = item.processes;
    const hay = [item.labels.a, item.labels.b, a.name ?? "", b.name ?? ""];
    const pid = /^\d+$/.test(q.text) && (a.pid === Number(q.text) || b.pid === Number(q.text));
    if (!pid && !hay.some((h) => h.toLowerCase().includes(needle))) return false;
  }
  return true;
}

/**
 * Pages items in memory with the stores' semantics: newest first (ties by id, descending), after
 * the cursor, filtered, at most `limit`.
 *
 * @param all every item with its producers
 * @param q the query
 * @returns the page
 */
export function pageReports(
  all: { item: ReportListItem; producers: { a: string; b: string } }[],
  q: ReportQuery,
): ReportPage {
  const at = q.cursor ? decodeCursor(q.cursor) : undefined;
  const key = (i: ReportListItem) => ({ created: Date.parse(i.createdAt), id: i.id });
  const before = (x: CursorPosition, y: CursorPosition) =>
    x.created < y.created || (x.created === y.created && x.id < y.id);
  const sorted = all.filter((r) => matchesQuery(r.item, r.producers, q))
    .filter((r) => !at || before(key(r.item), at))
    .sort((x, y) => before(key(x.item), key(y.item)) ? 1 : -1);
  const items = sorted.slice(0, q.limit).map((r) => r.item);
  const last = items[items.length - 1];
  return sorted.length > q.limit && last
    ? { items, nextCursor: encodeCursor(key(last)) }
    : { items };
}
