/**
 * Every range of a diff on its way to the stored report (`report_file.ts`): its line is written to
 * a temporary file as the diff makes it, and only the ranges that differ stay in memory.
 *
 * @module
 */

import type { CollapsedRun, DiffReport, RangeDiff } from "../lib/diff/model.ts";
import { isQuiet } from "../lib/diff/collapse.ts";
import { type LineBytes, writeRange } from "./ranges_store.ts";

/** Largest value whose hex digits are computed with numbers (exact in a double). */
const MAX_EXACT = BigInt(Number.MAX_SAFE_INTEGER);

/** ASCII codes of the hex digits. */
const HEX_DIGITS = new TextEncoder().encode("0123456789abcdef");

/** A range line's offset is kept for every this many lines. */
export const INDEX_EVERY = 1024;

/** Buffered synchronous writes to a file (the diff loop that feeds it is synchronous). */
export class SyncWriter implements LineBytes {
  readonly #file: Deno.FsFile;
  readonly #buf = new Uint8Array(256 * 1024);
  readonly #encoder = new TextEncoder();
  #used = 0;
  #pending = "";
  #written = 0;

  /**
   * Writes to `file` (the caller closes it).
   *
   * @param file an open file
   */
  constructor(file: Deno.FsFile) {
    this.#file = file;
  }

  /** Bytes written so far (text given to {@link write} included). */
  get written(): number {
    this.#settle();
    return this.#written;
  }

  /** Takes text; it is encoded in batches (one encode per line costs more than the line). */
  write(text: string): void {
    this.#pending += text;
    if (this.#pending.length >= 32 * 1024) this.#settle();
  }

  #settle(): void {
    const text = this.#pending;
    if (!text) return;
    this.#pending = "";
    // Worst case 3 bytes per UTF-16 unit.
    if (this.#used + text.length * 3 > this.#buf.length) this.#drain();
    if (text.length * 3 > this.#buf.length) {
      const bytes = this.#encoder.encode(text);
      this.#all(bytes);
      this.#written += bytes.length;
      return;
    }
    const { written } = this.#encoder.encodeInto(text, this.#buf.subarray(this.#used));
    this.#used += written;
    this.#written += written;
  }

  /** Room for `n` more bytes in the buffer (text given to {@link write} goes first). */
  #room(n: number): void {
    if (this.#pending) this.#settle();
    if (this.#used + n > this.#buf.length) this.#drain();
  }

  /** Takes text of characters below 0x80 as bytes, one per character. */
  ascii(s: string): void {
    if (s.length > 4096) return this.write(s);
    this.#room(s.length);
    const buf = this.#buf;
    let at = this.#used;
    for (let i = 0; i < s.length; i++) buf[at++] = s.charCodeAt(i);
    this.#used = at;
    this.#written += s.length;
  }

  /** Takes `0x` and the lower-case hex digits of a non-negative value (no string made). */
  hex(v: bigint): void {
    if (v > MAX_EXACT || v < 0n) return this.ascii(`0x${v.toString(16)}`);
    // Two 32-bit halves, their digits by shifts (no division of doubles per digit).
    const n = Number(v);
    const hi = Math.floor(n / 0x100000000), lo = n % 0x100000000 >>> 0;
    const nibbles = (x: number) => (35 - Math.clz32(x)) >> 2;
    const digits = hi ? 8 + nibbles(hi) : Math.max(1, nibbles(lo));
    this.#room(digits + 2);
    const buf = this.#buf;
    let at = this.#used;
    buf[at++] = 0x30;
    buf[at++] = 0x78;
    for (let k = digits - 1; k >= 0; k--) {
      const d = k >= 8 ? (hi >>> ((k - 8) * 4)) & 15 : (lo >>> (k * 4)) & 15;
      buf[at++] = HEX_DIGITS[d]!;
    }
    this.#used = at;
    this.#written += digits + 2;
  }

  /** Takes a non-negative integer in decimal (no string made). */
  uint(n: number): void {
    if (!Number.isSafeInteger(n) || n < 0) return this.ascii(String(n));
    let digits = 1;
    for (let m = n; m >= 10; m = Math.floor(m / 10)) digits++;
    this.#room(digits);
    const buf = this.#buf;
    for (let at = this.#used + digits - 1; at >= this.#used; at--) {
      buf[at] = 0x30 + (n % 10);
      n = Math.floor(n / 10);
    }
    this.#used += digits;
    this.#written += digits;
  }

  #all(bytes: Uint8Array): void {
    for (let at = 0; at < bytes.length;) at += this.#file.writeSync(bytes.subarray(at));
  }

  #drain(): void {
    this.#all(this.#buf.subarray(0, this.#used));
    this.#used = 0;
  }

  /** Writes everything out. */
  flush(): void {
    this.#settle();
    this.#drain();
  }
}

/**
 * Receives every range of a diff (`onRange`): writes its stored line to a temporary file, keeps the
 * ranges that differ, counts the rest into runs.
 */
export class RangeSink {
  readonly #out: SyncWriter;
  readonly #file: Deno.FsFile;
  /** The ranges that are listed (not quiet). */
  readonly ranges: RangeDiff[] = [];
  /** Runs of quiet ranges. */
  readonly collapsed: CollapsedRun[] = [];
  /** Offsets of every INDEX_EVERY-th line. */
  readonly index: number[] = [];
  /** Lines written. */
  count = 0;
  #run: { start: bigint; end: bigint; ranges: number; pages: number } | undefined;

  /**
   * Opens the temporary file.
   *
   * @param path where the lines go (created, private)
   */
  constructor(readonly path: string) {
    this.#file = Deno.openSync(path, { write: true, createNew: true, mode: 0o600 });
    this.#out = new SyncWriter(this.#file);
  }

  /** Takes one range (address order). */
  add = (r: RangeDiff): void => {
    if (this.count % INDEX_EVERY === 0) this.index.push(this.#out.written);
    writeRange(r, this.#out);
    this.#out.ascii("\n");
    this.count++;
    if (!isQuiet(r)) {
      this.#close();
      this.ranges.push(r);
    } else if (this.#run) {
      this.#run.end = r.end;
      this.#run.ranges++;
      this.#run.pages += r.pages.same;
    } else this.#run = { start: r.start, end: r.end, ranges: 1, pages: r.pages.same };
  };

  #close(): void {
    if (this.#run) this.collapsed.push({ ...this.#run, before: this.ranges.length });
    this.#run = undefined;
  }

  /** Flushes and closes the file; returns the bytes written. */
  finish(): number {
    this.#close();
    this.#out.flush();
    this.#file.close();
    return this.#out.written;
  }

  /** Abandons the file (on error). */
  abort(): void {
    try {
      this.#file.close();
    } catch { /* already closed */ }
  }

  /**
   * The report with the ranges this sink kept and its runs, in the key order `collapseRanges`
   * gives (`collapsed` right after `ranges`, only when there is one).
   */
  collapse(report: DiffReport): DiffReport {
    this.#close();
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(report)) {
      if (k === "collapsed") continue;
      out[k] = k === "ranges" ? this.ranges : v;
      if (k === "ranges" && this.collapsed.length) out.collapsed = this.collapsed;
    }
    return out as unknown as DiffReport;
  }
}
