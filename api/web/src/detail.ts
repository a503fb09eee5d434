/// <reference lib="dom" />
/**
 * The detail pane of the selected range: full mapping name, both sides, every difference with its
 * reasons (or, unexplained, what was seen), and the page strip from the report's page map.
 *
 * @module
 */

import { type CollapsedRunJson, PAGE_CLASS_TEXT } from "../../../lib/report/view.ts";
import { detailView, pageStrip, runView } from "../../../lib/report/view_ranges.ts";
import type { RowRef } from "../../../lib/report/view_rows.ts";
import { plural } from "../../../lib/report/units.ts";
import { h } from "./dom.ts";

/**
 * Renders the detail of a row into `into`.
 *
 * @param into the pane body
 * @param row the row (a range, or a collapsed run of equal ranges)
 * @param i its index in the rows
 * @param smaps whether the report had smaps (predictions)
 * @param onExpand lists a collapsed run's ranges (absent: they cannot be fetched)
 */
export function renderDetail(
  into: HTMLElement,
  row: RowRef | undefined,
  i: number,
  smaps: boolean,
  onExpand?: (i: number) => Promise<void>,
): void {
  if (!row) {
    into.replaceChildren(h("p", { class: "muted" }, "Select a range in the map or the table."));
    return;
  }
  if (row.kind === "run") {
    renderRun(into, row.run, i, onExpand);
    return;
  }
  const r = row.range;
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
      h("dd", {}, `${v.size} · ${plural(v.pages, "page")}`),
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

/** The detail of a collapsed run: what it stands for, and a button that lists its ranges. */
function renderRun(
  into: HTMLElement,
  run: CollapsedRunJson,
  i: number,
  onExpand?: (i: number) => Promise<void>,
): void {
  const v = runView(run, i);
  const status = h("p", { class: "small", role: "status" });
  const button = h(
    "button",
    { type: "button", id: "expand-run" },
    run.ranges === 1 ? "List this range" : `List these ${v.short}`,
  );
  button.addEventListener("click", async () => {
    if (!onExpand) return;
    button.disabled = true;
    status.textContent = "Loading the ranges…";
    try {
      await onExpand(i);
    } catch (e) {
      button.disabled = false;
      status.textContent = `Cannot list them: ${e instanceof Error ? e.message : String(e)}`;
    }
  });
  into.replaceChildren(
    h("p", { class: "dname" }, h("span", { class: "badge st-same" }, "same"), " ", v.name),
    h(
      "dl",
      { class: "kv" },
      h("dt", {}, "range"),
      h("dd", { class: "mono" }, `${v.start}-${v.end}`),
      h("dt", {}, "size"),
      h("dd", {}, v.size),
    ),
    h(
      "p",
      { class: "muted" },
      "The report counts ranges equal in both cores instead of listing them.",
    ),
    ...(onExpand ? [button, status] : []),
  );
}
