/**
 * Walking zstd frames as they stream past, to tell a whole stream from a cut one (Node's zstd
 * decoder ends quietly on a truncated input).
 *
 * @module
 */

import { DecompressionError } from "./streams.ts";

/**
 * A pass-through that walks zstd frames (RFC 8878 §3.1: frame header, blocks up to the one marked
 * last, optional checksum; skippable frames) and errors with {@link DecompressionError} when the
 * input ends inside a frame, or holds no frame at all.
 */
export function zstdFrames(): TransformStream<Uint8Array, Uint8Array> {
  // State: bytes still to skip, then what the next bytes are.
  type Want = "magic" | "skippable-size" | "descriptor" | "header-rest" | "block" | "checksum";
  let want: Want = "magic";
  let need = 4;
  let skip = 0;
  let buf: number[] = [];
  let descriptor = 0;
  let frames = 0;
  const headerRest = (fhd: number) => {
    const fcsFlag = fhd >> 6, single = (fhd >> 5) & 1, dictFlag = fhd & 3;
    const fcs = [single ? 1 : 0, 2, 4, 8][fcsFlag]!;
    return (single ? 0 : 1) + [0, 1, 2, 4][dictFlag]! + fcs;
  };
  const step = (): void => {
    const b = buf;
    buf = [];
    switch (want) {
      case "magic": {
        const m = (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
        if (m === 0xfd2fb528) [want, need] = ["descriptor", 1];
        else if ((m & 0xfffffff0) === 0x184d2a50) [want, need] = ["skippable-size", 4];
        else throw new DecompressionError("zstd", `bad frame magic 0x${m.toString(16)}`);
        return;
      }
      case "skippable-size":
        skip = (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
        frames++;
        [want, need] = ["magic", 4];
        return;
      case "descriptor":
        descriptor = b[0]!;
        need = headerRest(descriptor);
        want = "header-rest";
        if (need === 0) [want, need] = ["block", 3];
        return;
      case "header-rest":
        [want, need] = ["block", 3];
        return;
      case "block": {
        const h = b[0]! | (b[1]! << 8) | (b[2]! << 16);
        const last = h & 1, type = (h >> 1) & 3, size = h >>> 3;
        if (type === 3) throw new DecompressionError("zstd", "reserved block type");
        skip = type === 1 ? 1 : size;
        if (!last) [want, need] = ["block", 3];
        else if (descriptor & 4) [want, need] = ["checksum", 4];
        else {
          frames++;
          [want, need] = ["magic", 4];
        }
        return;
      }
      case "checksum":
        frames++;
        [want, need] = ["magic", 4];
        return;
    }
  };
  return new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, ctl) {
      let at = 0;
      while (at < chunk.length) {
        if (skip > 0) {
          const n = Math.min(skip, chunk.length - at);
          skip -= n;
          at += n;
          continue;
        }
        buf.push(chunk[at++]!);
        if (buf.length === need) step();
      }
      ctl.enqueue(chunk);
    },
    flush() {
      if (frames === 0 || skip > 0 || want !== "magic" || buf.length > 0) {
        throw new DecompressionError(
          "zstd",
          "the stream ends inside a frame (the compressed input is truncated)",
        );
      }
    },
  });
}
