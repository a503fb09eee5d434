/**
 * Attribute blocks seen before ({@link BlockMemo}): many mappings of a large process have the very
 * same attribute lines (guard pages, untouched reservations, alike small mmaps), byte for byte. A
 * block equal to one of the last few parsed, under the same key order, is taken whole: its numbers,
 * flags and line count are those of the block it equals, found by comparing bytes, four at a time,
 * instead of reading its 24 lines.
 *
 * @module
 */

/** What a parsed attribute block left (the state its lines make). */
type BlockState = Pick<Attributes, "count" | "numbers" | "vmFlags" | "unknownVmFlags" | "size">;

interface Block extends BlockState {
  bytes: Uint8Array;
  view: DataView;
  length: number;
  lines: number;
  keys: number;
  numKeys: string[];
  numValues: number[];
}

import type { AttributeCache, Attributes } from "./attribute.ts";
import { NO_TEXT } from "./bodies.ts";

/** How many blocks are remembered. */
const SLOTS = 4;

/** The last few attribute blocks, most recent first. */
export class BlockMemo {
  readonly #blocks: Block[] = [];

  /**
   * Remembers a block just parsed (replacing the least recent) when it can be taken whole later:
   * its keys are the previous mapping's, in order, and it has no text field.
   *
   * @param b the bytes
   * @param from where the block starts (after its header line)
   * @param to where it ends (the next header line)
   * @param lines its line count
   * @param keys the key order's version it was parsed under
   * @param attrs what its lines made
   * @param cache the parse's keys and numbers
   */
  remember(
    b: Uint8Array,
    from: number,
    to: number,
    lines: number,
    keys: number,
    attrs: Attributes,
    cache: AttributeCache,
  ): void {
    if (
      attrs.count === 0 || attrs.count !== cache.length || !attrs.inOrder ||
      attrs.textFields !== NO_TEXT
    ) return;
    const length = to - from;
    let block = this.#blocks.length < SLOTS ? undefined : this.#blocks.pop()!;
    if (!block || block.bytes.length < length) {
      const bytes = new Uint8Array(Math.max(length, 1024));
      block = {
        bytes,
        view: new DataView(bytes.buffer),
        length: 0,
        lines: 0,
        keys: 0,
        count: 0,
        numbers: 0,
        vmFlags: null,
        unknownVmFlags: [],
        size: -1,
        numKeys: [],
        numValues: [],
      };
    }
    block.bytes.set(b.subarray(from, to));
    Object.assign(block, { length, lines, keys });
    copyState(attrs, block);
    for (let i = 0; i < attrs.numbers; i++) {
      block.numKeys[i] = cache.numKeys[i]!;
      block.numValues[i] = cache.numValues[i]!;
    }
    this.#blocks.unshift(block);
  }

  /**
   * A remembered block that the bytes at `from` repeat, parsed under the same key order and the
   * same number of keys: its state is copied into `attrs` and `cache`.
   *
   * @param view the chunk's bytes
   * @param from where the block would start
   * @param keys the current key order's version
   * @param attrs receives the block's attributes
   * @param cache receives its numbers
   * @returns the block's length and line count, or undefined
   */
  recall(
    view: DataView,
    from: number,
    keys: number,
    attrs: Attributes,
    cache: AttributeCache,
  ): { length: number; lines: number } | undefined {
    for (let k = 0; k < this.#blocks.length; k++) {
      const block = this.#blocks[k]!;
      if (block.keys !== keys || block.count !== cache.length) continue;
      if (from + block.length > view.byteLength) continue;
      if (!sameBytes(view, from, block.view, block.length)) continue;
      if (k > 0) {
        this.#blocks.splice(k, 1);
        this.#blocks.unshift(block);
      }
      copyState(block, attrs);
      for (let i = 0; i < block.numbers; i++) {
        cache.numKeys[i] = block.numKeys[i]!;
        cache.numValues[i] = block.numValues[i]!;
      }
      return { length: block.length, lines: block.lines };
    }
    return undefined;
  }
}

function copyState(from: BlockState, to: BlockState): void {
  to.count = from.count;
  to.numbers = from.numbers;
  to.vmFlags = from.vmFlags;
  to.unknownVmFlags = from.unknownVmFlags;
  to.size = from.size;
}

/** Whether `view[at, at + length)` equals `block[0, length)`. */
function sameBytes(view: DataView, at: number, block: DataView, length: number): boolean {
  let i = 0;
  for (; i + 4 <= length; i += 4) {
    if (view.getUint32(at + i, true) !== block.getUint32(i, true)) return false;
  }
  for (; i < length; i++) if (view.getUint8(at + i) !== block.getUint8(i)) return false;
  return true;
}
