/// <reference lib="dom" />
/**
 * The top of a report: the verdict first, then identity, truncation, contradicting settings and
 * notes, each from the lib's {@link reportTop}.
 *
 * @module
 */

import type { ReportTop } from "../../../lib/report/view.ts";
import { h } from "./dom.ts";

/**
 * The verdict block (shown as soon as the verdict is known, before the ranges are indexed).
 *
 * @param verdict `pass` or `fail`
 * @param headline the line after the word (may be filled in later)
 * @returns the element `#verdict`
 */
export function verdictBlock(verdict: "pass" | "fail", headline: string): HTMLElement {
  return h(
    "section",
    {
      id: "verdict",
      class: `verdict ${verdict}`,
      "data-verdict": verdict,
      tabindex: -1,
      "aria-label": `Verdict: ${verdict}`,
    },
    h("span", { class: "word" }, verdict.toUpperCase()),
    " ",
    h("span", { class: "headline" }, headline),
  );
}

/**
 * The banners under the verdict.
 *
 * @param top the report top
 * @returns the element `#banners`
 */
export function bannerList(top: ReportTop): HTMLElement {
  return h(
    "ul",
    { id: "banners", class: "banners", "aria-label": "What to know first" },
    ...top.banners.map((b) =>
      h(
        "li",
        { class: `banner ${b.level}`, "data-kind": b.kind },
        h("b", { class: "btitle" }, b.title),
        " ",
        h("span", {}, b.text),
        b.details.length
          ? h("ul", { class: "bdetails" }, ...b.details.map((d) => h("li", {}, d)))
          : false,
      )
    ),
  );
}
