import assert from "node:assert/strict";
import { packedBuffers, packSegments, unpackSegments } from "./packed.ts";
import { PageSlice } from "./model.ts";
import { plainPages } from "../../test/_assert.ts";

Deno.test("segments survive a structured clone with transfer as packed arrays, holes included", () => {
  const columns = {
    hashes: new BigUint64Array([9n, 1n, 2n, 3n, 4n, 5n]),
    zero: new Uint8Array([0, 0, 1, 1, 0, 1]),
    holes: new Uint32Array([7, 7, 0, 1, 2, 1]),
  };
  // A slice not at the start of its columns, one with two hole runs, one with none, one empty.
  const segments = [
    new PageSlice(1, columns, 1, 2),
    new PageSlice(4, columns, 3, 3, [1, 2]),
    new PageSlice(5, columns, 6, 0),
  ];
  const packed = packSegments(segments);
  const back = unpackSegments(structuredClone(packed, { transfer: packedBuffers(packed) }));
  assert.deepEqual(plainPages(back), plainPages(segments));
  assert.deepEqual(plainPages(back)[1]!.holes, [0, 1, 2, 1]);
  assert.equal(back.at(0)!.holes, undefined);
});
