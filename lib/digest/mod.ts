/**
 * Core digests: one streaming pass over a core hashes every saved page (XXH3-64 through a
 * {@link PageHasher}, the WASM kernel in `wasm/`) and keeps the headers and notes needed to compare
 * ({@link digestStream}; {@link digestPositional} reads a core by position and skips holes); a compact binary form ({@link encodeDigest},
 * {@link decodeDigest}); a summary for people ({@link digestSummary}); the ELF modules of the
 * process with the build-id of each, read from the saved first pages in the same pass
 * ({@link Module}, {@link scanModules}).
 *
 * @example
 * ```ts ignore
 * import { createPageHasher } from "@coredelta/coredelta/wasm";
 * const file = await Deno.open("core");
 * const digest = await digestStream(file.readable, createPageHasher());
 * console.log(digestSummary(digest).pages);
 * ```
 *
 * @module
 */

export { decodeDigest, DIGEST_MAGIC, encodeDigest, isDigest } from "./codec.ts";
export { type DigestOptions, digestStream } from "./digest.ts";
export {
  digestPositional,
  digestPositionalAll,
  type PositionalCore,
  type PositionalOptions,
} from "./positional.ts";
export {
  type FirstPages,
  hashLoads,
  type HashLoadsOptions,
  hashWindow,
  type PageColumnsOut,
  sliceSegments,
} from "./page_loop.ts";
export { LoadPlan, type LoadShape } from "./load_plan.ts";
export {
  type CoreFirstPages,
  hashClaimed,
  MIN_WINDOW_BYTES,
  type PageHelper,
  type PageWork,
  planWork,
  type SharedCore,
  WINDOW_BYTES,
} from "./page_share.ts";
export type { DataExtents, PositionalSource } from "../bytes/source.ts";
export {
  type CoreDigest,
  DIGEST_FORMAT_VERSION,
  type DigestMeta,
  type PageColumns,
  type PageCounts,
  pageCounts,
  PageSlice,
  pagesOf,
  type SegmentDigest,
} from "./model.ts";
export { PageTable, type PageTableColumns, rowForIndex } from "./page_table.ts";
export { MadeRows, type Rows, rowsAt, rowsWhere } from "../bytes/rows.ts";
export {
  type BuildIdSource,
  executableModule,
  type Module,
  type ModuleJson,
  ModuleScanner,
  modulesFromJson,
  modulesToJson,
  scanModules,
} from "./modules.ts";
export { PAGE_SIZE, type PageHasher } from "./page_hasher.ts";
export { memorySpill, type Spill, type SpillFactory } from "./spill.ts";
export type { StoredRange } from "./sparse.ts";
export { type DigestSummary, digestSummary } from "./summary.ts";
