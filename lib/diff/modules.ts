/**
 * Comparing the ELF modules of two cores: the same path with a different build-id is a difference
 * of its own (`module.build-id-differs`), and a module whose path is not mapped in the other core
 * at all is listed (`module.only-in-one-core`).
 *
 * Only what both cores can say is compared: a module whose header page is missing from one core
 * (no `elf-headers` bit, or a GDB that does not save it) has no build-id there, so nothing is
 * claimed about it; a path the other core maps but without a readable header is not "only in one",
 * and nothing is "only in one" when the other core has no NT_FILE at all.
 *
 * @module
 */

import type { CoreDigest } from "../digest/model.ts";
import type { Module } from "../digest/modules.ts";
import type { Difference } from "./model.ts";

function mappedPaths(d: CoreDigest): Set<string> {
  const paths = new Set((d.core.files?.entries ?? []).map((e) => e.name));
  for (const m of d.modules ?? []) paths.add(m.path);
  return paths;
}

function byPath(modules: readonly Module[]): Map<string, Module> {
  const out = new Map<string, Module>();
  for (const m of modules) if (!out.has(m.path)) out.set(m.path, m);
  return out;
}

/**
 * The module differences between two digests (none when either digest predates module lists).
 *
 * @param a core A
 * @param b core B
 */
export function diffModules(a: CoreDigest, b: CoreDigest): Difference[] {
  if (!a.modules || !b.modules) return [];
  const ma = byPath(a.modules), mb = byPath(b.modules);
  const out: Difference[] = [];
  for (const [path, x] of ma) {
    const y = mb.get(path);
    if (y?.buildId && x.buildId && x.buildId !== y.buildId) {
      out.push({
        kind: "module",
        text: `module ${path}: build-id ${x.buildId} in A, ${y.buildId} in B`,
        reasons: [{
          code: "module.build-id-differs",
          text: "a different build of this file was mapped in each process",
          certainty: "known",
        }],
        expected: false,
        unexplained: false,
      });
    }
  }
  const only = (
    from: Map<string, Module>,
    other: CoreDigest,
    side: "A" | "B",
    otherSide: "A" | "B",
  ) => {
    // Without NT_FILE (the kernel leaves it out past its size cap) the other core names no path.
    if (!other.core.files) return;
    const mapped = mappedPaths(other);
    for (const [path, m] of from) {
      if (m.buildIdSource !== "core" || !path.startsWith("/") || mapped.has(path)) continue;
      out.push({
        kind: "module",
        text: `module ${path}${m.buildId ? ` (build-id ${m.buildId})` : ""} only in ${side}`,
        reasons: [{
          code: "module.only-in-one-core",
          text: `the file is not mapped in ${otherSide}: loaded or unloaded between the dumps`,
          certainty: "inferred",
        }],
        expected: false,
        unexplained: false,
      });
    }
  };
  only(ma, b, "A", "B");
  only(mb, a, "B", "A");
  return out;
}
