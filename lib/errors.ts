/**
 * The error classes coredelta throws for bad input. Every parser in `lib/` lets only these escape on
 * malformed data; anything else is a bug. Each carries where the input is wrong (byte offset or line),
 * which field, and a stable `code` the HTTP layer maps to a problem+json `type`.
 *
 * @module
 */

/** A value found in the input, kept for the error message (never page bytes). */
export type FieldValue = bigint | number | string;

/** Base class of every input error: a stable machine-readable `code` and a human message. */
export class InputError extends SyntaxError {
  /** Stable identifier such as `elf-format`, `smaps-syntax`, `digest-format`, `filter-syntax`. */
  readonly code: string;

  /**
   * Creates the error.
   *
   * @param code stable identifier of the error kind
   * @param message sentence-case description, no trailing period
   */
  constructor(code: string, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Formats a value for a message: bigints and numbers as hex, strings quoted. */
export function showValue(value: FieldValue): string {
  if (typeof value === "string") return JSON.stringify(value);
  return `0x${value.toString(16)}`;
}

/**
 * A core file (ELF) that cannot be read as claimed: a field out of range, a table past the end of the
 * file, a size that overflows its container.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const e = new CoreFormatError(24, "e_phoff", "Program header table is past end of file", 0x9000n);
 * assert.equal(e.offset, 24);
 * assert.match(e.message, /e_phoff/);
 * ```
 */
export class CoreFormatError extends InputError {
  /** Absolute byte offset in the file of the field that is wrong. */
  readonly offset: number;
  /** Name of the field, spelled as in the ELF specification (`p_offset`, `n_descsz`, ...). */
  readonly field: string;
  /** The offending value, when there is one. */
  readonly value: FieldValue | undefined;

  /**
   * Creates the error.
   *
   * @param offset absolute byte offset of the field
   * @param field field name as spelled in the ELF specification
   * @param problem what is wrong, in sentence case
   * @param value the offending value
   */
  constructor(offset: number, field: string, problem: string, value?: FieldValue) {
    const shown = value === undefined ? "" : ` (${field} = ${showValue(value)})`;
    super("elf-format", `${problem}${shown} at byte 0x${offset.toString(16)}`);
    this.offset = offset;
    this.field = field;
    this.value = value;
  }
}

/**
 * A `/proc/PID/smaps` or `maps` text that cannot be parsed. Lines and columns are 1-based.
 */
export class SmapsSyntaxError extends InputError {
  /** 1-based line number. */
  readonly line: number;
  /** 1-based column number. */
  readonly column: number;
  /** The field being parsed (`start`, `perms`, `Rss`, ...). */
  readonly field: string;

  /**
   * Creates the error.
   *
   * @param line 1-based line number
   * @param column 1-based column number
   * @param field field being parsed
   * @param problem what is wrong, in sentence case
   */
  constructor(line: number, column: number, field: string, problem: string) {
    super("smaps-syntax", `${problem} (field ${field}) at line ${line}, column ${column}`);
    this.line = line;
    this.column = column;
    this.field = field;
  }
}

/** A serialized digest that is corrupt, truncated, or of an unknown format version. */
export class DigestFormatError extends InputError {
  /** Byte offset in the digest where the problem was found. */
  readonly offset: number;
  /** The field being read. */
  readonly field: string;

  /**
   * Creates the error.
   *
   * @param offset byte offset in the serialized digest
   * @param field field being read
   * @param problem what is wrong, in sentence case
   */
  constructor(offset: number, field: string, problem: string) {
    super("digest-format", `${problem} (field ${field}) at byte 0x${offset.toString(16)}`);
    this.offset = offset;
    this.field = field;
  }
}

/** A `coredump_filter` value or another option that is not understood. */
export class OptionError extends InputError {
  /** The option being parsed (`filter`, `producer`, ...). */
  readonly option: string;

  /**
   * Creates the error.
   *
   * @param option name of the option
   * @param problem what is wrong, in sentence case
   */
  constructor(option: string, problem: string) {
    super("option", `${problem} (option ${option})`);
    this.option = option;
  }
}
