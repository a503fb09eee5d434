/**
 * Oversized and hostile JSON bodies: every member is bounded, and no problem quotes more than a
 * short, escaped prefix of what the client sent.
 */

import assert from "node:assert/strict";
import { testApp } from "./_api.ts";
import { ECHO_CHARS } from "../api/problem.ts";

const json = (body: unknown) => ({
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify(body),
});

Deno.test("a huge JSON member is refused by name and never echoed back", async () => {
  const t = await testApp();
  try {
    const big = "A".repeat(6 * 1024 * 1024);
    for (
      const [path, body, field] of [
        ["/v1/diffs", { a: big, b: "0".repeat(64) }, "a"],
        [
          "/v1/diffs",
          { a: "0".repeat(64), b: "0".repeat(64), labels: { a: big, b: "x" } },
          "labels",
        ],
        ["/v1/diffs", { a: "0".repeat(64), b: "0".repeat(64), filter: big }, "filter"],
        ["/v1/diffs", { a: "0".repeat(64), b: "0".repeat(64), expect: big }, "expect"],
        ["/v1/predict", { smaps: "", filter: "0x33", producer: big }, "producer"],
      ] as const
    ) {
      const r = await t.app.request(path, json(body));
      const text = await r.text();
      assert.equal(r.status, 413, `${path} ${field}: ${text.slice(0, 300)}`);
      assert.ok(text.length < 2048, `${path} ${field}: ${text.length} bytes back`);
      assert.equal(JSON.parse(text).field, field);
    }
  } finally {
    await t.cleanup();
  }
});

Deno.test("problems quote client values short and escaped (ids, members, options, paths)", async () => {
  const t = await testApp();
  try {
    const hostile = "\u001b[2J\u0007<script>" + "z".repeat(5000);
    const bodies: [string, RequestInit][] = [
      ["/v1/diffs", json({ a: hostile.slice(0, 100), b: "0".repeat(64) })],
      ["/v1/diffs", json({ [hostile]: 1 })],
      ["/v1/diffs", json({ a: "0".repeat(64), b: "0".repeat(64), expect: hostile.slice(0, 4000) })],
      [`/v1/diff?format=${encodeURIComponent(hostile)}`, { method: "POST" }],
      [`/v1/cores?keep=${encodeURIComponent(hostile)}`, { method: "POST", body: "x" }],
      [`/nowhere/${"q".repeat(5000)}\u001b`, {}],
      [`/v1/cores/${encodeURIComponent(hostile)}`, {}],
    ];
    for (const [path, init] of bodies) {
      const r = await t.app.request(path, init);
      const text = await r.text();
      assert.ok(r.status >= 400 && r.status < 500, `${path.slice(0, 40)}: ${r.status}`);
      assert.ok(!text.includes("\u001b") && !text.includes("\u0007"), text);
      const detail: string = JSON.parse(text).detail;
      assert.ok(!detail.includes("z".repeat(ECHO_CHARS + 1)), detail);
      assert.ok(!detail.includes("q".repeat(201)), detail.slice(0, 300));
      assert.ok(text.length < 2048, `${path.slice(0, 40)}: ${text.length}`);
    }
  } finally {
    await t.cleanup();
  }
});
