/**
 * `/proc/PID/smaps` and `maps`: a parser of the whole text ({@link parseSmaps}) or of byte chunks as
 * they arrive ({@link SmapsParser}, into a compact {@link SmapsTable}), the kernel's and GDB's views of each
 * mapping ({@link kernelView}, {@link gdbView}), and the `/proc/PID/status` memory figures recomputed
 * from them ({@link recomputeStatus}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const { mappings } = parseSmaps("00400000-00401000 r-xp 00000000 08:01 12 /bin/x\n");
 * assert.equal(kernelView(mappings[0]!).class, "file-private");
 * assert.equal(gdbView(mappings[0]!).class, "file");
 * ```
 *
 * @module
 */

export {
  detectMapsFormat,
  type MapsFormat,
  parseSmaps,
  type SmapsDocument,
  type SmapsMapping,
  unescapeName,
} from "./parse.ts";
export { SmapsParser } from "./stream.ts";
export { asTable, SmapsTable, tableOf } from "./table.ts";
export { BARE_FIELDS, KB_FIELDS, VM_FLAG_NAMES } from "./fields.ts";
export {
  type GdbClass,
  type GdbNameRule,
  gdbNameRule,
  type GdbView,
  gdbView,
  guessExecutable,
  hasFile,
  isGateName,
  isLinklessShmemName,
  isSpecialName,
  type KernelClass,
  type KernelView,
  kernelView,
} from "./classify.ts";
export { parseStatusVm, recomputeStatus, type VmStatus } from "./status.ts";
