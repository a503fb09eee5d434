import assert from "node:assert/strict";
import { readStored, sparseSource, SparseStore } from "./sparse.ts";

Deno.test("SparseStore copies what it may not keep, keeps what it owns, and joins nothing", async () => {
  const store = new SparseStore(6);
  const chunk = new Uint8Array([1, 2, 3, 4]);
  const owned = new Uint8Array([5, 6]);
  assert.equal(store.add(0, chunk), true);
  assert.equal(store.add(4, owned, false, true), true);
  assert.equal(store.add(6, new Uint8Array([7])), false, "past the budget");
  assert.equal(store.add(6, new Uint8Array([7]), true), true, "forced");
  chunk.fill(0); // the source reuses its buffer: the stored copy does not change
  const pieces = store.ranges();
  assert.deepEqual(pieces.map((p) => [p.offset, [...p.bytes]]), [
    [0, [1, 2, 3, 4]],
    [4, [5, 6]],
    [6, [7]],
  ]);
  assert.equal(pieces[1]!.bytes, owned, "kept as given");
  assert.equal(store.stored, 7);
  // A read across touching pieces gets them joined; one inside a piece is a view of it.
  assert.deepEqual([...await sparseSource(pieces, 10).read(2, 5)], [3, 4, 5, 6, 7]);
  assert.equal(readStored(pieces, 4, 2).buffer, owned.buffer);
  assert.equal((await sparseSource(pieces, 10).read(8, 2)).length, 0);
});
