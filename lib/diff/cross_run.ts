/**
 * The cross-run diff (expectation `same-program`): two cores of one program from two processes or
 * runs, aligned by what each mapping is rather than where it is. File mappings pair by NT_FILE path
 * and offset, special mappings by name, anonymous mappings by their neighbours (the named mappings
 * around them), then by equal distance to a neighbour, then by order. Each pair gets its address
 * shift; read-only file pages must match (else the file changed); writable and anonymous memory is
 * each run's own state and is summarised (size, resident pages), not judged.
 *
 * @module
 */

import type { CoreDigest } from "../digest/model.ts";
import { PF_X } from "../elf/constants.ts";
import { emptyTally } from "./page_map.ts";
import { type Mapping, mappingsOf } from "./mappings.ts";
import type { ReasonCode } from "./reasons.ts";
import type {
  AlignedMapping,
  Difference,
  PageRun,
  RangeDiff,
  RangeSide,
  RangeStatus,
  Reason,
} from "./model.ts";

const PAGE = 4096n;

/** The result of aligning two runs. */
export interface CrossRun {
  /** One range per pair or one-run-only mapping, at A's address (B's when only in B). */
  readonly ranges: RangeDiff[];
  /** Every pair with its shift. */
  readonly alignment: AlignedMapping[];
}

type Pair = { a?: Mapping; b?: Mapping };

/** Pairs anonymous mappings of one gap: equal distance to the lower or upper neighbour, then order. */
function pairGap(xs: Mapping[], ys: Mapping[], lo: [bigint, bigint], hi: [bigint, bigint]): Pair[] {
  const out: Pair[] = [];
  const used = new Set<Mapping>();
  const size = (m: Mapping) => m.end - m.start;
  for (const [base, fromTop] of [[lo, false], [hi, true]] as const) {
    const key = (m: Mapping, side: 0 | 1) =>
      `${fromTop ? base[side] - m.end : m.start - base[side]}:${size(m)}`;
    const index = new Map<string, Mapping[]>();
    for (const y of ys) {
      if (!used.has(y)) index.set(key(y, 1), [...(index.get(key(y, 1)) ?? []), y]);
    }
    for (const x of xs) {
      if (used.has(x)) continue;
      const y = index.get(key(x, 0))?.find((m) => !used.has(m));
      if (!y) continue;
      used.add(x).add(y);
      out.push({ a: x, b: y });
    }
  }
  const restX = xs.filter((m) => !used.has(m)), restY = ys.filter((m) => !used.has(m));
  for (let i = 0; i < Math.max(restX.length, restY.length); i++) {
    const a = restX[i], b = restY[i];
    out.push({ ...(a ? { a } : {}), ...(b ? { b } : {}) });
  }
  return out;
}

/** Groups each core's anonymous mappings by their paired neighbours (ids of the pairs around them). */
function gaps(ms: Mapping[], anchor: Map<Mapping, string>) {
  const groups = new Map<string, { list: Mapping[]; lo: bigint; hi: bigint }>();
  let lower = "", loEnd = 0n;
  const upper: { id: string; start: bigint }[] = new Array(ms.length);
  let next = { id: "", start: 0n };
  for (let i = ms.length - 1; i >= 0; i--) {
    upper[i] = next;
    const id = anchor.get(ms[i]!);
    if (id !== undefined) next = { id, start: ms[i]!.start };
  }
  ms.forEach((m, i) => {
    if (m.kind !== "anon") {
      const id = anchor.get(m);
      if (id !== undefined) [lower, loEnd] = [id, m.end];
      return;
    }
    const up = upper[i]!;
    const g = `${lower}|${up.id}`;
    const entry = groups.get(g) ?? { list: [], lo: loEnd, hi: up.start };
    entry.list.push(m);
    groups.set(g, entry);
  });
  return groups;
}

const baseName = (p: string) => p.slice(p.lastIndexOf("/") + 1).replace(/ \(deleted\)$/, "");

/** Keys by which unpaired file mappings pair next: build-id and offset (the same build under another name). */
const buildIdKeys = (ms: Mapping[]) =>
  numberedKeys(ms.filter((m) => m.buildId !== undefined), (m) => `${m.buildId}@${m.offset}`);

/** Keys by which unpaired file mappings pair last: file name (not directory) and offset. */
const looseKeys = (ms: Mapping[]) => numberedKeys(ms, (m) => `${baseName(m.path!)}@${m.offset}`);

/** Mappings by `key(m)`, numbered in order when several share one. */
function numberedKeys(ms: Mapping[], key: (m: Mapping) => string): Map<string, Mapping> {
  const out = new Map<string, Mapping>();
  const seen = new Map<string, number>();
  for (const m of ms) {
    const k = key(m);
    const n = (seen.get(k) ?? 0) + 1;
    seen.set(k, n);
    out.set(`${k}#${n}`, m);
  }
  return out;
}

/**
 * Pairs the mappings of two runs: named ones by key (path and offset, special name), then
 * remaining file mappings by build-id and offset (the same build under another path), then by file
 * name and offset (a rebuilt library in another directory), then anonymous ones within the gap
 * between the same two pairs.
 */
export function pairMappings(xs: Mapping[], ys: Mapping[]): Pair[] {
  const byKey = new Map(ys.filter((m) => m.kind !== "anon").map((m) => [m.key, m]));
  const pairs: Pair[] = [];
  const anchorA = new Map<Mapping, string>(), anchorB = new Map<Mapping, string>();
  const pair = (a: Mapping, b: Mapping) => {
    pairs.push({ a, b });
    anchorA.set(a, a.key);
    anchorB.set(b, a.key);
  };
  for (const a of xs) {
    const b = a.kind === "anon" ? undefined : byKey.get(a.key);
    if (b) pair(a, b);
  }
  for (const keys of [buildIdKeys, looseKeys]) {
    const restA = xs.filter((m) => m.kind === "file" && !anchorA.has(m));
    const restB = keys(ys.filter((m) => m.kind === "file" && !anchorB.has(m)));
    for (const [k, a] of keys(restA)) {
      const b = restB.get(k);
      if (b) pair(a, b);
    }
  }
  for (const a of xs) if (a.kind !== "anon" && !anchorA.has(a)) pairs.push({ a });
  for (const b of ys) if (b.kind !== "anon" && !anchorB.has(b)) pairs.push({ b });
  const ga = gaps(xs, anchorA), gb = gaps(ys, anchorB);
  for (const [g, x] of ga) {
    const y = gb.get(g);
    pairs.push(...pairGap(x.list, y?.list ?? [], [x.lo, y?.lo ?? 0n], [x.hi, y?.hi ?? 0n]));
  }
  for (const [g, y] of gb) if (!ga.has(g)) pairs.push(...y.list.map((b) => ({ b })));
  return pairs;
}

function side(m: Mapping | undefined): RangeSide {
  if (!m?.load) return { present: false, saved: 0n };
  const l = m.load;
  return {
    present: true,
    index: l.index,
    flags: l.flags,
    saved: l.filesz,
    segment: { vaddr: l.vaddr, filesz: l.filesz, memsz: l.memsz },
  };
}

const hashed = (m: Mapping | undefined) => m?.pages?.hashes.length ?? 0;
const resident = (m: Mapping | undefined) => m?.pages?.zero.filter((z) => z === 0).length ?? 0;

function comparePair(p: Pair, maxRuns: number) {
  const tally = emptyTally();
  const runs: PageRun[] = [];
  let runsTotal = 0;
  let run: PageRun | undefined;
  const close = () => {
    if (run && runs.length < maxRuns) runs.push(run);
    run = undefined;
  };
  const n = Math.max(hashed(p.a), hashed(p.b));
  const base = (p.a ?? p.b)!.start;
  // Each side's columns once (a segment's `hashes` and `zero` may be views made on every read).
  const hashesA = p.a?.pages?.hashes, hashesB = p.b?.pages?.hashes;
  const zeroA = p.a?.pages?.zero, zeroB = p.b?.pages?.zero;
  for (let i = 0; i < n; i++) {
    const ha = hashesA?.[i], hb = hashesB?.[i];
    const at = base + BigInt(i) * PAGE;
    if (ha !== undefined && hb !== undefined && ha !== hb) {
      tally.different++;
      if (run && run.end === at) run = { ...run, end: at + PAGE, pages: run.pages + 1 };
      else {
        close();
        runsTotal++;
        run = { start: at, end: at + PAGE, pages: 1 };
      }
      continue;
    }
    if (ha !== undefined && hb !== undefined) {
      tally.same++;
    } else if (ha !== undefined) {
      if (zeroA![i]) tally.zeroVsMissing++;
      else tally.onlyA++;
    } else if (hb !== undefined) {
      if (zeroB![i]) tally.zeroVsMissing++;
      else tally.onlyB++;
    }
  }
  close();
  const span = (p.a ?? p.b)!;
  tally.neither = Math.max(0, Number((span.end - span.start + PAGE - 1n) / PAGE) - n);
  return { tally, runs, runsTotal };
}

const reason = (code: ReasonCode, text: string): Reason => ({ code, text, certainty: "inferred" });

/** A read-only file mapping directly below a writable one of the same file: RELRO, relocated. */
function relroOf(ms: Mapping[]): Set<Mapping> {
  const out = new Set<Mapping>();
  for (let i = 0; i + 1 < ms.length; i++) {
    const m = ms[i]!, n = ms[i + 1]!;
    if (m.kind === "file" && !m.writable && n.writable && n.path === m.path && m.end === n.start) {
      out.add(m);
    }
  }
  return out;
}

/**
 * A read-only file mapping in two runs: differing pages are relocated RELRO, a debugger's
 * breakpoints in text, or a changed file.
 */
function fileDifferences(
  a: Mapping,
  b: Mapping,
  label: string,
  different: number,
  relro: Set<Mapping>,
  debugged: boolean,
): Difference[] {
  const sizeDiffers = a.end - a.start !== b.end - b.start;
  if (different === 0 && !sizeDiffers) return [];
  const flags = (a.load?.flags ?? 0) | (b.load?.flags ?? 0);
  const [r, expected] = relro.has(a) || relro.has(b)
    ? [
      reason(
        "cross-run.relocated",
        "relocated read-only data (RELRO) holds addresses (of libraries, the stack, the heap), which differ between runs",
      ),
      true,
    ]
    : debugged && (flags & PF_X) && !sizeDiffers
    ? [
      reason(
        "side-effect.debugger-breakpoint",
        "text pages differ where a debugger's breakpoints were written (copy-on-write after attach)",
      ),
      true,
    ]
    : [
      reason(
        "cross-run.file-changed",
        "read-only pages of a file mapping must be equal in two runs of one program: the file (library) changed between the runs",
      ),
      false,
    ];
  return [{
    kind: different > 0 ? "content" : "dumped-size",
    text: different > 0
      ? `${different} page(s) of ${label} differ between the runs`
      : `${label} is mapped with ${a.end - a.start} bytes in A, ${b.end - b.start} in B`,
    reasons: [r],
    expected,
    unexplained: false,
  }];
}

/**
 * Aligns and compares two runs of one program.
 *
 * @param a first core's digest
 * @param b second core's digest
 * @param maxRuns differing-page runs listed per range
 */
export function crossRunDiff(a: CoreDigest, b: CoreDigest, maxRuns = 16): CrossRun {
  const ma = mappingsOf(a), mb = mappingsOf(b);
  const relro = new Set([...relroOf(ma), ...relroOf(mb)]);
  const debugged = a.core.producer.producer === "gdb" || b.core.producer.producer === "gdb";
  const pairs = pairMappings(ma, mb);
  const ranges: RangeDiff[] = [];
  const alignment: AlignedMapping[] = [];
  for (const p of pairs) {
    const m = (p.a ?? p.b)!;
    const pc = comparePair(p, maxRuns);
    const sa = side(p.a), sb = side(p.b);
    const label = m.kind === "file"
      ? `${m.path}${m.offset ? ` +0x${m.offset.toString(16)}` : ""}`
      : m.name;
    const differences: Difference[] = [];
    let status: RangeStatus;
    if (!p.a || !p.b) {
      status = p.a ? "only-a" : "only-b";
      differences.push({
        kind: "presence",
        text: `${label} (${m.end - m.start} bytes) exists in run ${p.a ? "A" : "B"} only`,
        reasons: [
          reason(
            "cross-run.one-run-only",
            "each run maps what it needs: this mapping has no counterpart in the other run",
          ),
        ],
        expected: true,
        unexplained: false,
      });
    } else {
      const writable = p.a.writable || p.b.writable;
      const sizeDiffers = p.a.end - p.a.start !== p.b.end - p.b.start;
      status = pc.tally.different > 0
        ? "differs"
        : sa.saved === 0n && sb.saved === 0n
        ? "not-dumped"
        : sizeDiffers || sa.saved !== sb.saved
        ? "size-differs"
        : "same";
      if (p.a.kind === "file" && !writable) {
        differences.push(...fileDifferences(p.a, p.b, label, pc.tally.different, relro, debugged));
      }
      const shift = p.b.start - p.a.start;
      alignment.push({
        a: { start: p.a.start, end: p.a.end },
        b: { start: p.b.start, end: p.b.end },
        shift,
        name: label,
        kind: m.kind,
        writable,
        pages: {
          savedA: hashed(p.a),
          savedB: hashed(p.b),
          residentA: resident(p.a),
          residentB: resident(p.b),
          same: pc.tally.same,
          different: pc.tally.different,
        },
      });
    }
    ranges.push({
      start: m.start,
      end: m.end,
      name: m.kind === "anon" ? "" : m.name,
      a: sa,
      b: sb,
      status,
      pages: pc.tally,
      runs: pc.runs,
      runsTotal: pc.runsTotal,
      differences,
    });
  }
  ranges.sort((x, y) => (x.start < y.start ? -1 : x.start > y.start ? 1 : 0));
  alignment.sort((x, y) => (x.a.start < y.a.start ? -1 : x.a.start > y.a.start ? 1 : 0));
  return { ranges, alignment };
}
