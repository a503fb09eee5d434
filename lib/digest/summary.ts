/**
 * A digest's summary for people, CI logs and the API: counts and hashes only, never page contents.
 *
 * @module
 */

import { hex } from "../bytes/hex.ts";
import type { Producer } from "../elf/producer.ts";
import { type ModuleJson, modulesToJson } from "./modules.ts";
import { type CoreDigest, type DigestMeta, type PageCounts, pageCounts } from "./model.ts";

/** Summary of one digest (what `coredelta digest` prints and `PUT /v1/cores` answers). */
export interface DigestSummary {
  /** Digest format version. */
  readonly formatVersion: number;
  /** Size of the (decompressed) core in bytes. */
  readonly size: number;
  /** The core's identity (XXH3-64 of its tables and page hashes), `0x` and 16 hex digits. */
  readonly fileHash: string;
  /** SHA-256 of the WASM kernel that hashed the pages. */
  readonly kernelSha256: string;
  /** Which program wrote the core. */
  readonly producer: Producer | "unknown";
  /** Number of PT_LOAD segments. */
  readonly loads: number;
  /** Page counts over all PT_LOADs. */
  readonly pages: PageCounts;
  /** Whether the file ends before the data its headers describe. */
  readonly truncated: boolean;
  /** What was odd but readable (garbage after the last note, what a non-Linux core is). */
  readonly warnings?: string[];
  /** How the digest was made. */
  readonly meta: DigestMeta;
  /** ELF modules with build-ids (absent for digests made before module lists). */
  readonly modules?: readonly ModuleJson[];
}

/**
 * Summarises a digest.
 *
 * @param d the digest
 */
export function digestSummary(d: CoreDigest): DigestSummary {
  const pages = { saved: 0, hashed: 0, truncated: 0, unsaved: 0, zero: 0, holes: 0 };
  let i = 0;
  for (const s of d.segments) {
    const load = d.core.loads.at(i++)!;
    const c = pageCounts(s, load.filesz, load.memsz);
    for (const k of Object.keys(pages) as (keyof PageCounts)[]) pages[k] += c[k];
  }
  return {
    formatVersion: d.formatVersion,
    size: d.size,
    fileHash: hex(d.fileHash, 16),
    kernelSha256: d.kernelSha256,
    producer: d.core.producer.producer,
    loads: d.core.loads.length,
    pages,
    truncated: d.core.truncated,
    ...(d.core.warnings.length > 0 ? { warnings: d.core.warnings } : {}),
    meta: summaryMeta(d.meta),
    ...(d.modules ? { modules: modulesToJson(d.modules) } : {}),
  };
}

/** How the digest was made, without a stored minimal digest's register hashes. */
function summaryMeta(meta: DigestMeta): DigestMeta {
  const { minimal: _, ...rest } = meta as DigestMeta & { minimal?: unknown };
  return rest;
}
