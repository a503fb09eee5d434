/// <reference lib="dom" />
/**
 * The detail pane of the selected range: full mapping name, both sides, every difference with its
 * reasons (or, unexplained, what was seen), and the page strip from the report's page map.
 *
 * @module
 */

import { PAGE_CLASS_TEXT, type RangeJson } from "../../../lib/report/view.ts";
import { detailView, pageStrip } from "../../../lib/report/view_ranges.ts";
import { h } from "./dom.ts";

/**
 * Renders the detail of a range into `into`.
 *
 * @param into the pane body
 * @param r the range
 * @param i its index in the report
 * @param smaps whether the report had smaps (predictions)
 */
export function renderDetail(
  into: HTMLElement,
  r: RangeJson | undefined,
  i: number,
  smaps: boolean,
): void {
  if (!r) {
    into.replaceChildren(h("p", { class: "muted" }, "Select a range in the map or the table."));
    return;
  }
  const v = detailView(r, i);
  const strip = pageStrip(r);
  const total = strip.reduce((s, c) => s + c.count, 0) || 1;
  const bucket = r.pageMap?.bucket ?? 0;
  into.replaceChildren(
    h(
      "p",
      { class: "dname" },
      h("span", { class: `badge st-${v.status}` }, v.statusLabel),
      " ",
      v.name || "(anonymous mapping)",
    ),
    h(
      "dl",
      { class: "kv" },
      h("dt", {}, "range"),
      h("dd", { class: "mono" }, `${v.start}-${v.end}`),
      h("dt", {}, "size"),
      h("dd", {}, `${v.size} · ${v.pages.toLocaleString("en-US")} pages`),
      ...v.sides.flatMap((s) => [h("dt", {}, s.side), h("dd", { class: "mono" }, s.text)]),
      h("dt", {}, "pages"),
      h(
        "dd",
        {},
        v.tally.map((t) => `${t.label} ${t.count.toLocaleString("en-US")}`).join(" · ") || "-",
      ),
    ),
    h("h3", {}, "Pages"),
    h(
      "div",
      {
        class: "strip",
        role: "img",
        "aria-label": `Page strip: ${
          strip.filter((c) => c.cls !== "n" && c.cls !== "s").length
        } cells with differences${bucket > 1 ? `, ${bucket} pages per cell` : ""}`,
      },
      ...strip.map((c) =>
        h("span", {
          class: `cell pg-${c.cls}`,
          "data-page": c.cls,
          style: `flex-grow:${c.count / total}`,
          title: `pages ${c.first}-${c.first + c.count - 1}: ${PAGE_CLASS_TEXT[c.cls] ?? c.cls}`,
        })
      ),
    ),
    h(
      "p",
      { class: "muted small" },
      r.pageMap
        ? bucket > 1
          ? `Each cell is ${bucket} pages and shows its worst page.`
          : "One cell per page."
        : "This report has no page map: the strip shows proportions, not positions.",
    ),
    h("h3", {}, `Differences (${v.differences.length})`),
    v.differences.length
      ? h(
        "ul",
        { class: "diffs" },
        ...v.differences.map((d) =>
          h(
            "li",
            { class: `diff ${d.state}` },
            h("span", { class: `state ${d.state}` }, d.state),
            " ",
            h("b", {}, d.kind),
            d.state === "unexplained" ? h("span", {}, " · seen: ", d.text) : ` · ${d.text}`,
            d.state === "unexplained"
              ? h(
                "p",
                { class: "small predicted" },
                "predicted: ",
                d.predicted ?? (smaps
                  ? "no rule of either producer, for the given smaps and filter, produces this"
                  : "nothing (without smaps only patterns unique to one rule are recognised)"),
              )
              : h(
                "ul",
                { class: "reasons" },
                ...d.reasons.map((x) =>
                  h("li", {}, h("code", {}, x.code), ` (${x.certainty}) ${x.text}`)
                ),
              ),
          )
        ),
      )
      : h("p", { class: "muted" }, "No differences."),
    ...(v.runs.length
      ? [h(
        "p",
        { class: "small mono wrap" },
        `Differing runs (${v.runs.length} of ${v.runsTotal}): ${v.runs.join(", ")}`,
      )]
      : []),
  );
}
