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
 * @module
 */

import { AttributeCache, type Attributes, parseAttribute } from "./attribute.ts";
import { SmapsSyntaxError } from "../errors.ts";
import { type Header, parseHeader } from "./header.ts";

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
  /** The mappings in text order (ascending addresses). */
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
 * Where the colon of an attribute line `text[from, to)` is (`Key:` with a letter first, then
 * letters, digits or `_`), or -1 when it is not one.
 */
function attributeColon(text: string, from: number, to: number): number {
  const c0 = text.charCodeAt(from) | 0x20;
  if (from >= to || c0 < 97 || c0 > 122) return -1;
  for (let i = from + 1; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 58) return i;
    const l = c | 0x20;
    if (!((l >= 97 && l <= 122) || (c >= 48 && c <= 57) || c === 95)) return -1;
  }
  return -1;
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
  // Lines are walked in place (a 70,000-mapping smaps has 1.7 million); a CRLF text first loses its
  // `\r`s as `splitLines` drops them.
  if (text.includes("\r")) text = splitLines(text).join("\n");
  const format: MapsFormat = hasAttributeLine(text) ? "smaps" : "maps";
  const mappings: SmapsMapping[] = [];
  const cache = new AttributeCache();
  const seen = new Map<string, string>();
  let header: Header | undefined;
  let attrs: Attributes | undefined;
  let prevEnd = -1n;

  const finish = () => {
    if (!header || !attrs) return;
    if (format === "smaps" && attrs.count === 0) {
      throw new SmapsSyntaxError(
        header.line,
        1,
        "Size",
        "Mapping has no attribute lines although the text is smaps (maps and smaps mixed?)",
      );
    }
    const size = attrs.size;
    if (size >= 0 && size !== header.size) {
      throw new SmapsSyntaxError(
        header.line,
        1,
        "Size",
        `Size ${size} bytes does not match end - start = ${header.size} bytes`,
      );
    }
    const { textFields, vmFlags, unknownVmFlags } = attrs;
    const fields = cache.fields(attrs.numbers);
    cache.length = attrs.count;
    mappings.push({ ...header, fields, textFields, vmFlags, unknownVmFlags });
  };

  for (let from = 0, lineNo = 1; from < text.length; lineNo++) {
    const nl = text.indexOf("\n", from);
    const to = nl < 0 ? text.length : nl;
    const at = from;
    from = to + 1;
    if (to === at) {
      throw new SmapsSyntaxError(lineNo, 1, "start", "Unexpected empty line");
    }
    const colon = attributeColon(text, at, to);
    if (colon >= 0) {
      if (!attrs) {
        throw new SmapsSyntaxError(
          lineNo,
          1,
          text.slice(at, colon),
          "Attribute line before any mapping header",
        );
      }
      parseAttribute(text, at, colon, to, lineNo, attrs, cache);
      continue;
    }
    const line = text.slice(at, to);
    if (!/^[0-9a-fA-F]/.test(line)) {
      throw new SmapsSyntaxError(
        lineNo,
        1,
        "start",
        `Expected a mapping header or "Key: value", found ${JSON.stringify(line.slice(0, 20))}`,
      );
    }
    finish();
    header = parseHeader(line, lineNo, seen);
    if (header.name === "[rollup]") {
      throw new SmapsSyntaxError(
        lineNo,
        line.length - header.name.length + 1,
        "name",
        "This is smaps_rollup: it sums every mapping into one and has no per-mapping data; give /proc/PID/smaps",
      );
    }
    if (header.start < prevEnd) {
      throw new SmapsSyntaxError(
        lineNo,
        1,
        "start",
        "Mapping overlaps or precedes the previous one",
      );
    }
    prevEnd = header.end;
    attrs = {
      textFields: NO_TEXT,
      vmFlags: null,
      unknownVmFlags: NO_FLAGS,
      count: 0,
      numbers: 0,
      inOrder: true,
      size: -1,
    };
  }
  finish();
  return { format, mappings };
}

/** Shared (frozen) placeholders: most mappings have no text field and no unknown flag. */
const NO_TEXT: Readonly<Record<string, string>> = Object.freeze({});
const NO_FLAGS: readonly string[] = Object.freeze([]);

/** True when any line of `text` is an attribute line. */
function hasAttributeLine(text: string): boolean {
  for (let from = 0; from < text.length;) {
    const nl = text.indexOf("\n", from);
    const to = nl < 0 ? text.length : nl;
    if (attributeColon(text, from, to) >= 0) return true;
    from = to + 1;
  }
  return false;
}

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
