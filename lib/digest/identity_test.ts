import assert from "node:assert/strict";
import { mergeRanges } from "./identity.ts";

Deno.test("mergeRanges: reads of one stored range merge into a view of it; others are copied", () => {
  const stored = Uint8Array.from({ length: 100 }, (_, i) => i);
  // A header, a table right after it and a read inside the table, as a parser reads a stored range.
  const views = mergeRanges([
    { offset: 1000, bytes: stored.subarray(0, 16) },
    { offset: 1016, bytes: stored.subarray(16, 80) },
    { offset: 1020, bytes: stored.subarray(20, 30) },
  ]);
  assert.equal(views.length, 1);
  assert.equal(views[0]!.offset, 1000);
  assert.equal(views[0]!.bytes.buffer, stored.buffer, "a view, not a copy");
  assert.deepEqual([...views[0]!.bytes], [...stored.subarray(0, 80)]);

  // Views of one buffer that do not lie in it as in the file, and separate arrays: copied.
  const shifted = mergeRanges([
    { offset: 0, bytes: stored.subarray(0, 10) },
    { offset: 10, bytes: stored.subarray(50, 60) },
  ]);
  assert.notEqual(shifted[0]!.bytes.buffer, stored.buffer);
  assert.deepEqual([...shifted[0]!.bytes], [...stored.subarray(0, 10), ...stored.subarray(50, 60)]);
  const separate = mergeRanges([
    { offset: 5, bytes: new Uint8Array([1, 2, 3]) },
    { offset: 0, bytes: new Uint8Array([9, 9, 9, 9, 9, 1]) },
    { offset: 20, bytes: new Uint8Array([4]) },
  ]);
  assert.deepEqual(separate.map((r) => [r.offset, [...r.bytes]]), [
    [0, [9, 9, 9, 9, 9, 1, 2, 3]],
    [20, [4]],
  ]);
});
