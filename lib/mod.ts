/**
 * coredelta: tells exactly how two Linux ELF core dumps of the same process differ, and why.
 *
 * The library is pure TypeScript over byte sources and strings (no file or network I/O):
 * - {@link parseCore} reads a core's header, program headers and notes (kernel or gdb, ELF32/64,
 *   either byte order) from a {@link ByteSource};
 * - {@link renderInspectText} / {@link renderInspectJson} explain one core.
 *
 * @example
 * ```ts ignore
 * import { bytesSource, parseCore } from "@coredelta/coredelta";
 * const core = await parseCore(bytesSource(await Deno.readFile("core")));
 * console.log(core.producer.producer, core.loads.length);
 * ```
 *
 * @module
 */

export {
  type ByteSource,
  bytesSource,
  type DataExtents,
  type PositionalSource,
} from "./bytes/source.ts";
export {
  byteLimit,
  type Compression,
  decompressed,
  DecompressionError,
  detectCompression,
  TooLargeError,
} from "./bytes/streams.ts";
export {
  CoreFormatError,
  DigestFormatError,
  type FieldValue,
  InputError,
  OptionError,
  SmapsSyntaxError,
} from "./errors.ts";
export * from "./elf/mod.ts";
export {
  INSPECT_SCHEMA_VERSION,
  inspectModel,
  renderInspectJson,
  renderInspectText,
} from "./report/inspect.ts";
