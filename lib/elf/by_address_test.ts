import assert from "node:assert/strict";
import { byAddress, loadAt, loadsAt, sortByAddress } from "./by_address.ts";
import type { Segment } from "./program_header.ts";

const load = (index: number, vaddr: bigint) => ({ index, vaddr, memsz: 0x1000n }) as Segment;

Deno.test("byAddress orders loads by address, equal addresses in table order; sorted loads stay as they are", () => {
  const loads = [load(0, 0x3000n), load(1, 0x1000n), load(2, 0x3000n), load(3, 0x2000n)];
  assert.deepEqual(Array.from(byAddress(loads), (l) => l.index), [1, 3, 0, 2]);
  assert.equal(byAddress(loads), byAddress(loads), "remembered per rows");
  const sorted = [load(0, 0x1000n), load(1, 0x1000n), load(2, 0x5000n)];
  assert.equal(byAddress(sorted), sorted);
  assert.deepEqual(loadsAt(loads, 0x3000n).map((l) => l.index), [0, 2]);
  assert.equal(loadAt(loads, 0x2000n)?.index, 3);
  assert.equal(loadAt(loads, 0x2800n), undefined);
  // A subset of positions keeps its own ties in the order given.
  assert.deepEqual([...sortByAddress(loads, Uint32Array.of(0, 2, 3))], [3, 0, 2]);
  assert.deepEqual([...sortByAddress(loads, Uint32Array.of())], []);
});
