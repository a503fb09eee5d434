/**
 * Byte-level readers of smaps lines: a header line of the common shape (`hex-hex perms hex hh:hh
 * inode name`) without decoding it, and small helpers over bytes. Anything else is left to the
 * string parsers (`header.ts`, `attribute.ts`), which also make the errors.
 *
 * @module
 */

import type { Header } from "./header.ts";

const SPACE = 32, COLON = 58;
const ZERO = BigInt(0);

/** Space, tab, CR, LF, VT, FF (what `trim` removes from smaps text). */
export function isSpace(c: number): boolean {
  return c === SPACE || (c >= 9 && c <= 13);
}

/** A hex digit's value, or -1. */
export function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 0x20;
  return l >= 97 && l <= 102 ? l - 87 : -1;
}

/** The value of `b[from, to)` when it is 1-15 decimal digits, else -1. */
export function decimal(b: Uint8Array, from: number, to: number): number {
  if (to <= from || to - from > 15) return -1;
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = b[i]! - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

/** FNV-1a of `b[from, to)`. */
export function hashBytes(b: Uint8Array, from: number, to: number): number {
  let h = 0x811c9dc5;
  for (let i = from; i < to; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  return h >>> 0;
}

export function sameBytes(a: Uint8Array, b: Uint8Array, from: number, to: number): boolean {
  if (a.length !== to - from) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[from + i]) return false;
  return true;
}

/** {@link attributeColon} over bytes (a key is ASCII). */
export function attributeColonBytes(b: Uint8Array, from: number, to: number): number {
  const c0 = b[from]! | 0x20;
  if (from >= to || c0 < 97 || c0 > 122) return -1;
  for (let i = from + 1; i < to; i++) {
    const c = b[i]!;
    if (c === COLON) return i;
    const l = c | 0x20;
    if (!((l >= 97 && l <= 122) || (c >= 48 && c <= 57) || c === 95)) return -1;
  }
  return -1;
}

/**
 * A header line's fields, filled in place for each mapping (no object per line). Addresses are
 * numbers when the line was read from bytes (below 2^52), bigints when `parseHeader` read it.
 */
export interface HeaderFields {
  /** 1-based line. */
  line: number;
  /** Start address. */
  start: number | bigint;
  /** End address. */
  end: number | bigint;
  /** `end - start` in bytes. */
  size: number;
  /** Permissions as printed. */
  perms: string;
  /** `r`. */
  read: boolean;
  /** `w`. */
  write: boolean;
  /** `x`. */
  exec: boolean;
  /** `s`. */
  mayShare: boolean;
  /** File offset. */
  offset: bigint;
  /** Device as printed. */
  dev: string;
  /** Inode. */
  inode: bigint;
  /** Name as printed. */
  name: string;
}

/** Empty header fields, to be filled. */
export function newHeaderFields(): HeaderFields {
  return {
    line: 0,
    start: 0,
    end: 0,
    size: 0,
    perms: "",
    read: false,
    write: false,
    exec: false,
    mayShare: false,
    offset: ZERO,
    dev: "",
    inode: ZERO,
    name: "",
  };
}

/** Fills `into` from a header `parseHeader` made. */
export function copyHeader(into: HeaderFields, h: Header): void {
  into.line = h.line;
  into.start = h.start;
  into.end = h.end;
  into.size = h.size;
  into.perms = h.perms;
  into.read = h.read;
  into.write = h.write;
  into.exec = h.exec;
  into.mayShare = h.mayShare;
  into.offset = h.offset;
  into.dev = h.dev;
  into.inode = h.inode;
  into.name = h.name;
}

/** Reads header lines, sharing one string per distinct value and one bigint per inode. */
export class HeaderReader {
  /** Strings already made, one per distinct value (shared with `parseHeader`). */
  readonly seen = new Map<string, string>();
  readonly #devs = new Map<number, string>();
  readonly #inodes = new Map<number, bigint>();
  readonly #offsets = new Map<number, bigint>();
  readonly #perms: (string | undefined)[] = [];
  #lastName: { bytes: Uint8Array; name: string } = { bytes: new Uint8Array(0), name: "" };
  readonly #decoder = new TextDecoder();

  /**
   * A well-formed header line of common shape, or undefined (then `parseHeader` decides).
   *
   * @param b the bytes
   * @param from where the line starts
   * @param to where it ends (before its newline)
   * @param lineNo its 1-based number
   */
  read(b: Uint8Array, from: number, to: number, lineNo: number, into: HeaderFields): boolean {
    let p = from;
    const start = this.#hex(b, p, to, 45);
    if (start < 0) return false;
    p = this.#at;
    const end = this.#hex(b, p, to, SPACE);
    if (end <= start) return false;
    p = this.#at;
    if (p + 5 > to || b[p + 4] !== SPACE) return false;
    const r = b[p], w = b[p + 1], x = b[p + 2], s = b[p + 3];
    if (
      (r !== 114 && r !== 45) || (w !== 119 && w !== 45) || (x !== 120 && x !== 45) ||
      (s !== 112 && s !== 115)
    ) return false;
    p += 5;
    const offsetNumber = this.#hex(b, p, to, SPACE);
    if (offsetNumber < 0) return false;
    p = this.#at;
    // Device: exactly "hh:hh" (anything else through parseHeader).
    if (
      p + 6 > to || b[p + 2] !== COLON || b[p + 5] !== SPACE || hexDigit(b[p]!) < 0 ||
      hexDigit(b[p + 1]!) < 0 || hexDigit(b[p + 3]!) < 0 || hexDigit(b[p + 4]!) < 0
    ) return false;
    const devKey = b[p]! << 24 | b[p + 1]! << 16 | b[p + 3]! << 8 | b[p + 4]!;
    let dev = this.#devs.get(devKey);
    if (dev === undefined) {
      dev = this.#intern(String.fromCharCode(b[p]!, b[p + 1]!, COLON, b[p + 3]!, b[p + 4]!));
      this.#devs.set(devKey, dev);
    }
    p += 6;
    const inodeAt = p;
    while (p < to && b[p] !== SPACE) p++;
    const inodeNumber = decimal(b, inodeAt, p);
    if (inodeNumber < 0) return false;
    while (p < to && b[p] === SPACE) p++;
    let name = "";
    if (p < to) {
      const last = this.#lastName;
      if (sameBytes(last.bytes, b, p, to)) name = last.name;
      else {
        name = this.#intern(this.#decoder.decode(b.subarray(p, to)));
        this.#lastName = { bytes: b.slice(p, to), name };
      }
    }
    const code = (r === 114 ? 8 : 0) | (w === 119 ? 4 : 0) | (x === 120 ? 2 : 0) |
      (s === 115 ? 1 : 0);
    into.line = lineNo;
    into.start = start;
    into.end = end;
    into.size = end - start;
    into.perms = this.#perms[code] ??= this.#intern(String.fromCharCode(r!, w!, x!, s!));
    into.read = r === 114;
    into.write = w === 119;
    into.exec = x === 120;
    into.mayShare = s === 115;
    into.offset = this.#big(this.#offsets, offsetNumber);
    into.dev = dev;
    into.inode = this.#big(this.#inodes, inodeNumber);
    into.name = name;
    return true;
  }

  /** One bigint per distinct number. */
  #big(cache: Map<number, bigint>, n: number): bigint {
    if (n === 0) return ZERO;
    let v = cache.get(n);
    if (v === undefined) {
      v = BigInt(n);
      cache.set(n, v);
    }
    return v;
  }

  /** Where `#hex` stopped. */
  #at = 0;

  /** 8-13 hex digits at `b[p]` followed by `stop` (then `#at` is past it), or -1. */
  #hex(b: Uint8Array, p: number, to: number, stop: number): number {
    const at = p;
    let n = 0;
    for (; p < to; p++) {
      const d = hexDigit(b[p]!);
      if (d < 0) break;
      n = n * 16 + d;
    }
    const digits = p - at;
    if (digits < 8 || digits > 13 || p >= to || b[p] !== stop) return -1;
    this.#at = p + 1;
    return n;
  }

  /** One string per distinct value. */
  #intern(s: string): string {
    let own = this.seen.get(s);
    if (own === undefined) {
      own = s;
      this.seen.set(own, own);
    }
    return own;
  }
}
