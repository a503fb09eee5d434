/// <reference lib="dom" />
/**
 * The address-space map: an overview of every range in address order, drawn on one canvas. Bins
 * aggregate ranges (each shows its worst status) until zoomed in far enough that each range is
 * its own box with its name; zoomed to one range it shows that range's pages. One tab stop:
 * Left/Right move between ranges, + and - zoom, Enter zooms to the pages of the range, Page
 * Up/Down pan, Home/End, 0 or Escape shows everything.
 * Wheel zooms, drag pans, click selects. Tooltips and the readout name the mapping in full.
 *
 * @module
 */

import { PAGE_CLASS_TEXT, STATUS_ORDER, STATUS_TEXT } from "../../../lib/report/view.ts";
import { mapBins, rowStrip, viewOf } from "../../../lib/report/view_ranges.ts";
import type { ReportIndex } from "../../../lib/report/view_rows.ts";
import { shortName } from "../../../lib/report/diff_common.ts";
import { cssColor, h } from "./dom.ts";
import { moveIndex } from "./keys.ts";
import { panSpan, type Span, spanWith, zoomSpan } from "./window.ts";

const HEIGHT = 56;
const MIN_BIN_PX = 2;
const LABEL_PX = 48;

/** The map widget. */
export interface AddressMap {
  /** The element to place in the page. */
  readonly element: HTMLElement;
  /** Moves the cursor to range `i` (panning to it). */
  select(i: number): void;
  /** Redraws (after a resize). */
  draw(): void;
}

/**
 * Builds the map.
 *
 * @param idx the indexed report
 * @param onSelect called when the user picks a range
 * @returns the widget
 */
export function addressMap(idx: ReportIndex, onSelect: (i: number) => void): AddressMap {
  const n = idx.status.length;
  const rows = idx.rows;
  let span: Span = { from: 0, to: n };
  let cursor = -1;
  const canvas = h("canvas", { "aria-hidden": "true", height: HEIGHT });
  const readout = h("p", { class: "map-readout", id: "map-readout", "aria-live": "polite" });
  const tip = h("div", { class: "map-tip", role: "tooltip", id: "map-tip", hidden: true });
  const box = h(
    "div",
    {
      id: "map",
      class: "map",
      tabindex: 0,
      role: "application",
      "aria-roledescription": "address-space map",
      "aria-label":
        "Address-space map: Left and Right move between ranges, plus and minus zoom, Enter shows the pages of the range, Page Up and Page Down pan, 0 or Escape shows all",
      "aria-describedby": "map-readout",
    },
    canvas,
    tip,
  );
  const rangeLegend = STATUS_ORDER.map((s) =>
    h("li", {}, h("span", { class: `swatch st-${s}` }), STATUS_TEXT[s].label)
  );
  const pageLegend = Object.entries(PAGE_CLASS_TEXT).map(([c, text]) =>
    h("li", {}, h("span", { class: `swatch pg-${c}` }), text)
  );
  const legend = h("ul", { class: "legend", "aria-label": "Map colours" }, ...rangeLegend);
  let legendOf = "ranges";
  /** The legend follows the zoom: range statuses, or page classes when one range is shown. */
  const syncLegend = () => {
    const want = span.to - span.from === 1 ? "pages" : "ranges";
    if (want === legendOf) return;
    legendOf = want;
    legend.replaceChildren(...(want === "pages" ? pageLegend : rangeLegend));
  };
  const element = h("div", { class: "map-wrap" }, box, readout, legend);

  const colours = new Map<string, string>();
  const colour = (name: string) => {
    let c = colours.get(name);
    if (!c) colours.set(name, c = cssColor(name, box));
    return c;
  };

  /** Range (or first range of a bin) under canvas x. */
  const rangeAt = (x: number): number => {
    const w = canvas.clientWidth || 1;
    const i = span.from + Math.floor((x / w) * (span.to - span.from));
    return Math.max(span.from, Math.min(span.to - 1, i));
  };

  const describe = (i: number): string => {
    const row = rows[i];
    if (!row) return "";
    const v = viewOf(row, i);
    return `${v.run ? "Row" : "Range"} ${(i + 1).toLocaleString("en-US")} of ${
      n.toLocaleString("en-US")
    }: ${v.name || "(anonymous)"} ${v.start}-${v.end}, ${v.statusLabel}`;
  };

  const draw = () => {
    const w = Math.max(1, canvas.clientWidth);
    const dpr = globalThis.devicePixelRatio || 1;
    if (canvas.width !== Math.round(w * dpr)) canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(HEIGHT * dpr);
    const ctx = canvas.getContext("2d");
    if (!ctx || n === 0) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    syncLegend();
    ctx.clearRect(0, 0, w, HEIGHT);
    const count = span.to - span.from;
    if (count === 1) {
      // One range: its pages.
      const cells = rowStrip(rows[span.from]!);
      const total = cells.reduce((s, c) => s + c.count, 0) || 1;
      let x = 0;
      for (const c of cells) {
        const cw = (c.count / total) * w;
        ctx.fillStyle = colour(`pg-${c.cls}`);
        ctx.fillRect(x, 8, Math.max(cw - (cells.length < 200 ? 1 : 0), 1), HEIGHT - 16);
        x += cw;
      }
    } else {
      const m = mapBins(idx.status, span.from, span.to, Math.floor(w / MIN_BIN_PX));
      const bw = w / m.bins, k = STATUS_ORDER.length, top = 8, full = HEIGHT - 16;
      for (let b = 0; b < m.bins; b++) {
        // A column per bin: each status's share of its ranges, worst on top; a status present
        // gets at least 3 px, so one differing range among thousands still shows.
        let total = 0, present = 0;
        for (let st = 0; st < k; st++) {
          total += m.counts[b * k + st]!;
          if (m.counts[b * k + st]) present++;
        }
        const spare = full - 3 * present;
        let y = top;
        for (let st = 0; st < k; st++) {
          const c = m.counts[b * k + st]!;
          if (!c) continue;
          const hgt = 3 + (spare * c) / total;
          ctx.fillStyle = colour(`st-${STATUS_ORDER[st]}`);
          ctx.fillRect(b * bw, y, Math.max(bw - (bw > 4 ? 1 : 0), 1), hgt);
          y += hgt;
        }
      }
      const drawn: string[] = [];
      if (bw >= LABEL_PX) {
        ctx.font = "11px system-ui, sans-serif";
        ctx.textBaseline = "middle";
        ctx.fillStyle = colour("map-ink");
        for (let b = 0; b < m.bins; b++) {
          const row = rows[span.from + b]!;
          const label = row.kind === "run" ? viewOf(row, 0).short : shortName(row.range.name);
          // A label is drawn whole or not at all (never clipped into an ambiguous prefix).
          if (label && ctx.measureText(label).width <= bw - 6) {
            ctx.fillText(label, b * bw + 3, HEIGHT / 2);
            drawn.push(label);
          }
        }
      }
      // What the canvas says, for assistive technology checks and tests.
      canvas.dataset.labels = drawn.join("\n");
    }
    if (cursor >= span.from && cursor < span.to && count > 1) {
      const x0 = ((cursor - span.from) / count) * w, x1 = ((cursor + 1 - span.from) / count) * w;
      // The cursor: a mark above and below its bin, never over the colours it points at.
      const cx = Math.min(x0, w - 3), cw = Math.max(x1 - x0, 3);
      ctx.fillStyle = colour("focus");
      ctx.fillRect(cx, 1, cw, 5);
      ctx.fillRect(cx, HEIGHT - 6, cw, 5);
    }
  };

  const setCursor = (i: number, notify: boolean) => {
    cursor = i;
    span = spanWith(span, i, n);
    const lo = viewOf(rows[span.from]!, span.from), hi = viewOf(rows[span.to - 1]!, span.to - 1);
    readout.textContent = `${describe(i)} · showing rows ${
      (span.from + 1).toLocaleString("en-US")
    }-${span.to.toLocaleString("en-US")}, ${lo.start}-${hi.end}${
      span.to - span.from === 1 ? " (zoomed to its pages)" : ""
    }`;
    draw();
    if (notify) onSelect(i);
  };

  const zoom = (at: number, factor: number) => {
    span = zoomSpan(span, at, factor, n);
    if (cursor >= 0) setCursor(cursor, false);
    else draw();
  };

  box.addEventListener("keydown", (e) => {
    const width = span.to - span.from;
    const k = e.key;
    if (k === "+" || k === "=") zoom(cursor >= 0 ? cursor : span.from, 0.5);
    else if (k === "-" || k === "_") zoom(cursor >= 0 ? cursor : span.from, 2);
    else if (k === "0" || k === "Escape") {
      span = { from: 0, to: n };
      if (cursor >= 0) setCursor(cursor, false);
      else draw();
    } else if (k === "Enter" && cursor >= 0) {
      // Straight to the page level of the range under the cursor.
      span = { from: cursor, to: cursor + 1 };
      setCursor(cursor, false);
    } else if (k === "PageDown" || k === "PageUp") {
      span = panSpan(span, (k === "PageDown" ? 1 : -1) * width, n);
      setCursor(k === "PageDown" ? span.from : span.to - 1, true);
    } else {
      const j = moveIndex(k, cursor, n, width, true);
      if (j === undefined) return;
      setCursor(j, true);
    }
    e.preventDefault();
  });
  box.addEventListener("focus", () => {
    if (cursor < 0 && n) setCursor(span.from, true);
  });
  canvas.addEventListener("wheel", (e) => {
    e.preventDefault();
    zoom(rangeAt(e.offsetX), e.deltaY < 0 ? 0.5 : 2);
  }, { passive: false });
  let drag: { x: number; from: number; moved: boolean } | undefined;
  canvas.addEventListener("pointerdown", (e) => {
    drag = { x: e.offsetX, from: span.from, moved: false };
  });
  canvas.addEventListener("pointermove", (e) => {
    const i = rangeAt(e.offsetX);
    const r = rows[i] && viewOf(rows[i]!, i);
    if (drag && Math.abs(e.offsetX - drag.x) > 4) {
      drag.moved = true;
      const per = (span.to - span.from) / (canvas.clientWidth || 1);
      span = panSpan(
        { from: drag.from, to: drag.from + span.to - span.from },
        (drag.x - e.offsetX) * per,
        n,
      );
      draw();
    }
    if (!r) return;
    const aggregated = (span.to - span.from) > Math.floor((canvas.clientWidth || 1) / MIN_BIN_PX);
    tip.textContent = span.to - span.from === 1
      ? tipForPage(i, e.offsetX / (canvas.clientWidth || 1))
      : `${r.name || "(anonymous)"} · ${r.start} · ${r.statusLabel}${
        aggregated ? " (and neighbours in this bin)" : ""
      }`;
    tip.hidden = false;
    tip.style.left = `${Math.min(e.offsetX, (canvas.clientWidth || 0) - 200)}px`;
  });
  canvas.addEventListener("pointerleave", () => {
    tip.hidden = true;
    drag = undefined;
  });
  canvas.addEventListener("pointerup", (e) => {
    if (drag && !drag.moved) {
      box.focus({ preventScroll: true });
      setCursor(rangeAt(e.offsetX), true);
    }
    drag = undefined;
  });

  const tipForPage = (i: number, frac: number): string => {
    const cells = rowStrip(rows[i]!);
    const total = cells.reduce((s, c) => s + c.count, 0);
    const page = Math.floor(frac * total);
    const cell = cells.find((c) => page >= c.first && page < c.first + c.count) ?? cells[0];
    const r = viewOf(rows[i]!, i);
    return `${r.name || "(anonymous)"} pages ${cell ? cell.first : 0}-${
      cell ? cell.first + cell.count - 1 : 0
    }: ${cell ? PAGE_CLASS_TEXT[cell.cls] : ""}`;
  };

  return {
    element,
    select: (i) => setCursor(i, false),
    draw,
  };
}
