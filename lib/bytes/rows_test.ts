import assert from "node:assert/strict";
import { MadeRows, rowsAt, rowsWhere } from "./rows.ts";

Deno.test("MadeRows makes each row when read, and none outside the rows", () => {
  const made: number[] = [];
  const rows = new MadeRows(3, (i) => {
    made.push(i);
    return { i };
  });
  assert.deepEqual(made, [], "nothing is made up front");
  assert.deepEqual([rows.at(0), rows.at(2), rows.at(-1), rows.at(-3)], [
    { i: 0 },
    { i: 2 },
    { i: 2 },
    { i: 0 },
  ]);
  for (const at of [3, -4, 1.5, NaN]) assert.equal(rows.at(at), undefined, `at(${at})`);
  assert.notEqual(rows.at(1), rows.at(1), "a row read twice is two objects");
  assert.deepEqual([...rows], [{ i: 0 }, { i: 1 }, { i: 2 }]);
  assert.equal(JSON.stringify(rows), '[{"i":0},{"i":1},{"i":2}]');
  assert.deepEqual([...new MadeRows(0, () => 1)], []);
});

Deno.test("rowsWhere keeps the passing rows in order through their positions", () => {
  const rows = new MadeRows(6, (i) => i * 10);
  const odd = rowsWhere(rows, (x) => x % 20 !== 0);
  assert.deepEqual([...odd], [10, 30, 50]);
  assert.deepEqual([odd.length, odd.at(1), odd.at(3)], [3, 30, undefined]);
  assert.equal(rowsWhere(rows, () => true), rows, "all pass: the same rows");
  assert.deepEqual([...rowsWhere([1, 2, 3], () => false)], []);
  assert.deepEqual([...rowsAt(["a", "b", "c"], Uint32Array.of(2, 0))], ["c", "a"]);
});
