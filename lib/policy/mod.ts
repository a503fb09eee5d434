/**
 * Dump-policy engine: from a process's smaps and `coredump_filter`, what the Linux kernel's core
 * dumper and GDB's `gcore` write for each mapping ({@link predict}), the filter syntax
 * ({@link parseFilter}) and a text rendering ({@link renderPredictText}). Rules follow
 * `shared/specs/dump-policies.md` §1.10 (kernel) and §2.11 (GDB).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseSmaps } from "../smaps/parse.ts";
 * const { mappings } = parseSmaps(
 *   "7f0000000000-7f0000001000 ---p 00000000 00:00 0 \nAnonymous: 0 kB\nVmFlags: mr mw me ac \n",
 * );
 * const [guard] = predict(mappings, parseFilter("0x33").value).mappings;
 * assert.equal(guard!.kernel!.p_filesz, 0);
 * assert.equal(guard!.gdb!.p_filesz, 4096);
 * ```
 *
 * @module
 */

export {
  type Fact,
  type FactCertainty,
  type FactContext,
  type FactName,
  inferFacts,
  type MappingFacts,
  type MappingHints,
} from "./facts.ts";
export {
  DEFAULT_FILTER,
  describeFilter,
  FILTER_BIT_MMF_NAMES,
  FILTER_BIT_NAMES,
  FILTER_MASK,
  type FilterBitName,
  type FilterForm,
  hasBit,
  type ParsedFilter,
  parseFilter,
  procWriteWarning,
} from "./filter.ts";
export {
  decideGdb,
  type GdbDecision,
  gdbEffectiveFilter,
  type GdbReason,
  type GdbSettings,
} from "./gdb.ts";
export {
  decideKernel,
  estimatePages,
  KERNEL_PROFILES,
  type KernelDecision,
  type KernelProfile,
  type KernelReason,
  type PageEstimate,
} from "./kernel.ts";
export { flagsText, isPossible, predict } from "./predict.ts";
export type * from "./types.ts";
