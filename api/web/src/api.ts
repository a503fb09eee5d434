/// <reference lib="dom" />
/**
 * The service as the page calls it: the bearer token (kept in session storage when the server
 * asks for one) and the report fetch that shows the verdict as soon as the response starts.
 *
 * @module
 */

import type { RangeJson } from "../../../lib/report/view.ts";

const TOKEN_KEY = "coredelta.token";

/** The bearer token the user gave, or "". */
export function token(): string {
  try {
    return sessionStorage.getItem(TOKEN_KEY) ?? "";
  } catch {
    return "";
  }
}

/** Keeps the bearer token for this tab. */
export function setToken(t: string): void {
  try {
    sessionStorage.setItem(TOKEN_KEY, t);
  } catch {
    // storage disabled: the token field is read on each request instead
  }
}

/** Authorization header when a token is set. */
export function authHeaders(): Record<string, string> {
  const t = token();
  return t ? { authorization: `Bearer ${t}` } : {};
}

/** A failed request: status and the problem+json text. */
export class HttpError extends Error {
  /** HTTP status. */
  readonly status: number;
  /** Response body. */
  readonly body: string;

  /**
   * Creates the error.
   *
   * @param status HTTP status
   * @param body response body
   */
  constructor(status: number, body: string) {
    let msg = `HTTP ${status}`;
    try {
      const p = JSON.parse(body);
      msg = `${p.title ?? msg}: ${p.detail ?? ""}`;
    } catch {
      // not problem+json
    }
    super(msg);
    this.status = status;
    this.body = body;
  }
}

/**
 * GETs JSON from the service.
 *
 * @param url path and query
 * @param onHeaders called with the response as soon as its headers arrive
 * @returns the parsed body
 */
export async function getJson<T>(url: string, onHeaders?: (res: Response) => void): Promise<T> {
  const res = await fetch(url, { headers: { accept: "application/json", ...authHeaders() } });
  if (!res.ok) throw new HttpError(res.status, await res.text());
  onHeaders?.(res);
  return await res.json() as T;
}

/** Ranges per request to the ranges endpoint: small pages parse in short tasks. */
const RANGES_PAGE = 2_000;

/**
 * Ranges of a stored report from `GET /v1/reports/{id}/ranges` (CONTRACTS.md 6), paged: `count`
 * ranges from index `first` of the full list.
 *
 * @param id report id
 * @param first index of the first range in the full list
 * @param count how many
 * @returns the ranges, in address order
 */
export async function fetchRanges(
  id: string,
  first: number,
  count: number,
): Promise<RangeJson[]> {
  const out: RangeJson[] = [];
  let cursor = first;
  while (out.length < count) {
    const limit = Math.min(RANGES_PAGE, count - out.length);
    const page = await getJson<{ items: RangeJson[]; nextCursor?: string }>(
      `/v1/reports/${encodeURIComponent(id)}/ranges?cursor=${cursor}&limit=${limit}`,
    );
    if (page.items.length === 0) break;
    out.push(...page.items);
    cursor += page.items.length;
  }
  return out.slice(0, count);
}
