/// <reference lib="dom" />
/**
 * The report's lists (note differences, files a debugger needs), shown a page at a time: a core of
 * 70,000 mappings can name tens of thousands of files, and the page stays as light as its table.
 *
 * @module
 */

import type { DiffReportJson } from "../../../lib/report/view.ts";
import { h } from "./dom.ts";

/** Items shown at first and added per click. */
export const LIST_STEP = 100;

/**
 * A list that shows `step` items and a button for the next `step`.
 *
 * @param attrs attributes of the `ul`
 * @param items the items
 * @param render one `li` per item
 * @param step items per step
 * @returns the list and its button
 */
export function steppedList<T>(
  attrs: Record<string, string>,
  items: readonly T[],
  render: (item: T) => HTMLLIElement,
  step = LIST_STEP,
): HTMLElement {
  const list = h("ul", attrs);
  const more = h("button", { type: "button", class: "more" });
  let shown = 0;
  const grow = () => {
    const next = items.slice(shown, shown + step);
    list.append(...next.map(render));
    shown += next.length;
    const left = items.length - shown;
    more.hidden = left === 0;
    more.textContent = `Show ${Math.min(step, left)} more (${left.toLocaleString("en-US")} left)`;
  };
  more.addEventListener("click", grow);
  grow();
  return h("div", {}, list, more);
}

/**
 * The note differences.
 *
 * @param r the report
 * @returns the section
 */
export function notesSection(r: DiffReportJson): HTMLElement {
  return h(
    "section",
    { "aria-labelledby": "h-notes" },
    h("h2", { id: "h-notes" }, `Note differences (${r.notes.length.toLocaleString("en-US")})`),
    r.notes.length
      ? steppedList({ class: "diffs", id: "notes" }, r.notes, (d) =>
        h(
          "li",
          { class: "diff" },
          h("b", {}, d.kind),
          ` · ${d.text}`,
          d.reasons.length
            ? h("span", { class: "small" }, " ", ...d.reasons.map((x) => h("code", {}, x.code)))
            : h("span", { class: "state unexplained" }, " unexplained"),
        ))
      : h("p", { class: "muted" }, "None."),
  );
}

/**
 * The files a debugger needs (NT_FILE), with whether each core saved the ELF header page.
 *
 * @param r the report
 * @returns the section
 */
export function filesSection(r: DiffReportJson): HTMLElement {
  return h(
    "section",
    { "aria-labelledby": "h-files" },
    h(
      "h2",
      { id: "h-files" },
      `Files a debugger needs (${r.files.length.toLocaleString("en-US")})`,
    ),
    r.files.length
      ? steppedList({ class: "files", id: "files" }, r.files, (f) =>
        h(
          "li",
          {},
          h("span", { class: "mono wrap" }, f.path),
          ` · ELF header saved in A: ${f.headerInA ? "yes" : "no"}, B: ${
            f.headerInB ? "yes" : "no"
          }`,
        ))
      : h("p", { class: "muted" }, "None."),
  );
}
