/// <reference lib="dom" />
/**
 * The ranges table, virtualised: only the rows in view (plus a few) exist in the DOM, so 100,000
 * ranges cost what 40 do. One tab stop (the grid); arrow keys, Page Up/Down, Home and End move the
 * active row (`aria-activedescendant`), which is also the selection.
 *
 * @module
 */

import { viewOf } from "../../../lib/report/view_ranges.ts";
import type { ReportIndex } from "../../../lib/report/view_rows.ts";
import { h } from "./dom.ts";
import { moveIndex } from "./keys.ts";
import { rowWindow, scrollFor } from "./window.ts";

const OVERSCAN = 8;

/** Column headings (narrow screens hide the `wide` ones; status and reasons always show). */
const COLUMNS: readonly { key: string; label: string; wide?: boolean }[] = [
  { key: "i", label: "#", wide: true },
  { key: "status", label: "Status" },
  { key: "name", label: "Mapping" },
  { key: "start", label: "Start", wide: true },
  { key: "size", label: "Size", wide: true },
  { key: "a", label: "A", wide: true },
  { key: "b", label: "B", wide: true },
  { key: "codes", label: "Reasons" },
];

/** The table widget. */
export interface RangeTable {
  /** The element to place in the page. */
  readonly element: HTMLElement;
  /** Shows these ranges (indices into the report), keeping the selection when it is among them. */
  setRows(rows: Uint32Array): void;
  /** Makes range `i` the active row (scrolls it into view when listed). */
  select(i: number): void;
  /** Re-measures after a resize. */
  refresh(): void;
}

/**
 * Builds the table.
 *
 * @param idx the indexed report
 * @param onSelect called when the user moves to or clicks a row (report index)
 * @returns the widget
 */
export function rangeTable(idx: ReportIndex, onSelect: (i: number) => void): RangeTable {
  let rows: Uint32Array = new Uint32Array(0);
  let active = -1; // position in rows
  let rowHeight = 0;
  const head = h(
    "div",
    { class: "tr th", role: "row", "aria-rowindex": 1 },
    ...COLUMNS.map((c) =>
      h("span", { class: `td c-${c.key}${c.wide ? " wide" : ""}`, role: "columnheader" }, c.label)
    ),
  );
  const body = h("div", { class: "tbody", role: "rowgroup" });
  const thead = h("div", { role: "rowgroup", class: "thead" }, head);
  const spacer = h("div", { class: "spacer" }, body);
  // The grid is its own scroller (so the scrolled region is the focusable widget); the header
  // row sticks to its top and the rows are placed in the spacer below it.
  const grid = h(
    "div",
    {
      id: "ranges",
      class: "grid scroller",
      role: "grid",
      tabindex: 0,
      "aria-label": "Ranges (arrow keys move, the active row is shown in the detail pane)",
      "aria-colcount": COLUMNS.length,
    },
    thead,
    spacer,
  );
  const scroller = grid;
  /** Height of the rows' viewport (the scroller minus the sticky header). */
  const viewHeight = () => Math.max(rowHeight, (scroller.clientHeight || 600) - thead.offsetHeight);
  const count = h("p", { class: "count", role: "status" });
  const element = h("div", { class: "table-wrap" }, count, grid);

  const measure = () => {
    const v = parseFloat(getComputedStyle(grid).getPropertyValue("--row-h"));
    rowHeight = Number.isFinite(v) && v > 0 ? v : 30;
  };

  const row = (pos: number): HTMLElement => {
    const i = rows[pos]!;
    const v = viewOf(idx.rows[i]!, i);
    const cells: Record<string, Node | string> = {
      i: String(i + 1),
      status: h("span", { class: `badge st-${v.status}` }, v.statusLabel),
      name: h(
        "span",
        { class: "name", title: v.name || "(anonymous)" },
        v.short || "(anonymous)",
        h("span", { class: "addr" }, ` ${v.start}`),
      ),
      start: v.start,
      size: v.size,
      a: v.a,
      b: v.b,
      codes: v.codes.join(" "),
    };
    return h(
      "div",
      {
        class: `tr${v.failing ? " failing" : ""}${v.run ? " run" : ""}`,
        role: "row",
        id: `row-${i}`,
        "data-i": i,
        "data-status": v.status,
        "aria-rowindex": pos + 2,
        "aria-selected": pos === active ? "true" : "false",
        style: `top:${pos * rowHeight}px`,
      },
      ...COLUMNS.map((c) =>
        h("span", {
          class: `td c-${c.key}${c.wide ? " wide" : ""}`,
          role: "gridcell",
          title: c.key === "codes" ? v.codes.join(" ") : undefined,
        }, cells[c.key]!)
      ),
    );
  };

  let drawn = "";
  const draw = (force = false) => {
    const w = rowWindow(
      scroller.scrollTop,
      viewHeight(),
      rowHeight,
      rows.length,
      OVERSCAN,
    );
    const key = `${w.first}:${w.last}:${active}`;
    if (!force && key === drawn) return;
    drawn = key;
    const kids: HTMLElement[] = [];
    for (let p = w.first; p < w.last; p++) kids.push(row(p));
    if (rows.length === 0) {
      kids.push(h(
        "div",
        { class: "tr empty", role: "row" },
        h("span", { class: "td", role: "gridcell" }, "No row matches the filters."),
      ));
    }
    body.replaceChildren(...kids);
    const cur = rows[active];
    if (cur !== undefined && active >= w.first && active < w.last) {
      grid.setAttribute("aria-activedescendant", `row-${cur}`);
    } else grid.removeAttribute("aria-activedescendant");
  };

  const moveTo = (pos: number, notify: boolean) => {
    active = pos;
    scroller.scrollTop = scrollFor(pos, scroller.scrollTop, viewHeight(), rowHeight);
    draw(true);
    if (notify && rows[pos] !== undefined) onSelect(rows[pos]!);
  };

  scroller.addEventListener("scroll", () => draw(), { passive: true });
  grid.addEventListener("keydown", (e) => {
    const page = Math.max(1, Math.floor(viewHeight() / rowHeight) - 1);
    const j = moveIndex(e.key, active, rows.length, page);
    if (j === undefined) return;
    e.preventDefault();
    moveTo(j, true);
  });
  grid.addEventListener("focus", () => {
    if (active < 0 && rows.length) moveTo(0, true);
  });
  body.addEventListener("click", (e) => {
    const tr = (e.target as Element).closest<HTMLElement>(".tr[data-i]");
    if (!tr) return;
    const pos = Number(tr.getAttribute("aria-rowindex")) - 2;
    grid.focus({ preventScroll: true });
    moveTo(pos, true);
  });

  return {
    element,
    setRows(next) {
      const keep = rows[active];
      rows = next;
      active = keep === undefined ? -1 : rows.indexOf(keep);
      measure();
      spacer.style.height = `${rows.length * rowHeight}px`;
      grid.setAttribute("aria-rowcount", String(rows.length + 1));
      const runs = idx.rows.reduce((n, row) => n + (row.kind === "run" ? 1 : 0), 0);
      count.textContent = `${rows.length.toLocaleString("en-US")} of ${
        idx.status.length.toLocaleString("en-US")
      } rows listed${
        runs > 0
          ? ` (${runs.toLocaleString("en-US")} of them runs of ranges equal in both cores)`
          : ""
      }`;
      if (active >= 0) moveTo(active, false);
      else {
        scroller.scrollTop = 0;
        draw(true);
      }
    },
    select(i) {
      const pos = rows.indexOf(i);
      if (pos >= 0) moveTo(pos, false);
    },
    refresh() {
      measure();
      spacer.style.height = `${rows.length * rowHeight}px`;
      draw(true);
    },
  };
}
