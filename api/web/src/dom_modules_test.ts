/**
 * Unit tests of the browser modules that build DOM, on linkedom (a DOM in plain JavaScript): what
 * the banners, the detail pane and the stepped lists contain, that report strings stay text, and
 * that a collapsed run's button asks for its ranges.
 *
 * @module
 */

import assert from "node:assert/strict";
// Only these unit tests use it.
// deno-lint-ignore no-import-prefix
import { parseHTML } from "npm:linkedom@0.18.15";
import { reportTop } from "../../../lib/report/view.ts";
import { bannerList, verdictBlock } from "./banners.ts";
import { renderDetail } from "./detail.ts";
import { h } from "./dom.ts";
import { steppedList } from "./lists.ts";

/** linkedom's Event (its dispatchEvent sets fields Deno's native Event does not allow). */
let DomEvent: typeof Event;

/** A fresh document as the global one. */
function withDocument(): Document {
  const dom = parseHTML("<!doctype html><html><body></body></html>");
  (globalThis as { document?: unknown }).document = dom.document;
  DomEvent = dom.Event as unknown as typeof Event;
  return dom.document as unknown as Document;
}

const click = (e: Element) => e.dispatchEvent(new DomEvent("click"));

const HOSTILE = "<img src=x onerror=alert(1)>";

Deno.test("dom: h() keeps strings as text, styles through the CSSOM, wires listeners", () => {
  withDocument();
  let clicked = 0;
  const e = h("button", { style: "top:3px", onclick: (() => clicked++) as EventListener }, HOSTILE);
  assert.equal(e.childElementCount, 0, "no element made of the text");
  assert.equal(e.textContent, HOSTILE);
  assert.match(e.getAttribute("style") ?? "", /top: ?3px/);
  click(e);
  assert.equal(clicked, 1);
});

Deno.test("dom: the verdict and banners, in order, as text", () => {
  withDocument();
  const top = reportTop({
    verdict: "fail",
    expectation: "identical",
    a: { label: "a" },
    b: { label: "b" },
    summary: {
      ranges: 1,
      differences: 1,
      expected: 0,
      unexpected: 1,
      unexplained: 1,
      byStatus: {},
    },
    context: {
      smaps: true,
      filter: "0x7f",
      warnings: [HOSTILE],
      contradictions: [{ what: "filter", given: "0x7f", fits: "0x33", text: "the cores fit 0x33" }],
    },
    identity: {
      relation: "different-program",
      text: "different programs",
      evidence: [{ field: "pr_fname", a: "app", b: "other", same: false }],
    },
  } as never);
  const v = verdictBlock(top.verdict, top.headline);
  assert.equal(v.getAttribute("data-verdict"), "fail");
  assert.equal(v.querySelector(".word")?.textContent, "FAIL");
  const list = bannerList(top);
  const kinds = [...list.querySelectorAll("li.banner")].map((li) => li.getAttribute("data-kind"));
  assert.deepEqual(kinds, ["identity", "contradiction", "warning"]);
  assert.equal(list.querySelector("img"), null);
  assert.ok((list.textContent ?? "").includes(HOSTILE));
  assert.ok((list.textContent ?? "").includes("pr_fname: A app · B other"));
});

const RANGE = {
  start: "0x1000",
  end: "0x3000",
  name: "/usr/lib/libc.so.6",
  a: { present: true, index: 2, flags: 5, saved: "0x1000" },
  b: { present: true, index: 2, flags: 5, saved: "0x2000" },
  status: "size-differs",
  pages: { same: 1, different: 0, zeroVsMissing: 0, onlyA: 0, onlyB: 1, neither: 0, truncated: 0 },
  runs: [],
  runsTotal: 0,
  pageMap: { bucket: 1, cells: "sb" },
  differences: [{
    kind: "dumped-size",
    text: "saved 4096 bytes in A, 8192 in B",
    reasons: [],
    expected: false,
    unexplained: true,
    predicted: "A (kernel): 0x2000 bytes saved (kernel.file-private)",
  }],
};

Deno.test("dom: the detail of an unexplained range shows seen and predicted, and its pages", () => {
  const doc = withDocument();
  const pane = doc.createElement("div");
  renderDetail(pane, { kind: "range", range: RANGE } as never, 3, true);
  const text = pane.textContent ?? "";
  assert.match(text, /seen: saved 4096 bytes in A, 8192 in B/);
  assert.match(text, /predicted: A \(kernel\): 0x2000 bytes saved/);
  const cells = [...pane.querySelectorAll(".strip .cell")].map((c) => c.getAttribute("data-page"));
  assert.deepEqual(cells, ["s", "b"]);
  assert.match(pane.querySelector(".dname")?.textContent ?? "", /\/usr\/lib\/libc\.so\.6/);
  renderDetail(pane, undefined, -1, true);
  assert.match(pane.textContent ?? "", /Select a range/);
});

Deno.test("dom: a collapsed run's detail asks for its ranges", async () => {
  const doc = withDocument();
  const pane = doc.createElement("div");
  const asked: number[] = [];
  const run = { start: "0x4000", end: "0x9000", ranges: 3, pages: 5, before: 1 };
  renderDetail(pane, { kind: "run", run, first: 1 } as never, 7, true, (i) => {
    asked.push(i);
    return Promise.resolve();
  });
  const button = pane.querySelector("#expand-run") as HTMLButtonElement;
  assert.equal(button.textContent, "List these 3 equal ranges");
  click(button);
  await Promise.resolve();
  assert.deepEqual(asked, [7]);
  // Without a way to fetch them (no report id) there is no button.
  renderDetail(pane, { kind: "run", run, first: 1 } as never, 7, true);
  assert.equal(pane.querySelector("#expand-run"), null);
});

Deno.test("dom: a stepped list shows 100 items, then 100 more per click", () => {
  withDocument();
  const items = Array.from({ length: 250 }, (_, k) => k);
  const box = steppedList({ id: "l" }, items, (k) => h("li", {}, String(k)));
  const more = box.querySelector("button")!;
  assert.equal(box.querySelectorAll("li").length, 100);
  assert.equal(more.textContent, "Show 100 more (150 left)");
  click(more);
  click(more);
  assert.equal(box.querySelectorAll("li").length, 250);
  assert.equal(more.hasAttribute("hidden"), true);
});
