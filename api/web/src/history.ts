/// <reference lib="dom" />
/**
 * The history panel: recent reports from `GET /v1/reports` (newest first, cursor paging), searchable
 * by text (label, process name or pid) and verdict. The list is one tab stop; Up/Down move.
 *
 * @module
 */

import type { ReportPage } from "../../report_list.ts";
import { getJson, HttpError } from "./api.ts";
import { byId, h } from "./dom.ts";
import { moveIndex } from "./keys.ts";

/**
 * The query string of a history search.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(historyQuery({ text: " app ", verdict: "fail" }), "limit=20&verdict=fail&q=app");
 * assert.equal(historyQuery({ text: "", verdict: "", cursor: "c1" }), "limit=20&cursor=c1");
 * ```
 */
export function historyQuery(q: { text: string; verdict: string; cursor?: string }): string {
  const p = new URLSearchParams({ limit: "20" });
  if (q.verdict) p.set("verdict", q.verdict);
  if (q.text.trim()) p.set("q", q.text.trim());
  if (q.cursor) p.set("cursor", q.cursor);
  return p.toString();
}

const proc = (p: { pid?: number; name?: string }) =>
  p.name || p.pid !== undefined
    ? `${p.name ?? "?"}${p.pid !== undefined ? ` (${p.pid})` : ""}`
    : "";

/** Wires the history panel (`#history`). */
export function setupHistory(): void {
  const panel = byId<HTMLDetailsElement>("history");
  const form = byId<HTMLFormElement>("history-form");
  const text = byId<HTMLInputElement>("history-q");
  const verdict = byId<HTMLSelectElement>("history-verdict");
  const list = byId("history-list");
  const more = byId<HTMLButtonElement>("history-more");
  const status = byId("history-status");
  let cursor: string | undefined;
  let active = 0;
  // The panel needs this script: the page shell hides it until now.
  panel.hidden = false;

  const focusable = () => [...list.querySelectorAll<HTMLAnchorElement>("a")];
  const rove = (j: number) => {
    const links = focusable();
    links.forEach((a, k) => a.tabIndex = k === j ? 0 : -1);
    active = j;
    links[j]?.focus();
  };

  const load = async (append: boolean) => {
    status.textContent = "Loading…";
    try {
      const page = await getJson<ReportPage>(
        `/v1/reports?${
          historyQuery({
            text: text.value,
            verdict: verdict.value,
            cursor: append ? cursor : undefined,
          })
        }`,
      );
      cursor = page.nextCursor;
      const items = page.items.map((it) =>
        h(
          "li",
          { class: `hitem ${it.verdict}` },
          h(
            "a",
            { href: `/reports/${encodeURIComponent(it.id)}`, tabindex: -1 },
            h("span", { class: `badge v-${it.verdict}` }, it.verdict.toUpperCase()),
            " ",
            h("span", { class: "wrap" }, `${it.labels.a} vs ${it.labels.b}`),
          ),
          h(
            "span",
            { class: "small muted" },
            ` ${[proc(it.processes.a), proc(it.processes.b)].filter(Boolean).join(" / ")} · ${
              new Date(it.createdAt).toLocaleString()
            } · ${it.counts.differences} differences, ${it.counts.unexpected} unexpected`,
          ),
        )
      );
      if (append) list.append(...items);
      else list.replaceChildren(...items);
      const links = focusable();
      links.forEach((a, k) => a.tabIndex = k === (append ? active : 0) ? 0 : -1);
      more.hidden = !cursor;
      status.textContent = links.length
        ? `${links.length} ${links.length === 1 ? "report" : "reports"} listed${
          cursor ? " (more below)" : ""
        }`
        : "No reports match.";
    } catch (e) {
      status.textContent = `Cannot list reports: ${e instanceof Error ? e.message : String(e)}`;
      if (e instanceof HttpError && e.status === 401) {
        // The server has tokens: the form's token field is where the user gives one.
        byId("token-field").hidden = false;
        status.textContent += " Enter the bearer token under New comparison.";
      }
    }
  };

  list.addEventListener("keydown", (e) => {
    const links = focusable();
    const j = moveIndex(e.key, active, links.length, 5);
    if (j === undefined) return;
    e.preventDefault();
    rove(j);
  });
  list.addEventListener("focusin", (e) => {
    const k = focusable().indexOf(e.target as HTMLAnchorElement);
    if (k >= 0) active = k;
  });
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    void load(false);
  });
  verdict.addEventListener("change", () => void load(false));
  more.addEventListener("click", () => void load(true));
  panel.addEventListener("toggle", () => {
    if (panel.open && !list.childElementCount) void load(false);
  });
  if (panel.open) void load(false);
}
