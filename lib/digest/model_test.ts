import assert from "node:assert/strict";
import { PageSlice } from "./model.ts";

Deno.test("PageSlice.zeroCount counts the slice's zero flags at any alignment and length", () => {
  let seed = 7;
  const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 16;
  const buffer = new ArrayBuffer(1003);
  for (const byteOffset of [0, 1, 4]) {
    const zero = new Uint8Array(buffer, byteOffset, 997);
    for (let i = 0; i < zero.length; i++) zero[i] = rnd() % 3 === 0 ? 1 : 0;
    const columns = { hashes: new BigUint64Array(zero.length), zero };
    const slices: [number, number][] = [[0, 997], [1, 0], [3, 9], [5, 2], [4, 8], [13, 700], [
      990,
      7,
    ]];
    for (const [first, count] of slices) {
      let expected = 0;
      for (let i = first; i < first + count; i++) expected += zero[i]!;
      assert.equal(
        new PageSlice(0, columns, first, count).zeroCount(),
        expected,
        `offset ${byteOffset}, [${first}, +${count})`,
      );
    }
  }
});
