/**
 * The `smaps` member of a JSON request body (the web form sends smaps so), parsed while the body
 * streams in: the string's escapes are undone byte by byte into an {@link SmapsCollector}, and the
 * body goes on to `JSON.parse` with `""` in its place. A 50 MB smaps is then neither held as
 * bytes, nor as the body's text, nor as a parsed string.
 *
 * What `JSON.parse` would reject still fails it: a raw control character or a bad escape in the
 * string is passed on into the empty string. A lone surrogate escape (`\ud800`) becomes U+FFFD,
 * as a text decoder makes of it. If the member appears twice, `JSON.parse` keeps the second: it is
 * not captured and the first one is dropped.
 *
 * @module
 */

import type { SmapsDocument } from "../lib/smaps/parse.ts";
import { ProblemError } from "./problem.ts";
import { SmapsCollector } from "./smaps_part.ts";

const QUOTE = 0x22, BACKSLASH = 0x5c;
/** Bytes handed to the parser at a time. */
const BATCH = 64 * 1024;
/** What each one-character escape stands for. */
const SIMPLE: Readonly<Record<number, number>> = {
  0x22: 0x22,
  0x5c: 0x5c,
  0x2f: 0x2f,
  0x62: 0x08,
  0x66: 0x0c,
  0x6e: 0x0a,
  0x72: 0x0d,
  0x74: 0x09,
};

/** The smaps member of one JSON body: whether it was captured, and what it held. */
export class SmapsMember {
  /** Whether a string value was captured (then the parsed body holds `""` for it). */
  captured = false;
  /** Whether the member appeared again (then the parsed body holds the second, as is). */
  duplicate = false;
  /** The string's length in UTF-16 code units, as `JSON.parse` would make it. */
  units = 0;
  readonly #collector = new SmapsCollector(Infinity, "member smaps", false);
  readonly #max: number;
  readonly #out = new Uint8Array(BATCH + 4);
  #n = 0;

  /**
   * An empty member.
   *
   * @param max longest value, in UTF-16 code units (as `stringMember` checks it)
   */
  constructor(max: number) {
    this.#max = max;
  }

  /** Adds one byte of the value (decoded). */
  push(b: number): void {
    this.#out[this.#n++] = b;
    if (this.#n >= BATCH) this.flush();
  }

  /** Hands the bytes so far to the parser (none past the limit: the member is refused then). */
  flush(): void {
    if (this.#n > 0 && this.units <= this.#max) this.#collector.add(this.#out.subarray(0, this.#n));
    this.#n = 0;
  }

  /**
   * The length check `stringMember` makes of a string member.
   *
   * @throws {ProblemError} 413 `too-large` past the limit
   */
  checkLength(): void {
    if (this.units > this.#max) {
      throw new ProblemError(
        "too-large",
        `smaps is longer than the limit of ${this.#max} characters`,
        { field: "smaps", limit: this.#max, what: "smaps" },
      );
    }
  }

  /**
   * The parsed value (the same each time), after {@link SmapsMember.checkLength}.
   *
   * @throws {ProblemError} 413 `too-large` past the limit
   * @throws {SmapsSyntaxError} the value's first syntax error
   */
  document(): SmapsDocument {
    this.checkLength();
    return this.#collector.document()!;
  }
}

/** UTF-8 of one code point into the member. */
function pushCodePoint(m: SmapsMember, cp: number): void {
  if (cp < 0x80) m.push(cp);
  else if (cp < 0x800) {
    m.push(0xc0 | (cp >> 6));
    m.push(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    m.push(0xe0 | (cp >> 12));
    m.push(0x80 | ((cp >> 6) & 0x3f));
    m.push(0x80 | (cp & 0x3f));
  } else {
    m.push(0xf0 | (cp >> 18));
    m.push(0x80 | ((cp >> 12) & 0x3f));
    m.push(0x80 | ((cp >> 6) & 0x3f));
    m.push(0x80 | (cp & 0x3f));
  }
}

/**
 * A pass-through over a JSON object body that captures the top-level `smaps` string into `member`
 * (see the module doc).
 *
 * @param member receives the value
 * @returns the transform
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const m = new SmapsMember(1000);
 * const body = JSON.stringify({ smaps: "00400000-00401000 r-xp 00000000 08:01 12 /bin/x\n", a: 1 });
 * const out = ReadableStream.from([new TextEncoder().encode(body)]).pipeThrough(captureSmaps(m));
 * assert.deepEqual(JSON.parse(await new Response(out).text()), { smaps: "", a: 1 });
 * assert.equal(m.document().mappings[0]!.name, "/bin/x");
 * ```
 */
export function captureSmaps(member: SmapsMember): TransformStream<Uint8Array, Uint8Array> {
  let depth = 0, inString = false, escaped = false;
  let keyBytes: number[] | undefined, key = "";
  let inValue = false, valueStarted = false;
  // Inside the captured string: 0 plain, 1 after a backslash, 2-5 reading \u digits.
  let capturing = false, state = 0, unit = 0, high = -1;
  const dec = new TextDecoder();
  // A high surrogate not followed by a low one is U+FFFD (one code unit, as in the string).
  const loneHigh = () => {
    if (high < 0) return;
    pushCodePoint(member, 0xfffd);
    member.units++;
    high = -1;
  };
  const unitDone = (u: number) => {
    if (high >= 0 && u >= 0xdc00 && u <= 0xdfff) {
      pushCodePoint(member, 0x10000 + ((high - 0xd800) << 10) + (u - 0xdc00));
      member.units += 2;
      high = -1;
      return;
    }
    loneHigh();
    if (u >= 0xd800 && u <= 0xdbff) high = u;
    else {
      pushCodePoint(member, u >= 0xdc00 && u <= 0xdfff ? 0xfffd : u);
      member.units++;
    }
  };
  return new TransformStream({
    transform(chunk, ctl) {
      let emitFrom = capturing ? -1 : 0;
      const bad = (bytes: number[]) => ctl.enqueue(new Uint8Array(bytes));
      for (let i = 0; i < chunk.length; i++) {
        const b = chunk[i]!;
        if (capturing) {
          if (state === 0) {
            if (b === QUOTE) {
              loneHigh();
              member.flush();
              capturing = false;
              inValue = true;
              emitFrom = i;
            } else if (b === BACKSLASH) state = 1;
            else if (b < 0x20) bad([b]);
            else {
              loneHigh();
              member.push(b);
              if ((b & 0xc0) !== 0x80) member.units += b >= 0xf0 ? 2 : 1;
            }
          } else if (state === 1) {
            if (b === 0x75) {
              state = 2;
              unit = 0;
            } else if (SIMPLE[b] !== undefined) {
              unitDone(SIMPLE[b]!);
              state = 0;
            } else {
              bad([BACKSLASH, b]);
              state = 0;
            }
          } else {
            const d = b >= 0x30 && b <= 0x39
              ? b - 0x30
              : (b | 0x20) >= 0x61 && (b | 0x20) <= 0x66
              ? (b | 0x20) - 0x57
              : -1;
            if (d < 0) {
              bad([BACKSLASH, 0x75, b]);
              state = 0;
            } else {
              unit = unit * 16 + d;
              if (++state === 6) {
                unitDone(unit);
                state = 0;
              }
            }
          }
          continue;
        }
        if (inString) {
          if (escaped) escaped = false;
          else if (b === BACKSLASH) escaped = true;
          else if (b === QUOTE) {
            inString = false;
            if (keyBytes) {
              key = dec.decode(new Uint8Array(keyBytes));
              keyBytes = undefined;
            }
          } else if (keyBytes && keyBytes.length < 256) keyBytes.push(b);
          continue;
        }
        const space = b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;
        if (inValue && !valueStarted && !space) {
          valueStarted = true;
          if (depth === 1 && key === "smaps" && b === QUOTE) {
            if (member.captured) member.duplicate = true;
            else {
              member.captured = true;
              capturing = true;
              state = 0;
              high = -1;
              ctl.enqueue(chunk.subarray(emitFrom, i + 1));
              emitFrom = -1;
              continue;
            }
          }
        }
        if (b === QUOTE) {
          inString = true;
          if (depth === 1 && !inValue) keyBytes = [];
        } else if (b === 0x7b || b === 0x5b) depth++;
        else if (b === 0x7d || b === 0x5d) {
          depth--;
          if (depth === 0) inValue = false;
        } else if (b === 0x3a && depth === 1 && !inValue) {
          inValue = true;
          valueStarted = false;
        } else if (b === 0x2c && depth === 1) inValue = false;
      }
      if (!capturing && emitFrom >= 0 && emitFrom < chunk.length) {
        ctl.enqueue(chunk.subarray(emitFrom));
      }
    },
    flush() {
      member.flush();
    },
  });
}
