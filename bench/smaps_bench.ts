/**
 * `deno bench` cases for the smaps parser on a synthetic 70,000-mapping smaps (about 50 MB, held
 * in memory: no file I/O): alike mappings (a guard page and a written page, alternating, as the
 * 70k-mapping pair of `bench/scale.ts` has), then every mapping with its own `Rss` (no two blocks
 * alike), each fed in 1 MiB chunks; and `predict` over the parsed table.
 *
 * ```sh
 * deno bench -A bench/smaps_bench.ts
 * ```
 *
 * @module
 */

import { predict } from "../lib/policy/predict.ts";
import { SmapsParser } from "../lib/smaps/stream.ts";
import { tableOf } from "../lib/smaps/table.ts";

const MAPPINGS = 70_000;
const KEYS = [
  "Size",
  "KernelPageSize",
  "MMUPageSize",
  "Rss",
  "Pss",
  "Pss_Dirty",
  "Shared_Clean",
  "Shared_Dirty",
  "Private_Clean",
  "Private_Dirty",
  "Referenced",
  "Anonymous",
  "KSM",
  "LazyFree",
  "AnonHugePages",
  "ShmemPmdMapped",
  "FilePmdMapped",
  "Shared_Hugetlb",
  "Private_Hugetlb",
  "Swap",
  "SwapPss",
  "Locked",
];

/** One mapping as the kernel prints it (`__show_smap` widths). */
function mapping(i: number, rssKiB: number): string {
  const start = 0x7e0000000000 + i * 0x2000;
  const written = rssKiB > 0;
  const head = `${start.toString(16)}-${(start + 0x1000).toString(16)} ${
    written ? "rw-p" : "---p"
  } 00000000 00:00 0`;
  const lines = [head.padEnd(73, " ")];
  for (const k of KEYS) {
    const v = k === "Size" || k.endsWith("PageSize")
      ? 4
      : ["Rss", "Pss", "Pss_Dirty", "Private_Dirty", "Referenced", "Anonymous"].includes(k)
      ? rssKiB
      : 0;
    lines.push(`${`${k}:`.padEnd(16, " ")}${String(v).padStart(8, " ")} kB`);
  }
  lines.push("THPeligible:           0", `VmFlags: ${written ? "rd wr " : ""}mr mw me ac `);
  return `${lines.join("\n")}\n`;
}

function smaps(rss: (i: number) => number): Uint8Array {
  const parts: string[] = [];
  for (let i = 0; i < MAPPINGS; i++) parts.push(mapping(i, rss(i)));
  return new TextEncoder().encode(parts.join(""));
}

const alike = smaps((i) => (i % 2 ? 4 : 0));
const distinct = smaps((i) => 4 + (i % 50_000));

function parse(bytes: Uint8Array) {
  const p = new SmapsParser();
  for (let at = 0; at < bytes.length; at += 1 << 20) p.push(bytes.subarray(at, at + (1 << 20)));
  return p.end();
}

const table = tableOf(parse(alike));

Deno.bench({
  name: `parse ${MAPPINGS} alike mappings (${(alike.length / 1e6).toFixed(0)} MB)`,
  group: "smaps",
  baseline: true,
  n: 10,
  warmup: 2,
  fn: () => void parse(alike),
});

Deno.bench({
  name: `parse ${MAPPINGS} mappings, each with its own Rss`,
  group: "smaps",
  n: 10,
  warmup: 2,
  fn: () => void parse(distinct),
});

Deno.bench({
  name: `predict ${MAPPINGS} mappings (table, both producers, 0x33)`,
  group: "smaps",
  n: 10,
  warmup: 2,
  fn: () => void predict(table, 0x33).totals,
});
