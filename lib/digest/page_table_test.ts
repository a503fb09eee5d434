import assert from "node:assert/strict";
import { PageTable, rowForIndex } from "./page_table.ts";
import { plainPages } from "../../test/_assert.ts";

const columns = {
  hashes: new BigUint64Array([1n, 2n, 3n, 4n, 5n]),
  zero: new Uint8Array([0, 1, 0, 1, 1]),
  holes: new Uint32Array([0, 1, 1, 1]),
};
const table = PageTable.of(columns, [
  { index: 1, first: 0, count: 2, holeAt: 0, holeRuns: 1 },
  { index: 2, first: 2, count: 0 },
  { index: 5, first: 2, count: 3, holeAt: 1, holeRuns: 1 },
]);

Deno.test("PageTable rows are slices of the core's columns, with their hole runs", () => {
  assert.deepEqual(plainPages(table), [
    { index: 1, hashes: [1n, 2n], zero: [0, 1], holes: [0, 1] },
    { index: 2, hashes: [], zero: [], holes: undefined },
    { index: 5, hashes: [3n, 4n, 5n], zero: [0, 1, 1], holes: [1, 1] },
  ]);
  assert.equal(table.at(3), undefined);
});

Deno.test("rowForIndex takes the expected position, else searches; a missing index is undefined", () => {
  for (const rows of [table, [...table]]) {
    assert.equal(rowForIndex(rows, 5, 2)?.index, 5, "at its position");
    assert.equal(rowForIndex(rows, 5, 0)?.index, 5, "found elsewhere");
    assert.equal(rowForIndex(rows, 1, 9)?.index, 1, "a position past the end");
    for (const missing of [0, 3, 4, 6]) {
      assert.equal(rowForIndex(rows, missing, 1), undefined, `index ${missing}`);
    }
  }
});
