/**
 * Unit tests of the browser modules' logic (the parts without a DOM): form checks, problem
 * placement, keyboard moves, table window and map zoom geometry, history queries.
 *
 * @module
 */

import assert from "node:assert/strict";
import { historyQuery } from "./history.ts";
import { moveIndex } from "./keys.ts";
import { placeProblem, validateForm } from "./validate.ts";
import { panSpan, rowWindow, scrollFor, spanWith, zoomSpan } from "./window.ts";

Deno.test("form: a bad id in A and a valid one in B points at A, not B", () => {
  const errs = validateForm({ a: { id: "nothex" }, b: { id: "a".repeat(64) } });
  assert.deepEqual(errs.map((e) => e.field), ["a"]);
});

Deno.test("form: empty files are refused before upload, each at its field", () => {
  const errs = validateForm({
    a: { file: { name: "a.core", size: 10 }, id: "" },
    b: { file: { name: "b.core", size: 0 }, id: "" },
    smaps: { name: "smaps.txt", size: 0 },
  });
  assert.deepEqual(errs.map((e) => e.field), ["b", "smaps"]);
  assert.match(errs[0]!.message, /b\.core is empty \(0 bytes\)/);
});

Deno.test("form: files on one side and an id on the other is refused at the id side", () => {
  const errs = validateForm({
    a: { file: { name: "a", size: 1 }, id: "" },
    b: { id: "b".repeat(64) },
  });
  assert.deepEqual(errs.map((e) => e.field), ["b"]);
});

Deno.test("problems: the offset is named once, the field comes from part or field", () => {
  const twice = placeProblem(
    422,
    JSON.stringify({
      title: "Bad",
      detail: "p_offset at byte 0x40 is wrong",
      offset: 64,
      part: "a",
    }),
  );
  assert.equal(twice.message, "Bad: p_offset at byte 0x40 is wrong");
  const once = placeProblem(422, JSON.stringify({ title: "Bad", detail: "broken", offset: 64 }));
  assert.equal(once.message, "Bad: broken (byte 0x40)");
  assert.equal(once.field, undefined);
  assert.equal(placeProblem(401, "{}").field, "token");
  assert.equal(placeProblem(400, JSON.stringify({ field: "filter", detail: "x" })).field, "filter");
  assert.equal(placeProblem(500, "not json").message, "HTTP 500: not json");
});

Deno.test("keys: arrows, pages and ends stay inside the list", () => {
  assert.equal(moveIndex("ArrowUp", 0, 5, 2), 0);
  assert.equal(moveIndex("ArrowDown", 4, 5, 2), 4);
  assert.equal(moveIndex("ArrowRight", 1, 5, 2, true), 2);
  assert.equal(moveIndex("ArrowDown", 1, 5, 2, true), undefined);
  assert.equal(moveIndex("PageDown", -1, 5, 2), 1);
  assert.equal(moveIndex("Home", 3, 0, 2), undefined);
});

Deno.test("table window: 100,000 rows render only the view plus overscan", () => {
  const w = rowWindow(3_000_000 - 600, 600, 30, 100_000, 8);
  assert.equal(w.last, 100_000);
  assert.ok(w.last - w.first <= 20 + 8 + 1);
  assert.equal(scrollFor(99_999, 0, 600, 30), 100_000 * 30 - 600);
});

Deno.test("map span: zoom in to one range and out to all, pan clamps", () => {
  let s = { from: 0, to: 70_000 };
  for (let k = 0; k < 20; k++) s = zoomSpan(s, 1234, 0.5, 70_000);
  assert.deepEqual(s, { from: 1234, to: 1235 });
  for (let k = 0; k < 20; k++) s = zoomSpan(s, 1234, 2, 70_000);
  assert.deepEqual(s, { from: 0, to: 70_000 });
  assert.deepEqual(panSpan({ from: 5, to: 15 }, -100, 50), { from: 0, to: 10 });
  assert.deepEqual(spanWith({ from: 0, to: 10 }, 49, 50), { from: 40, to: 50 });
});

Deno.test("history: query strings carry only what is set", () => {
  assert.equal(historyQuery({ text: "", verdict: "" }), "limit=20");
  assert.equal(historyQuery({ text: "1007", verdict: "pass" }), "limit=20&verdict=pass&q=1007");
});
