/**
 * One header line of `/proc/PID/smaps` or `maps` (`START-END PERMS OFFSET MAJ:MIN INODE NAME`; see
 * `parse.ts`), with 1-based columns in its errors.
 *
 * @module
 */

import { SmapsSyntaxError } from "../errors.ts";
import type { SmapsMapping } from "./parse.ts";

const HEX = /^[0-9a-fA-F]+$/;

/** A parsed header line: a mapping without its attributes. */
export type Header = Omit<SmapsMapping, "fields" | "textFields" | "vmFlags" | "unknownVmFlags">;

/** A cursor over one header line that reports 1-based columns in errors. */
class LineCursor {
  pos = 0;
  constructor(readonly text: string, readonly lineNo: number) {}

  fail(field: string, problem: string, at = this.pos): never {
    throw new SmapsSyntaxError(this.lineNo, at + 1, field, problem);
  }

  /** Takes characters up to (not including) `stop` or the end of the line. */
  take(stop: string): string {
    const i = this.text.indexOf(stop, this.pos);
    const end = i < 0 ? this.text.length : i;
    const s = this.text.slice(this.pos, end);
    this.pos = end;
    return s;
  }

  expect(ch: string, field: string): void {
    if (this.text[this.pos] !== ch) {
      const seen = this.pos < this.text.length
        ? JSON.stringify(this.text[this.pos])
        : "end of line";
      this.fail(field, `Expected ${JSON.stringify(ch)} after ${field}, found ${seen}`);
    }
    this.pos++;
  }

  hex(stop: string, field: string, minDigits: number, maxDigits: number): bigint {
    const at = this.pos;
    const i = this.text.indexOf(stop, at);
    const end = i < 0 ? this.text.length : i;
    // Up to 13 digits (52 bits: every user address of x86-64 and arm64) as a number, no substring.
    let n = 0;
    let ok = end > at && end - at <= 13;
    for (let k = at; ok && k < end; k++) {
      const c = this.text.charCodeAt(k);
      const d = c >= 48 && c <= 57
        ? c - 48
        : (c | 0x20) >= 97 && (c | 0x20) <= 102
        ? (c | 0x20) - 87
        : -1;
      if (d < 0) ok = false;
      else n = n * 16 + d;
    }
    if (ok && end - at >= minDigits && end - at <= maxDigits) {
      this.pos = end;
      return n === 0 ? 0n : BigInt(n);
    }
    const s = this.take(stop);
    if (s === "" || !HEX.test(s)) {
      this.fail(field, `Expected hex digits, found ${JSON.stringify(s)}`, at);
    }
    if (s.length < minDigits || s.length > maxDigits) {
      this.fail(field, `Expected ${minDigits} to ${maxDigits} hex digits, found ${s.length}`, at);
    }
    return BigInt(`0x${s}`);
  }
}

/**
 * One string per distinct value (permissions, device and name repeat across 70,000 mappings), and
 * one that does not keep the whole smaps text alive: V8 makes a slice of 13 characters or more a
 * view into its parent.
 */
function intern(s: string, seen: Map<string, string>): string {
  let own = seen.get(s);
  if (own === undefined) {
    own = s.length < 13 ? s : JSON.parse(JSON.stringify(s)) as string;
    seen.set(own, own);
  }
  return own;
}

/**
 * Parses one header line.
 *
 * @param text the line
 * @param lineNo its 1-based number
 * @param seen strings already made (one per distinct value)
 */
export function parseHeader(text: string, lineNo: number, seen: Map<string, string>): Header {
  const c = new LineCursor(text, lineNo);
  const start = c.hex("-", "start", 8, 16);
  c.expect("-", "start");
  const end = c.hex(" ", "end", 8, 16);
  c.expect(" ", "end");
  if (end <= start) c.fail("end", "End address is not above start address", c.pos - 1);
  const permsAt = c.pos;
  const perms = c.take(" ");
  if (!/^[r-][w-][x-][ps]$/.test(perms)) {
    c.fail("perms", `Expected permissions like "rw-p", found ${JSON.stringify(perms)}`, permsAt);
  }
  c.expect(" ", "perms");
  const offset = c.hex(" ", "offset", 8, 16);
  c.expect(" ", "offset");
  const devAt = c.pos;
  const dev = c.take(" ");
  if (!/^[0-9a-fA-F]{2,}:[0-9a-fA-F]{2,}$/.test(dev)) {
    c.fail("dev", `Expected a device like "fd:01", found ${JSON.stringify(dev)}`, devAt);
  }
  if (c.pos < text.length) c.expect(" ", "dev");
  else c.fail("inode", "Line ends before the inode");
  const inodeAt = c.pos;
  const inodeText = c.take(" ");
  if (!/^\d+$/.test(inodeText)) {
    c.fail("inode", `Expected a decimal inode, found ${JSON.stringify(inodeText)}`, inodeAt);
  }
  // The rest, after the run of padding spaces, is the name (leading blanks of a name are lost).
  const name = intern(text.slice(c.pos).replace(/^ +/, ""), seen);
  const size = end - start;
  return {
    line: lineNo,
    start,
    end,
    size: Number(size),
    perms: intern(perms, seen),
    read: perms[0] === "r",
    write: perms[1] === "w",
    exec: perms[2] === "x",
    mayShare: perms[3] === "s",
    offset: offset === 0n ? 0n : offset,
    dev: intern(dev, seen),
    inode: inodeText === "0" ? 0n : BigInt(inodeText),
    name,
  };
}
