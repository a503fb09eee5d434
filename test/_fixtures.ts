/**
 * Access to the committed real-core fixtures (`test/fixtures/cores/<set>/`): listing sets, loading
 * cores (gunzipped in memory), and reading the golden text files beside them.
 *
 * @module
 */

import { gunzipSync } from "node:zlib";

/** Directory holding the fixture sets. */
export const FIXTURE_DIR: string = new URL("./fixtures/cores/", import.meta.url).pathname;

/** Names of the fixture sets that hold a kernel and a gdb core (f023, f033, ...). */
export function pairSets(): string[] {
  const out: string[] = [];
  for (const e of Deno.readDirSync(FIXTURE_DIR)) {
    if (!e.isDirectory) continue;
    try {
      Deno.statSync(`${FIXTURE_DIR}${e.name}/kernel.core.gz`);
      Deno.statSync(`${FIXTURE_DIR}${e.name}/gdb.core.gz`);
      out.push(e.name);
    } catch {
      // not a kernel/gdb pair
    }
  }
  return out.sort();
}

/** Every (set, core name) pair that has a core file, e.g. `["f033", "kernel"]`, `["changed", "a"]`. */
export function allCores(): [string, string][] {
  const out: [string, string][] = [];
  for (const e of Deno.readDirSync(FIXTURE_DIR)) {
    if (!e.isDirectory) continue;
    for (const f of Deno.readDirSync(`${FIXTURE_DIR}${e.name}`)) {
      const m = f.name.match(/^(.+)\.core\.gz$/);
      if (m) out.push([e.name, m[1]!]);
    }
  }
  return out.sort((a, b) => a.join("/").localeCompare(b.join("/")));
}

/** Path of a fixture file. */
export function fixturePath(set: string, file: string): string {
  return `${FIXTURE_DIR}${set}/${file}`;
}

/** The decompressed bytes of `<set>/<name>.core.gz`. */
export function loadCore(set: string, name: string): Uint8Array {
  return new Uint8Array(gunzipSync(Deno.readFileSync(fixturePath(set, `${name}.core.gz`))));
}

/** A text file of a set, or undefined when it does not exist. */
export function readFixtureText(set: string, file: string): string | undefined {
  try {
    return Deno.readTextFileSync(fixturePath(set, file));
  } catch {
    return undefined;
  }
}

/** One mapping of a fixture's manifest. */
export interface ManifestMapping {
  label: string;
  start: string;
  end: string;
  pages: number;
  perms: string;
  kind: string;
  name: string;
}

/** The manifest written by `make_fixtures.sh`. */
export interface Manifest {
  pid: number;
  argv: string[];
  threads: { name: string; tid: number }[];
  mappings: ManifestMapping[];
  marker: { label: string; text: string };
  mutable: { label: string; changed_page: number };
}

/** The parsed manifest of a set. */
export function manifest(set: string): Manifest {
  return JSON.parse(Deno.readTextFileSync(fixturePath(set, "manifest.json")));
}
