/// <reference lib="dom" />
/**
 * A report on the page, verdict first: the verdict shows as soon as the response headers arrive
 * (`coredelta-verdict`), the summary and banners once the JSON is parsed, then the map, the
 * virtualised table and the detail pane. Performance marks `cd:verdict`, `cd:summary` and
 * `cd:ready` time each step (the browser test reads them).
 *
 * @module
 */

import { type DiffReportJson, reportTop } from "../../../lib/report/view.ts";
import { formatBytes } from "../../../lib/report/units.ts";
import { authHeaders, getJson, token } from "./api.ts";
import { bannerList, verdictBlock } from "./banners.ts";
import { byId, h } from "./dom.ts";
import { filesSection, notesSection } from "./lists.ts";
import { rangesView } from "./ranges_view.ts";

const nextFrame = () => new Promise<void>((r) => requestAnimationFrame(() => setTimeout(r, 0)));

/**
 * Fetches a stored report and shows it.
 *
 * @param id report id
 */
export async function loadReport(id: string): Promise<void> {
  const result = byId("result");
  const report = await getJson<DiffReportJson>(
    `/v1/reports/${encodeURIComponent(id)}?format=json`,
    (res) => {
      performance.mark("cd:response");
      const v = res.headers.get("coredelta-verdict");
      if (v === "pass" || v === "fail") {
        result.replaceChildren(verdictBlock(v, "loading the ranges…"));
        result.hidden = false;
        performance.mark("cd:verdict");
      }
    },
  );
  await showReport(report, id);
}

/**
 * Shows a report (from an upload answer or a fetch).
 *
 * @param r the report JSON
 * @param id its stored id (links), or ""
 */
export async function showReport(r: DiffReportJson, id: string): Promise<void> {
  const result = byId("result");
  const top = reportTop(r);
  document.title = `coredelta · ${top.word} · ${r.a.label} vs ${r.b.label}`;
  const verdict = verdictBlock(top.verdict, top.headline);
  if (id) verdict.append(" ", links(id));
  result.replaceChildren(verdict, bannerList(top), cards(r, top));
  result.hidden = false;
  if (performance.getEntriesByName("cd:verdict").length === 0) performance.mark("cd:verdict");
  performance.mark("cd:summary");
  await nextFrame();

  const ranges = rangesView(r, id);
  result.append(
    h(
      "div",
      { class: "layout" },
      h("div", { class: "main-col" }, ranges.mapSection, ranges.tableSection),
      ranges.detail,
    ),
    // Below the ranges and their detail (on a phone the detail follows the table directly).
    notesSection(r),
    filesSection(r),
  );
  ranges.start();
  performance.mark("cd:ready");
}

function links(id: string): HTMLElement {
  const formats: [string, string, string][] = [
    ["json", "JSON", "json"],
    ["md", "Markdown", "md"],
    ["junit", "JUnit", "xml"],
    ["html", "HTML", "html"],
    ["text", "text", "txt"],
  ];
  return h(
    "span",
    { class: "links" },
    h("a", { href: `/reports/${encodeURIComponent(id)}`, id: "permalink" }, "Permalink"),
    " · download ",
    ...formats.flatMap(([fmt, label, ext]) => [
      " ",
      h("a", {
        href: `/v1/reports/${encodeURIComponent(id)}?format=${fmt}`,
        download: `coredelta-${id.slice(0, 12)}.${ext}`,
        "data-format": fmt,
        onclick: (e: Event) => void downloadWithToken(e),
      }, label),
    ]),
  );
}

/** With a bearer token, a download link fetches its file with the token and saves the blob. */
async function downloadWithToken(e: Event): Promise<void> {
  const link = e.currentTarget as HTMLAnchorElement;
  if (!token()) return;
  e.preventDefault();
  const res = await fetch(link.href, { headers: authHeaders() });
  const url = URL.createObjectURL(await res.blob());
  h("a", { href: url, download: link.download }).click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function cards(r: DiffReportJson, top: ReturnType<typeof reportTop>): HTMLElement {
  const core = (title: string, c: DiffReportJson["a"]) =>
    h(
      "section",
      { class: "card" },
      h("h2", { class: "card-title" }, title),
      h(
        "dl",
        { class: "kv" },
        h("dt", {}, "file"),
        h("dd", { class: "mono wrap" }, c.label),
        h("dt", {}, "producer"),
        h("dd", {}, c.producer),
        h("dt", {}, "size"),
        h("dd", {}, formatBytes(c.size)),
        h("dt", {}, "resident (est.)"),
        h(
          "dd",
          {},
          `${formatBytes(Number(BigInt(c.memory.residentBytes.min)))}-${
            formatBytes(Number(BigInt(c.memory.residentBytes.max)))
          } · pages ${c.memory.nonZeroPages.toLocaleString("en-US")} non-zero, ${
            c.memory.zeroPages.toLocaleString("en-US")
          } zero, ${c.memory.unsavedPages.toLocaleString("en-US")} unsaved`,
        ),
        h("dt", {}, "XXH3-64"),
        h("dd", { class: "mono" }, c.fileHash),
        h("dt", {}, "PT_LOAD · threads"),
        h("dd", {}, `${c.loads} · ${c.threads}`),
        ...(c.process
          ? [h("dt", {}, "process"), h("dd", {}, `${c.process.name} (pid ${c.process.pid})`)]
          : []),
        ...(c.modules
          ? [
            h("dt", {}, "modules"),
            h(
              "dd",
              {},
              `${c.modules.length} ELF files, ${
                c.modules.filter((m) => m.buildId).length
              } with a build-id in the core`,
            ),
          ]
          : []),
      ),
    );
  return h(
    "div",
    { class: "cards" },
    core("Core A", r.a),
    core("Core B", r.b),
    h(
      "section",
      { class: "card" },
      h("h2", { class: "card-title" }, "Context"),
      h(
        "dl",
        { class: "kv" },
        h("dt", {}, "smaps"),
        h(
          "dd",
          {},
          r.context.smaps ? "given: reasons are predicted" : "not given: reasons inferred",
        ),
        h("dt", {}, "filter"),
        h("dd", { class: "mono" }, r.context.filter ?? "-"),
        ...(r.context.settings
          ? [
            h("dt", {}, "settings"),
            h(
              "dd",
              {},
              `kernel profile ${r.context.settings.kernelProfile} · GDB use-coredump-filter ${
                r.context.settings.gdbUseFilter ? "on" : "off"
              }, dump-excluded-mappings ${r.context.settings.gdbDumpExcluded ? "on" : "off"}`,
            ),
          ]
          : []),
        h("dt", {}, "ranges"),
        h(
          "dd",
          {},
          top.byStatus.filter((s) => s.count).map((s) =>
            `${s.label} ${s.count.toLocaleString("en-US")}`
          )
            .join(" · "),
        ),
      ),
    ),
  );
}
