/**
 * `coredump_filter` values: the nine bits (`include/linux/mm_types.h: MMF_DUMP_*`, spec
 * dump-policies §1.2), parsing of user input, and the warning about writing the /proc read form back.
 *
 * # Accepted input (decision)
 * - The /proc read form: exactly 8 hex digits (`00000033`, what `cat /proc/PID/coredump_filter`
 *   prints, `%08lx`), read as **hex** — as GDB does (`sscanf("%x")`).
 * - `0x`-prefixed hex: `0x33`, `0X1ff`.
 * - A list of bit names separated by `,`, `|`, `+` or spaces: `anon-private,anon-shared,elf-headers`,
 *   or the kernel spellings `MMF_DUMP_ANON_PRIVATE`, ... (kebab names are lower case, `MMF_DUMP_*`
 *   upper case; `mapped-*` and `file-*` are synonyms).
 *
 * Anything else is rejected, **including bare decimal and octal numbers** such as `51` or `063`: the
 * kernel's write path would take `33` as decimal and `033` as octal (`kstrtouint(…, 0)`), while the
 * read path and GDB print and read hex, so a bare short number is ambiguous. Values with bits above
 * bit 8 are rejected too (the kernel keeps bits 0–8 only).
 *
 * @module
 */

import { OptionError } from "../errors.ts";

/** Kebab-case names of the filter bits, index = bit number. */
export const FILTER_BIT_NAMES = [
  "anon-private",
  "anon-shared",
  "mapped-private",
  "mapped-shared",
  "elf-headers",
  "hugetlb-private",
  "hugetlb-shared",
  "dax-private",
  "dax-shared",
] as const;

/** One filter bit's kebab-case name. */
export type FilterBitName = (typeof FILTER_BIT_NAMES)[number];

/** Kernel spelling of each bit (`MMF_DUMP_ANON_PRIVATE` ...), index = bit number. */
export const FILTER_BIT_MMF_NAMES: readonly string[] = FILTER_BIT_NAMES.map((n) =>
  `MMF_DUMP_${n.toUpperCase().replaceAll("-", "_")}`
);

/** The kernel default with `CONFIG_CORE_DUMP_DEFAULT_ELF_HEADERS=y`, and GDB's built-in value. */
export const DEFAULT_FILTER = 0x33;

/** Mask of the nine bits the kernel keeps. */
export const FILTER_MASK = 0x1ff;

/** How a filter was written. */
export type FilterForm = "proc" | "hex" | "names";

/** A parsed `coredump_filter`. */
export interface ParsedFilter {
  /** The bits, 0..0x1ff. */
  readonly value: number;
  /** How it was written. */
  readonly form: FilterForm;
}

const SYNONYMS: Readonly<Record<string, FilterBitName>> = {
  "file-private": "mapped-private",
  "file-shared": "mapped-shared",
};

/**
 * Parses a `coredump_filter` value (forms listed in the module doc).
 *
 * @param text the value as the user wrote it; surrounding white space and one trailing newline are
 *   ignored
 * @returns the value and its form
 * @throws {OptionError} (option `filter`) for anything else
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.deepEqual(parseFilter("00000033\n"), { value: 0x33, form: "proc" });
 * assert.deepEqual(parseFilter("0x7e"), { value: 0x7e, form: "hex" });
 * assert.equal(parseFilter("anon-private,MMF_DUMP_ELF_HEADERS").value, 0x11);
 * assert.throws(() => parseFilter("51"), /ambiguous/);
 * ```
 */
export function parseFilter(text: string): ParsedFilter {
  const s = text.trim();
  let value: number;
  let form: FilterForm;
  if (/^[0-9a-fA-F]{8}$/.test(s)) {
    value = parseInt(s, 16);
    form = "proc";
  } else if (/^0[xX][0-9a-fA-F]+$/.test(s)) {
    value = s.length > 12 ? Infinity : parseInt(s.slice(2), 16);
    form = "hex";
  } else if (/^\d+$/.test(s)) {
    throw new OptionError(
      "filter",
      `Filter ${
        JSON.stringify(s)
      } is ambiguous: write hex with 0x (0x${s}) or the 8-digit /proc form`,
    );
  } else if (s === "") {
    throw new OptionError("filter", "Filter is empty");
  } else {
    value = 0;
    form = "names";
    for (const word of s.split(/[\s,|+]+/)) {
      if (word === "") continue;
      const bit = bitOfName(word);
      if (bit < 0) {
        throw new OptionError(
          "filter",
          `Unknown filter bit ${
            JSON.stringify(word)
          }: expected hex (0x33), the /proc form (00000033) or names such as ${
            FILTER_BIT_NAMES.join(", ")
          }`,
        );
      }
      value |= 1 << bit;
    }
  }
  if (value > FILTER_MASK) {
    throw new OptionError(
      "filter",
      `Filter ${JSON.stringify(s)} sets bits above bit 8; the kernel keeps only bits 0-8 (0x1ff)`,
    );
  }
  return { value, form };
}

/** Bit number of a kebab or `MMF_DUMP_*` name, or -1. */
function bitOfName(word: string): number {
  const kebab = SYNONYMS[word] ?? word;
  const i = (FILTER_BIT_NAMES as readonly string[]).indexOf(kebab);
  return i >= 0 ? i : FILTER_BIT_MMF_NAMES.indexOf(word);
}

/**
 * Tests one bit of a filter by name.
 *
 * @param filter the filter bits
 * @param bit the bit's kebab-case name
 * @returns whether the bit is set
 */
export function hasBit(filter: number, bit: FilterBitName): boolean {
  return (filter & (1 << FILTER_BIT_NAMES.indexOf(bit))) !== 0;
}

/**
 * Formats a filter for people: `0x33 (anon-private, anon-shared, elf-headers, hugetlb-private)`.
 *
 * @param filter the filter bits
 * @returns the hex value and the names of the set bits
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(describeFilter(0x3), "0x3 (anon-private, anon-shared)");
 * assert.equal(describeFilter(0), "0x0 (no bits)");
 * ```
 */
export function describeFilter(filter: number): string {
  const names = FILTER_BIT_NAMES.filter((_, i) => (filter & (1 << i)) !== 0);
  return `0x${filter.toString(16)} (${names.length ? names.join(", ") : "no bits"})`;
}

/**
 * Explains what the kernel would do if `text` were written to `/proc/PID/coredump_filter`, when that
 * differs from what {@link parseFilter} reads: the write path parses with `kstrtouint(…, 0)`
 * (`fs/proc/base.c: proc_coredump_filter_write`), so the 8-digit read form `00000033` is **octal**
 * there (0x1b), and `00000080` is rejected (EINVAL).
 *
 * @param text the value as the user wrote it
 * @returns the warning sentence, or `undefined` when writing it back would give the same bits (or it
 *   is not in the /proc form)
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.match(procWriteWarning("00000033")!, /sets 0x1b.*octal/);
 * assert.equal(procWriteWarning("0x33"), undefined);
 * assert.equal(procWriteWarning("00000001"), undefined);
 * ```
 */
export function procWriteWarning(text: string): string | undefined {
  const s = text.trim();
  if (!/^[0-9a-fA-F]{8}$/.test(s) || !s.startsWith("0")) return undefined;
  const hex = parseInt(s, 16);
  if (!/^[0-7]+$/.test(s)) {
    return `Writing ${s} to /proc/PID/coredump_filter fails with EINVAL: the kernel reads it as ` +
      `octal (kstrtouint base 0, leading 0); write 0x${hex.toString(16)} instead`;
  }
  const octal = parseInt(s, 8) & FILTER_MASK;
  if (octal === hex) return undefined;
  return `Writing ${s} to /proc/PID/coredump_filter sets 0x${octal.toString(16)}, not ` +
    `0x${hex.toString(16)}: the kernel reads a leading 0 as octal (kstrtouint base 0); write ` +
    `0x${hex.toString(16)} instead`;
}
