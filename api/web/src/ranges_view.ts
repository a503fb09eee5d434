/// <reference lib="dom" />
/**
 * The ranges of a report: the address-space map, the filtered table and the detail pane, kept in
 * step (selecting in one selects in the others). Runs of ranges equal in both cores that the
 * report only counts (CONTRACTS.md 6) are rows too; "List these ranges" pages them in from
 * `GET /v1/reports/{id}/ranges` and the map and table are rebuilt with them.
 *
 * @module
 */

import { type DiffReportJson, SAME, STATUS_ORDER, STATUS_TEXT } from "../../../lib/report/view.ts";
import {
  expandIndex,
  indexReport,
  orderRows,
  type ReportIndex,
  type RowOrder,
  selectRows,
} from "../../../lib/report/view_rows.ts";
import { fetchRanges } from "./api.ts";
import { renderDetail } from "./detail.ts";
import { h } from "./dom.ts";
import { type AddressMap, addressMap } from "./map.ts";
import { type RangeTable, rangeTable } from "./table.ts";

let resizing: AbortController | undefined;

/** The parts of the ranges view, to place in the page, and its start. */
export interface RangesView {
  /** "Address space" section. */
  readonly mapSection: HTMLElement;
  /** "Ranges" section: filters and table. */
  readonly tableSection: HTMLElement;
  /** The detail pane. */
  readonly detail: HTMLElement;
  /** Fills the map and table and selects the first failing (or differing) row. */
  start(): void;
}

/**
 * Builds the ranges view of a report.
 *
 * @param r the report
 * @param id its stored id ("" when unknown: collapsed runs cannot be listed then)
 * @returns the view
 */
export function rangesView(r: DiffReportJson, id: string): RangesView {
  let idx: ReportIndex = indexReport(r);
  let map: AddressMap, table: RangeTable;
  let current = -1;
  const mapHolder = h("div", {});
  const tableHolder = h("div", {});
  const detailBody = h("div", { id: "detail-body" });

  const expand = async (pos: number) => {
    const row = idx.rows[pos];
    if (!row || row.kind !== "run" || !id) return;
    const ranges = await fetchRanges(id, row.first, row.run.ranges);
    idx = expandIndex(idx, pos, ranges);
    build();
    apply();
    select(pos, "code");
  };
  const select = (i: number, from: "map" | "table" | "code") => {
    current = i;
    if (from !== "map") map.select(i);
    if (from !== "table") table.select(i);
    renderDetail(detailBody, idx.rows[i], i, r.context.smaps, id ? expand : undefined);
  };
  const build = () => {
    map = addressMap(idx, (i) => select(i, "map"));
    table = rangeTable(idx, (i) => select(i, "table"));
    mapHolder.replaceChildren(map.element);
    tableHolder.replaceChildren(table.element);
  };

  const statusSel = h(
    "select",
    { id: "f-status", "aria-label": "Show status" },
    h("option", { value: "" }, "all statuses"),
    ...STATUS_ORDER.filter((s) => (r.summary.byStatus[s] ?? 0) > 0).map((s) =>
      h("option", { value: s }, `${STATUS_TEXT[s].label} (${r.summary.byStatus[s]})`)
    ),
  );
  const orderSel = h(
    "select",
    { id: "f-order", "aria-label": "Order" },
    h("option", { value: "address" }, "by address"),
    h("option", { value: "size" }, "largest first"),
    h("option", { value: "status" }, "worst status first"),
  );
  const failingBox = h("input", { type: "checkbox", id: "f-failing" });
  const search = h("input", {
    type: "search",
    id: "f-text",
    placeholder: "name, address or reason",
    "aria-label": "Search ranges",
    autocomplete: "off",
    spellcheck: "false",
  });
  const apply = () =>
    table.setRows(orderRows(
      idx,
      selectRows(idx, {
        status: statusSel.value as never,
        failingOnly: failingBox.checked,
        text: search.value,
      }),
      orderSel.value as RowOrder,
    ));
  statusSel.addEventListener("change", apply);
  orderSel.addEventListener("change", apply);
  failingBox.addEventListener("change", apply);
  let pending = 0;
  search.addEventListener("input", () => {
    cancelAnimationFrame(pending);
    pending = requestAnimationFrame(apply);
  });
  const filters = h(
    "div",
    { class: "filters", role: "search", "aria-label": "Filter the table" },
    statusSel,
    h("label", { class: "check" }, failingBox, " only failing"),
    search,
    orderSel,
  );

  return {
    mapSection: h(
      "section",
      { "aria-labelledby": "h-map" },
      h("h2", { id: "h-map" }, "Address space"),
      mapHolder,
    ),
    tableSection: h(
      "section",
      { "aria-labelledby": "h-table" },
      h("h2", { id: "h-table" }, "Ranges"),
      filters,
      tableHolder,
    ),
    detail: h(
      "aside",
      { class: "detail", "aria-labelledby": "h-detail" },
      h("h2", { id: "h-detail" }, "Selected range"),
      detailBody,
    ),
    start() {
      build();
      table.setRows(selectRows(idx, {}));
      map.draw();
      let first = -1;
      for (let i = 0; i < idx.failing.length && first < 0; i++) if (idx.failing[i]) first = i;
      for (let i = 0; i < idx.status.length && first < 0; i++) {
        if (idx.status[i] !== SAME) first = i;
      }
      if (first >= 0) select(first, "code");
      else renderDetail(detailBody, undefined, -1, r.context.smaps);
      let raf = 0;
      // One report at a time listens to resizes (a new report replaces the old listener).
      resizing?.abort();
      resizing = new AbortController();
      globalThis.addEventListener("resize", () => {
        cancelAnimationFrame(raf);
        raf = requestAnimationFrame(() => {
          map.draw();
          table.refresh();
          if (current >= 0) table.select(current);
        });
      }, { signal: resizing.signal });
    },
  };
}
