/**
 * Fuzz targets shared by the robustness test (a few thousand cases per run) and `deno task fuzz`
 * (a million, time-boxed): every parser fed mutated real inputs. Property: only our `InputError`
 * escapes, and each case ends within a time bound.
 *
 * @module
 */

import assert from "node:assert/strict";
import { bytesSource } from "../lib/bytes/source.ts";
import { decodeDigest, encodeDigest } from "../lib/digest/codec.ts";
import { digestStream } from "../lib/digest/digest.ts";
import { digestPositional } from "../lib/digest/positional.ts";
import { memorySpill } from "../lib/digest/spill.ts";
import { parseCore } from "../lib/elf/core.ts";
import { InputError } from "../lib/errors.ts";
import { parseFilter } from "../lib/policy/filter.ts";
import { predict } from "../lib/policy/predict.ts";
import { parseSmaps } from "../lib/smaps/parse.ts";
import { createPageHasher } from "../wasm/mod.ts";
import { loadCore, readFixtureText } from "./_fixtures.ts";
import { mutate, Patch, type Rng } from "./_mutate.ts";

/** Most milliseconds one case may take (`COREDELTA_FUZZ_BOUND_MS` overrides). */
export const CASE_BOUND_MS = Number(Deno.env.get("COREDELTA_FUZZ_BOUND_MS") ?? 2000);
/** Cases slower than this are reported on stderr (`COREDELTA_FUZZ_SLOW_MS`, default off). */
const SLOW_MS = Number(Deno.env.get("COREDELTA_FUZZ_SLOW_MS") ?? Infinity);

/** A fuzz target: prepares its input once, then runs mutated cases. */
export interface Target {
  readonly name: string;
  /** Runs one mutated case; returns `ok` or `error` (an `InputError`). */
  run(rng: Rng): Promise<"ok" | "error">;
}

/** Where slow or failing inputs are written (`COREDELTA_FUZZ_DUMP_DIR`), to become regression fixtures. */
const DUMP_DIR = Deno.env.get("COREDELTA_FUZZ_DUMP_DIR");
let current: Uint8Array | undefined;

function dump(label: string): void {
  if (!DUMP_DIR || !current) return;
  const name = label.replace(/[^a-z0-9]+/gi, "_").slice(0, 80);
  Deno.writeFileSync(`${DUMP_DIR}/${name}.bin`, current);
}

async function outcome(label: string, f: () => Promise<unknown>): Promise<"ok" | "error"> {
  const t0 = performance.now();
  try {
    await f();
    return "ok";
  } catch (e) {
    if (!(e instanceof InputError)) {
      dump(label);
      throw new Error(`${label}: escaped ${e instanceof Error ? e.stack : e}`);
    }
    return "error";
  } finally {
    const ms = performance.now() - t0;
    if (ms > SLOW_MS) {
      console.error(`slow case (${ms.toFixed(0)} ms): ${label}`);
      dump(label);
    }
    assert.ok(ms < CASE_BOUND_MS, `${label}: took ${ms.toFixed(0)} ms`);
  }
}

/** Regions of a core the parsers read (header, tables, notes) plus a slice of page data. */
async function regions(bytes: Uint8Array): Promise<[number, number][]> {
  const core = await parseCore(bytesSource(bytes));
  const h = core.header;
  const out: [number, number][] = [[0, 64], [h.phoff, h.phoff + h.phnum * h.phentsize]];
  for (const s of core.segments) {
    if (s.type === 4) out.push([Number(s.offset), Number(s.offset + s.filesz)]);
  }
  if (h.shoff) out.push([h.shoff, Math.min(bytes.length, h.shoff + h.shnum * h.shentsize)]);
  return out;
}

/** The fuzz targets, built from the committed fixtures. */
export async function targets(): Promise<Target[]> {
  const out: Target[] = [];
  const hasher = createPageHasher();
  for (const producer of ["kernel", "gdb"]) {
    const bytes = loadCore("f023", producer);
    const where = await regions(bytes);
    const patch = new Patch(bytes);
    out.push({
      name: `digestStream(${producer} core)`,
      async run(rng) {
        const what: string[] = [];
        for (let k = 1 + rng.below(3); k > 0; k--) what.push(mutate(rng, patch, where));
        const cut = rng.below(10) === 0 ? rng.below(bytes.length) : bytes.length;
        const chunk = 512 + rng.below(1 << 16); // 1-byte chunking has its own tests
        const data = bytes.subarray(0, cut);
        current = DUMP_DIR ? data.slice() : undefined;
        try {
          return await outcome(`${producer} ${what.join("; ")} cut ${cut}`, () => {
            const parts: Uint8Array[] = [];
            for (let i = 0; i < data.length; i += chunk) parts.push(data.slice(i, i + chunk));
            return digestStream(ReadableStream.from(parts), hasher, {
              spill: memorySpill(64 << 20),
            });
          });
        } finally {
          patch.undo();
        }
      },
    });
  }
  for (const producer of ["kernel", "gdb"]) {
    // The same mutations through the positional digest (local files), with random data extents.
    const bytes = loadCore("f023", producer);
    const where = await regions(bytes);
    const patch = new Patch(bytes);
    out.push({
      name: `digestPositional(${producer} core)`,
      async run(rng) {
        const what: string[] = [];
        for (let k = 1 + rng.below(3); k > 0; k--) what.push(mutate(rng, patch, where));
        const cut = rng.below(10) === 0 ? rng.below(bytes.length) : bytes.length;
        const data = bytes.subarray(0, cut);
        const starts: number[] = [], ends: number[] = [];
        for (let at = 0; at < data.length;) {
          const hole = rng.below(4) * 4096, run = (1 + rng.below(8)) * 4096;
          starts.push(Math.min(data.length, at + hole));
          ends.push(Math.min(data.length, at + hole + run));
          at += hole + run;
        }
        const extents = rng.below(2) === 0
          ? undefined
          : { starts: Float64Array.from(starts), ends: Float64Array.from(ends) };
        try {
          return await outcome(
            `${producer} positional ${what.join("; ")} cut ${cut}`,
            () => digestPositional(bytesSource(data.slice()), hasher, { spilled: false }, extents),
          );
        } finally {
          patch.undo();
        }
      },
    });
  }
  const serialized = encodeDigest(
    await digestStream(ReadableStream.from([loadCore("f023", "kernel")]), hasher),
  );
  const dpatch = new Patch(serialized);
  out.push({
    name: "decodeDigest",
    async run(rng) {
      const what: string[] = [];
      for (let k = 1 + rng.below(3); k > 0; k--) {
        what.push(mutate(rng, dpatch, [[0, serialized.length]]));
      }
      const cut = rng.below(8) === 0 ? rng.below(serialized.length) : serialized.length;
      try {
        return await outcome(
          `digest ${what.join("; ")} cut ${cut}`,
          () => decodeDigest(serialized.subarray(0, cut)),
        );
      } finally {
        dpatch.undo();
      }
    },
  });
  const smaps = new TextEncoder().encode(readFixtureText("f033", "smaps.txt")!);
  const spatch = new Patch(smaps);
  out.push({
    name: "parseSmaps + predict",
    run(rng) {
      const what: string[] = [];
      for (let k = 1 + rng.below(4); k > 0; k--) {
        what.push(mutate(rng, spatch, [[0, smaps.length]]));
      }
      const cut = rng.below(6) === 0 ? rng.below(smaps.length) : smaps.length;
      const text = new TextDecoder().decode(smaps.subarray(0, cut));
      spatch.undo();
      return outcome(`smaps ${what.join("; ")} cut ${cut}`, () => {
        predict(parseSmaps(text).mappings, parseFilter("0x33").value);
        return Promise.resolve();
      });
    },
  });
  return out;
}
