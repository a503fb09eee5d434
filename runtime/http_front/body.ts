/**
 * Finds where an HTTP/1.1 body ends in the bytes passing through the front, without copying them:
 * a `Content-Length` body is counted, a chunked one is followed through its size lines, chunk data
 * and trailers (RFC 9112 section 7.1).
 *
 * @module
 */

import type { Framing } from "./head.ts";

/** A chunked body the front cannot follow. */
export class ChunkedError extends Error {
  /**
   * Creates the error.
   *
   * @param detail what is wrong
   */
  constructor(detail: string) {
    super(detail);
    this.name = "ChunkedError";
  }
}

const enum State {
  Done,
  Length,
  UntilClose,
  Size,
  Extension,
  SizeLf,
  Data,
  DataCr,
  DataLf,
  TrailerStart,
  Trailer,
  TrailerLf,
}

const LF = 10, CR = 13;
/** Longest chunk-size line with its extensions, and longest trailer section. */
const MAX_LINE = 4096, MAX_TRAILERS = 16384;

/** Follows one body at a time; reusable with {@link reset}. */
export class BodyScanner {
  #state = State.Done;
  #remaining = 0;
  #digits = 0;
  #line = 0;
  #trailers = 0;

  /**
   * Starts a body.
   *
   * @param framing how it is delimited
   */
  reset(framing: Framing): void {
    this.#line =
      this.#trailers =
      this.#digits =
      this.#remaining =
        0;
    switch (framing.kind) {
      case "none":
        this.#state = State.Done;
        break;
      case "length":
        this.#remaining = framing.length;
        this.#state = framing.length ? State.Length : State.Done;
        break;
      case "chunked":
        this.#state = State.Size;
        break;
      case "close":
        this.#state = State.UntilClose;
    }
  }

  /** Whether the body has ended. */
  get done(): boolean {
    return this.#state === State.Done;
  }

  /**
   * Scans body bytes.
   *
   * @param src the bytes read
   * @param start where the body's bytes start in `src`
   * @param end end of the bytes read
   * @returns the index just after the body's last byte, or -1 when it goes on past `end`
   * @throws {ChunkedError} for chunked framing the front cannot follow
   */
  scan(src: Uint8Array, start: number, end: number): number {
    let i = start;
    while (i < end || this.#state === State.Done) {
      switch (this.#state) {
        case State.Done:
          return i;
        case State.UntilClose:
          return -1;
        case State.Length:
        case State.Data: {
          const n = Math.min(this.#remaining, end - i);
          i += n;
          this.#remaining -= n;
          if (this.#remaining === 0) {
            this.#state = this.#state === State.Length ? State.Done : State.DataCr;
          }
          continue;
        }
      }
      const b = src[i++]!;
      if (this.#state <= State.Extension && ++this.#line > MAX_LINE) {
        throw new ChunkedError("A chunk-size line is too long");
      }
      switch (this.#state) {
        case State.Size: {
          const d = hexDigit(b);
          if (d >= 0 && this.#digits < 13) {
            this.#remaining = this.#remaining * 16 + d;
            this.#digits++;
          } else if (this.#digits && (b === 59 || b === 32 || b === 9)) { // ; SP HTAB
            this.#state = State.Extension;
          } else if (this.#digits && b === CR) this.#state = State.SizeLf;
          else if (this.#digits && b === LF) this.#sizeLine();
          else throw new ChunkedError("A chunk size is not a hexadecimal number");
          break;
        }
        case State.Extension:
          if (b === CR) this.#state = State.SizeLf;
          else if (b === LF) this.#sizeLine();
          break;
        case State.SizeLf:
          if (b !== LF) throw new ChunkedError("A chunk-size line does not end in CRLF");
          this.#sizeLine();
          break;
        case State.DataCr:
          if (b === CR) this.#state = State.DataLf;
          else if (b === LF) this.#nextChunk();
          else throw new ChunkedError("Chunk data is not followed by CRLF");
          break;
        case State.DataLf:
          if (b !== LF) throw new ChunkedError("Chunk data is not followed by CRLF");
          this.#nextChunk();
          break;
        case State.TrailerStart:
        case State.Trailer:
          if (++this.#trailers > MAX_TRAILERS) throw new ChunkedError("The trailers are too long");
          if (b === LF) {
            if (this.#state === State.TrailerStart) this.#state = State.Done;
            else this.#state = State.TrailerStart;
          } else if (b === CR) {
            this.#state = this.#state === State.TrailerStart ? State.TrailerLf : State.Trailer;
          } else this.#state = State.Trailer;
          break;
        case State.TrailerLf:
          if (b !== LF) throw new ChunkedError("The trailer section does not end in CRLF");
          this.#state = State.Done;
          break;
      }
    }
    return -1;
  }

  #sizeLine(): void {
    this.#line = 0;
    this.#digits = 0;
    this.#state = this.#remaining ? State.Data : State.TrailerStart;
  }

  #nextChunk(): void {
    this.#line = 0;
    this.#state = State.Size;
  }
}

function hexDigit(b: number): number {
  if (b >= 48 && b <= 57) return b - 48;
  const l = b | 32;
  return l >= 97 && l <= 102 ? l - 87 : -1;
}
