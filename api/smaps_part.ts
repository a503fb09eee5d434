/**
 * The smaps part of a multipart request, parsed as it arrives ({@link SmapsCollector}); the
 * `smaps` member of a JSON body likewise (`smaps_member.ts`).
 *
 * @module
 */

import { TooLargeError } from "../lib/bytes/streams.ts";
import type { SmapsDocument } from "../lib/smaps/parse.ts";
import { SmapsParser } from "../lib/smaps/stream.ts";

/**
 * Parses an smaps part as it arrives, up to a byte limit: the text is never held whole (a
 * 70,000-mapping smaps is 50 MB). A part of nothing but whitespace counts as absent, as an empty
 * text part does (the form sends one for an empty file input). A syntax error stops the parsing
 * and is thrown by {@link SmapsCollector.document}, when the context is prepared; the size is still
 * counted to the end, so a part over the limit is a 413 whatever it holds.
 */
export class SmapsCollector {
  #parser = new SmapsParser();
  #size = 0;
  #blank = true;
  #error: unknown;
  #document: SmapsDocument | undefined;
  readonly #max: number;
  readonly #what: string;
  readonly #blankIsAbsent: boolean;

  /**
   * Creates an empty collector.
   *
   * @param max largest size in bytes
   * @param what what is collected (for the error)
   * @param blankIsAbsent whether a part of only whitespace counts as absent (multipart: yes; a
   *   JSON member is parsed whatever it holds)
   */
  constructor(max: number, what: string, blankIsAbsent = true) {
    this.#max = max;
    this.#what = what;
    this.#blankIsAbsent = blankIsAbsent;
  }

  /**
   * Parses more bytes; throws {@link TooLargeError} past the limit.
   *
   * @param chunk more bytes (not kept)
   */
  add(chunk: Uint8Array): void {
    this.#size += chunk.length;
    if (this.#size > this.#max) throw new TooLargeError(this.#what, this.#max);
    if (this.#blank) {
      for (let i = 0; i < chunk.length && this.#blank; i++) {
        const c = chunk[i]!;
        this.#blank = c === 32 || (c >= 9 && c <= 13);
      }
    }
    if (this.#error !== undefined) return;
    try {
      this.#parser.push(chunk);
    } catch (e) {
      this.#error = e;
    }
  }

  /**
   * The parsed document, or `undefined` for a blank part.
   *
   * @throws {SmapsSyntaxError} the first syntax error of the part
   */
  document(): SmapsDocument | undefined {
    if (this.blank) return undefined;
    if (this.#error !== undefined) throw this.#error;
    return this.#document ??= this.#parser.end();
  }

  /** Whether the part counts as absent (only whitespace, and blank parts count as absent). */
  get blank(): boolean {
    return this.#blank && this.#blankIsAbsent;
  }
}
