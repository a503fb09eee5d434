/**
 * Whole-core figures of one producer's predictions ({@link sumTotals}).
 *
 * @module
 */

import type { ProducerPrediction, ProducerTotals } from "./types.ts";

/**
 * Sums one producer's predictions into whole-core figures.
 *
 * @param preds each distinct prediction with the number of mappings that have it
 * @param isGdb whether the producer is GDB (section headers; no hole estimate)
 * @returns the totals
 */
export function sumTotals(
  preds: readonly [ProducerPrediction, number][],
  isGdb: boolean,
): ProducerTotals {
  let loads = 0, bytes = 0, min = 0, max = 0, holes = 0, uncertain = 0;
  for (const [p, n] of preds) {
    if (p.emitted) loads += n;
    bytes += n * p.p_filesz;
    const sizes = (p.assumption?.outcomes ?? [p]).map((o) => o.p_filesz);
    min += n * Math.min(...sizes);
    max += n * Math.max(...sizes);
    holes += n * (p.pages?.holes ?? 0);
    if (p.assumption) uncertain += n;
  }
  const phnum = loads + 1;
  // GDB/BFD adds section headers: NULL, note0, one per load, .shstrtab.
  const headerBytes = 64 + 56 * phnum + (isGdb ? 64 * (loads + 3) : 0);
  return {
    loadSegments: loads,
    phnum,
    pnXnum: phnum >= 0xffff,
    memoryBytes: bytes,
    memoryBytesMin: min,
    memoryBytesMax: max,
    headerBytes,
    ...(isGdb ? {} : { holePages: holes }),
    uncertainMappings: uncertain,
  };
}
