/**
 * Parser for `/proc/PID/smaps` and `/proc/PID/maps` text (`fs/proc/task_mmu.c: show_map_vma`,
 * `__show_smap`, `show_smap_vma_flags`; `proc(5)`). Pure: takes the text, returns plain data.
 *
 * Header line: `START-END PERMS OFFSET MAJ:MIN INODE [padding] NAME`. Addresses and the offset are
 * lower-case hex of at least 8 digits (16 at most: 32- and 64-bit kernels); the device is `MAJ:MIN` in
 * hex; the inode is decimal. Before a name the kernel pads the line to 72 characters (48 on a 32-bit
 * kernel) and adds one space, so names start at column 74 (50); observed on K6.18.
 *
 * # Names
 * The name is the rest of the line after the inode and the run of spaces that follows it, kept
 * verbatim: spaces inside it, a ` (deleted)` suffix, `[heap]`, `[anon:NAME]`, `/memfd:NAME (deleted)`
 * and the kernel's `\012` escape for a newline all stay as printed. A name that really starts with
 * blanks cannot be told from the padding and loses them — GDB's `read_mapping` behaves the same
 * (spec dump-policies §5.6). A name ending in ` (deleted)` may be an unlinked file or a file whose
 * real name ends so; the text cannot tell.
 *
 * # Attributes (smaps only)
 * `Key: value` lines follow each header. Sizes printed in `kB` are converted to bytes; `THPeligible`
 * and `ProtectionKey` are bare numbers; `VmFlags` becomes a set of two-letter codes (unknown codes,
 * including `??`, are kept). Keys this parser does not know are kept: a `N kB` value in bytes, a bare
 * number as is, anything else as text.
 *
 * `smaps_rollup` is rejected: it sums every mapping into one synthetic `[rollup]` entry.
 *
 * # Line ends
 * A text whose first line ends in `\r\n` is read as CRLF: each line loses its `\r`. (Before the
 * parse was streamed, a `\r` was dropped only when every line had one; a text that mixes the two
 * is malformed anyway.) An smaps whose first mapping has no attribute line is reported when the
 * first attribute line arrives.
 *
 * @module
 */

import { attributeColon } from "./attribute.ts";
import { SmapsParser } from "./stream.ts";

/** What a `/proc` mappings text is. */
export type MapsFormat = "smaps" | "maps";

/**
 * One mapping (VMA) of `/proc/PID/smaps` or `/proc/PID/maps`.
 *
 * Byte counts are `number`s (exact below 2^53 bytes, far above any x86-64 mapping); addresses and the
 * file offset are `bigint`.
 */
export interface SmapsMapping {
  /** 1-based line number of the header line. */
  readonly line: number;
  /** First address (`vm_start`). */
  readonly start: bigint;
  /** Address just past the end (`vm_end`). */
  readonly end: bigint;
  /** `end - start` in bytes. */
  readonly size: number;
  /** The 4-character permission field as printed, e.g. `rw-p`. */
  readonly perms: string;
  /** `r`: `VM_READ`. */
  readonly read: boolean;
  /** `w`: `VM_WRITE`. */
  readonly write: boolean;
  /** `x`: `VM_EXEC`. */
  readonly exec: boolean;
  /** `s` rather than `p`: `VM_MAYSHARE` (not `VM_SHARED`: that is the `sh` VmFlag). */
  readonly mayShare: boolean;
  /** File offset in bytes (`vm_pgoff << PAGE_SHIFT`). */
  readonly offset: bigint;
  /** Device as printed, `MAJ:MIN` in hex (`00:00` without a file). */
  readonly dev: string;
  /** Inode number (decimal in the text; 0 without a file). */
  readonly inode: bigint;
  /** Pathname or pseudo-name, verbatim (see the module doc); `""` when there is none. */
  readonly name: string;
  /**
   * Numeric attributes by key as printed (`Rss`, `Anonymous`, `THPeligible`, ...): `kB` values in
   * bytes, bare numbers as is. Empty for `maps`.
   */
  readonly fields: Readonly<Record<string, number>>;
  /** Attributes of unknown keys whose value is not a number, verbatim (trimmed). */
  readonly textFields: Readonly<Record<string, string>>;
  /** `VmFlags` codes, or `null` when the mapping has no `VmFlags` line (maps; kernels < 3.8). */
  readonly vmFlags: ReadonlySet<string> | null;
  /** `VmFlags` codes not in `VM_FLAG_NAMES` (including `??`), in printed order. */
  readonly unknownVmFlags: readonly string[];
}

/** A parsed mappings text. */
export interface SmapsDocument {
  /** `smaps` when attribute lines are present, else `maps`. */
  readonly format: MapsFormat;
  /**
   * The mappings in text order (ascending addresses). A parsed document makes these objects on
   * first read; `tableOf(doc)` (`table.ts`) reads its compact columns without making them.
   */
  readonly mappings: readonly SmapsMapping[];
}

/** Splits text into lines, dropping one final newline; a CRLF text loses its `\r`s. */
function splitLines(text: string): string[] {
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  if (lines.length > 0 && lines.every((l) => l.endsWith("\r"))) {
    return lines.map((l) => l.slice(0, -1));
  }
  return lines;
}

/** True when a line is an attribute line (`Key:` with a letter first, as GDB's `A`–`Z` test). */
function isAttributeLine(line: string): boolean {
  return attributeColon(line, 0, line.length) >= 0;
}

/**
 * Tells what a mappings text is without parsing it fully: `smaps_rollup` when the first header names
 * `[rollup]`, `smaps` when any attribute line is present, else `maps`.
 *
 * @param text the text of `/proc/PID/smaps`, `maps` or `smaps_rollup`
 * @returns the detected format
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(detectMapsFormat("00400000-00401000 r-xp 00000000 08:01 12 /bin/x\n"), "maps");
 * assert.equal(detectMapsFormat("00400000-00401000 r-xp 00000000 08:01 12 /bin/x\nRss: 4 kB\n"), "smaps");
 * ```
 */
export function detectMapsFormat(text: string): MapsFormat | "smaps_rollup" {
  const lines = splitLines(text);
  const first = lines.find((l) => l !== "");
  if (first !== undefined && /\s\[rollup\]$/.test(first)) return "smaps_rollup";
  return lines.some(isAttributeLine) ? "smaps" : "maps";
}

/**
 * Parses `/proc/PID/smaps` or `/proc/PID/maps` text (detected from the content).
 *
 * Checks: every header field's syntax, `start < end`, ascending non-overlapping mappings, `Size`
 * equal to `end - start`, known `kB` and bare-number fields well formed, no duplicate key within a
 * mapping, and in smaps every mapping followed by at least one attribute line.
 *
 * @param text the whole file text
 * @returns the format and the mappings
 * @throws {SmapsSyntaxError} on malformed text, with 1-based line and column and the field; also for
 *   `smaps_rollup`, which has no per-mapping data
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const doc = parseSmaps(
 *   "7ffd1000-7ffd3000 rw-p 00000000 00:00 0                          [stack]\n" +
 *     "Size:                  8 kB\nAnonymous:             4 kB\nVmFlags: rd wr mr mw me gd ac \n",
 * );
 * assert.equal(doc.format, "smaps");
 * const m = doc.mappings[0]!;
 * assert.equal(m.name, "[stack]");
 * assert.equal(m.start, 0x7ffd1000n);
 * assert.equal(m.fields.Anonymous, 4096);
 * assert.ok(m.vmFlags?.has("gd"));
 * ```
 */
export function parseSmaps(text: string): SmapsDocument {
  // Through the byte parser, a slice at a time (never a second copy of the whole text).
  const parser = new SmapsParser();
  const encoder = new TextEncoder();
  const buffer = new Uint8Array(3 * SLICE);
  for (let at = 0; at < text.length;) {
    let to = Math.min(text.length, at + SLICE);
    // Keep a surrogate pair in one slice.
    const last = text.charCodeAt(to - 1);
    if (to < text.length && last >= 0xd800 && last <= 0xdbff) to--;
    const { written } = encoder.encodeInto(text.slice(at, to), buffer);
    parser.push(buffer.subarray(0, written));
    at = to;
  }
  return parser.end();
}

/** Characters of text encoded at a time. */
const SLICE = 1 << 16;

/**
 * Undoes the kernel's only escape in mapping names (`\n` printed as `\012` by `seq_path`), giving the
 * name as the kernel's `NT_FILE` note stores it. A literal backslash sequence `\012` in a real name
 * is not escaped by the kernel, so it is ambiguous and gets converted too.
 *
 * @param name a name as printed in maps/smaps
 * @returns the name with `\012` replaced by a newline
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(unescapeName("/tmp/new\\012line.bin"), "/tmp/new\nline.bin");
 * ```
 */
export function unescapeName(name: string): string {
  return name.replaceAll("\\012", "\n");
}
