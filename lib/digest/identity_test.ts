import assert from "node:assert/strict";
import { coreIdentity, skeletonOf, skeletonRuns } from "./identity.ts";
import { createPageHasher } from "../../wasm/mod.ts";

Deno.test("skeletonOf: reads of one stored range widen into a view of it; others stay apart", () => {
  const stored = Uint8Array.from({ length: 100 }, (_, i) => i);
  // A header, a table right after it and a read inside the table, as a parser reads a stored range.
  const views = skeletonOf([
    { offset: 1000, bytes: stored.subarray(0, 16) },
    { offset: 1016, bytes: stored.subarray(16, 80) },
    { offset: 1020, bytes: stored.subarray(20, 30) },
  ]);
  assert.equal(views.length, 1);
  assert.equal(views[0]!.offset, 1000);
  assert.equal(views[0]!.bytes.buffer, stored.buffer, "a view, not a copy");
  assert.deepEqual([...views[0]!.bytes], [...stored.subarray(0, 80)]);

  // Views of one buffer that do not lie in it as in the file: two pieces of one run.
  const shifted = skeletonOf([
    { offset: 0, bytes: stored.subarray(0, 10) },
    { offset: 10, bytes: stored.subarray(50, 60) },
  ]);
  assert.equal(shifted.length, 2);
  assert.deepEqual(skeletonRuns(shifted).map((r) => [r.offset, r.length]), [[0, 20]]);
});

Deno.test("skeletonOf keeps the reads uncopied; its runs store and hash as the merged ranges", () => {
  const table = Uint8Array.from({ length: 64 }, (_, i) => i + 1);
  const header = new Uint8Array(16).fill(7);
  const notes = new Uint8Array([9, 8, 7, 6]);
  const again = table.slice(10, 30); // a second read inside the table, into its own buffer
  const reads = [
    { offset: 100, bytes: table },
    { offset: 84, bytes: header },
    { offset: 110, bytes: again },
    { offset: 150, bytes: notes }, // overlaps the table's last 14 bytes
    { offset: 300, bytes: new Uint8Array([5]) },
    { offset: 300, bytes: new Uint8Array() },
  ];
  const skeleton = skeletonOf(reads);
  assert.deepEqual(skeleton.map((r) => [r.offset, r.bytes.length]), [
    [84, 16],
    [100, 64],
    [300, 1],
  ]);
  assert.equal(skeleton[0]!.bytes, header, "kept as read");
  assert.equal(skeleton[1]!.bytes, table, "kept as read");
  // Every kept byte is one of the reads' own: nothing was copied.
  for (const r of skeleton) assert.ok(reads.some((x) => x.bytes.buffer === r.bytes.buffer));

  // A read running past the one before it is cut to a view of its own buffer.
  const tail = skeletonOf([
    { offset: 0, bytes: new Uint8Array([1, 2, 3]) },
    { offset: 2, bytes: notes },
  ]);
  assert.deepEqual(tail.map((r) => [r.offset, [...r.bytes]]), [[0, [1, 2, 3]], [3, [8, 7, 6]]]);
  assert.equal(tail[1]!.bytes.buffer, notes.buffer);

  const runs = skeletonRuns(skeleton);
  assert.deepEqual(runs.map((r) => [r.offset, r.length, r.pieces.length]), [[84, 80, 2], [
    300,
    1,
    1,
  ]]);
  const merged = [
    { offset: 84, bytes: new Uint8Array([...header, ...table]) },
    { offset: 300, bytes: new Uint8Array([5]) },
  ];
  const segments = [{ index: 0, hashes: new BigUint64Array([1n, 2n]), zero: new Uint8Array(2) }];
  const hasher = createPageHasher();
  const pieces = coreIdentity(hasher, 400, skeleton, segments);
  assert.equal(pieces, coreIdentity(hasher, 400, merged, segments), "pieces hash as merged");
  assert.notEqual(pieces, coreIdentity(hasher, 400, skeleton.slice(1), segments));
  // Touching ranges are one range of the identity, not two.
  const split = [{ offset: 0, bytes: new Uint8Array([1]) }, {
    offset: 1,
    bytes: new Uint8Array([2]),
  }];
  const apart = [{ offset: 0, bytes: new Uint8Array([1]) }, {
    offset: 2,
    bytes: new Uint8Array([2]),
  }];
  const one = [{ offset: 0, bytes: new Uint8Array([1, 2]) }];
  assert.equal(coreIdentity(hasher, 9, split, []), coreIdentity(hasher, 9, one, []));
  assert.notEqual(coreIdentity(hasher, 9, apart, []), coreIdentity(hasher, 9, one, []));
});
