/**
 * The ELF modules of a process (executable, libraries, vDSO) with the build-id of each, read from
 * the core in the digest's one pass: a {@link ModuleScanner} is fed the first page of every
 * `PT_LOAD` as it streams by and keeps only what the ELF header says (a few numbers and the id).
 *
 * Which segments start a module follows elfutils (`dwfl_segment_report_module`, what
 * `eu-unstrip -n --core` prints): in address order, a segment whose saved bytes begin with an ELF
 * header starts a module spanning its `PT_LOAD`s; segments starting inside a module found earlier
 * are part of it. Files of `NT_FILE` that were mapped executable but whose header page is not in
 * the core are listed too, saying why (`missing-page`: the filter had no `elf-headers` bit, or
 * GDB did not save it; `not-elf`: the page is saved and is not an ELF header).
 *
 * @module
 */

import { hex } from "../bytes/hex.ts";
import type { Rows } from "../bytes/rows.ts";
import type { ByteSource } from "../bytes/source.ts";
import { isElfMagic, parseElfImage } from "../elf/build_id.ts";
import type { CoreFile } from "../elf/core.ts";
import { PF_X } from "../elf/constants.ts";
import type { FileEntry } from "../elf/nt_file.ts";
import type { Segment } from "../elf/program_header.ts";
import { byAddress as loadsByAddress, loadAt } from "../elf/by_address.ts";

/** Where a module's build-id came from. */
export type BuildIdSource = "core" | "missing-page" | "not-elf";

/** One ELF module of the process. */
export interface Module {
  /** Path from `NT_FILE`; `[vdso]` for the vDSO; `[unnamed]` when no file is recorded there. */
  readonly path: string;
  /** Load address (start of the mapping holding the ELF header). */
  readonly start: bigint;
  /** End of the module's `PT_LOAD`s (load bias + highest `p_vaddr + p_memsz`). */
  readonly end: bigint;
  /** The `NT_GNU_BUILD_ID`, lower-case hex, when the core holds it. */
  readonly buildId?: string;
  /** `core`: read from the saved first page; `missing-page`: that page is not in the core; `not-elf`: it is saved and is not ELF. */
  readonly buildIdSource: BuildIdSource;
}

const PAGE = 4096;
/** Most ELF images remembered per core (each a few numbers). */
export const MAX_MODULES = 65536;
const AT_SYSINFO_EHDR = 33;
const AT_ENTRY = 9;

interface Found {
  readonly firstVaddr: bigint;
  readonly endVaddr: bigint;
  readonly buildId?: string;
  readonly complete: boolean;
}

/**
 * Collects the first page of each `PT_LOAD` while a core streams by and keeps the ELF facts of
 * those that begin with an ELF header. Memory: one page in progress plus a few numbers per module.
 */
export class ModuleScanner {
  #index = -1;
  #page = new Uint8Array(PAGE);
  #fill = 0;
  #want = 0;
  readonly #found = new Map<number, Found>();

  /**
   * Feeds bytes of a segment's saved data.
   *
   * @param seg the `PT_LOAD`
   * @param at offset of `bytes` within the segment's saved data
   * @param bytes the bytes (only those within the first page are looked at)
   */
  feed(seg: Segment, at: number, bytes: Uint8Array): void {
    if (at >= PAGE) return;
    if (seg.index !== this.#index) {
      this.#done();
      if (at !== 0 || this.#found.size >= MAX_MODULES) return;
      this.#index = seg.index;
      this.#fill = 0;
      this.#want = Number(seg.filesz < BigInt(PAGE) ? seg.filesz : BigInt(PAGE));
    }
    if (this.#index < 0 || at !== this.#fill) return;
    const n = Math.min(bytes.length, this.#want - this.#fill);
    this.#page.set(bytes.subarray(0, n), this.#fill);
    this.#fill += n;
    if (this.#fill >= 4 && !isElfMagic(this.#page.subarray(0, 4))) this.#index = -1;
    else if (this.#fill === this.#want) this.#done();
  }

  /** Parses the page in progress, if any (also when the file ended inside it). */
  #done(): void {
    if (this.#index < 0) return;
    const img = parseElfImage(this.#page.subarray(0, this.#fill));
    if (img) {
      this.#found.set(this.#index, {
        firstVaddr: img.firstVaddr,
        endVaddr: img.endVaddr,
        ...(img.buildId ? { buildId: img.buildId } : {}),
        complete: !img.headersBeyond && !img.notesBeyond,
      });
    }
    this.#index = -1;
  }

  /**
   * The module list, once the core's headers and notes are parsed.
   *
   * @param core the parsed core (program headers, `NT_FILE`, auxv)
   */
  modules(core: CoreFile): Module[] {
    this.#done();
    return listModules(core, this.#found);
  }
}

function byAddress<T extends { start: bigint }>(x: T, y: T): number {
  return x.start < y.start ? -1 : x.start > y.start ? 1 : 0;
}

function alignUp(v: bigint): bigint {
  return (v + BigInt(PAGE - 1)) & ~BigInt(PAGE - 1);
}

/**
 * Whether a file's mappings look like a loaded ELF object: one of them is executable, or (for a
 * gcore, which leaves unsaved mappings out, so their permissions are unknown) the offset-0 mapping
 * has no segment and the file is also mapped at another offset, as the loader maps segments.
 */
function looksLikeElf(list: readonly FileEntry[], loads: Rows<Segment>): boolean {
  if (list.some((e) => ((loadAt(loads, e.start)?.flags ?? 0) & PF_X) !== 0)) return true;
  return list.some((e) => e.offset === 0n && !loadAt(loads, e.start)) &&
    list.some((e) => e.offset !== 0n);
}

function listModules(core: CoreFile, found: ReadonlyMap<number, Found>): Module[] {
  const loads = loadsByAddress(core.loads);
  const entries = core.files?.entries ?? [];
  const nameAt = new Map<bigint, string>();
  for (const e of entries) if (e.offset === 0n && !nameAt.has(e.start)) nameAt.set(e.start, e.name);
  const vdso = core.auxv?.find((a) => a.type === AT_SYSINFO_EHDR)?.value;
  const out: Module[] = [];
  let covered = 0n;
  for (const l of loads) {
    if (l.vaddr < covered) continue;
    const f = found.get(l.index);
    if (!f) continue;
    const end = f.endVaddr > f.firstVaddr ? l.vaddr - f.firstVaddr + f.endVaddr : l.vaddr + l.memsz;
    const path = nameAt.get(l.vaddr) ?? (l.vaddr === vdso ? "[vdso]" : "[unnamed]");
    out.push({
      path,
      start: l.vaddr,
      end,
      ...(f.buildId ? { buildId: f.buildId } : {}),
      buildIdSource: f.buildId || f.complete ? "core" : "missing-page",
    });
    covered = alignUp(end);
  }
  // Files mapped executable whose header page is not in the core (or is not ELF).
  const ranges = out.map((m) => [m.start, alignUp(m.end)] as const);
  const inModule = (a: bigint) => ranges.some(([s, e]) => a >= s && a < e);
  const named = new Set(out.map((m) => m.path));
  const byName = new Map<string, typeof entries>();
  for (const e of entries) {
    if (named.has(e.name)) continue;
    const list = byName.get(e.name) ?? [];
    list.push(e);
    byName.set(e.name, list);
  }
  for (const [path, list] of byName) {
    if (list.some((e) => inModule(e.start)) || !looksLikeElf(list, loads)) continue;
    const head = list.find((e) => e.offset === 0n);
    const headLoad = head ? loadAt(loads, head.start) : undefined;
    const saved = headLoad !== undefined && headLoad.available > 0n;
    out.push({
      path,
      start: list.reduce((m, e) => (e.start < m ? e.start : m), list[0]!.start),
      end: list.reduce((m, e) => (e.end > m ? e.end : m), list[0]!.end),
      buildIdSource: saved ? "not-elf" : "missing-page",
    });
  }
  return out.sort(byAddress);
}

/** A module as JSON: addresses as `0x…` strings (CONTRACTS item 4). */
export interface ModuleJson {
  /** {@link Module.path}. */
  readonly path: string;
  /** Load address, hex. */
  readonly start: string;
  /** End address, hex. */
  readonly end: string;
  /** {@link Module.buildId}. */
  readonly buildId?: string;
  /** {@link Module.buildIdSource}. */
  readonly buildIdSource: BuildIdSource;
}

/** Converts modules to their JSON shape. */
export function modulesToJson(modules: readonly Module[]): ModuleJson[] {
  return modules.map((m) => ({
    path: m.path,
    start: hex(m.start),
    end: hex(m.end),
    ...(m.buildId ? { buildId: m.buildId } : {}),
    buildIdSource: m.buildIdSource,
  }));
}

const SOURCES: readonly string[] = ["core", "missing-page", "not-elf"];

/**
 * Reads modules back from their JSON shape, checking every field.
 *
 * @throws {TypeError} naming the field that is wrong
 */
export function modulesFromJson(value: unknown): Module[] {
  if (!Array.isArray(value)) throw new TypeError("modules is not an array");
  return value.map((m, i) => {
    const at = `modules[${i}]`;
    if (typeof m !== "object" || m === null) throw new TypeError(`${at} is not an object`);
    const { path, start, end, buildId, buildIdSource } = m as Record<string, unknown>;
    if (typeof path !== "string") throw new TypeError(`${at}.path is not a string`);
    for (const [k, v] of [["start", start], ["end", end]] as const) {
      if (typeof v !== "string" || !/^0x[0-9a-f]{1,16}$/.test(v)) {
        throw new TypeError(`${at}.${k} is not a hex address`);
      }
    }
    if (buildId !== undefined && (typeof buildId !== "string" || !/^[0-9a-f]+$/.test(buildId))) {
      throw new TypeError(`${at}.buildId is not hex`);
    }
    if (typeof buildIdSource !== "string" || !SOURCES.includes(buildIdSource)) {
      throw new TypeError(`${at}.buildIdSource is not one of ${SOURCES.join(", ")}`);
    }
    return {
      path,
      start: BigInt(start as string),
      end: BigInt(end as string),
      ...(buildId ? { buildId: buildId as string } : {}),
      buildIdSource: buildIdSource as BuildIdSource,
    };
  });
}

/**
 * Reads the modules of a core held in a random-access source (for `inspect` of a file): the first
 * page of each `PT_LOAD` with saved data, nothing else.
 *
 * @param src the core
 * @param core the core parsed from `src`
 */
export async function scanModules(src: ByteSource, core: CoreFile): Promise<Module[]> {
  const scanner = new ModuleScanner();
  for (const l of core.loads) {
    if (l.available === 0n) continue;
    const n = l.available < BigInt(PAGE) ? Number(l.available) : PAGE;
    scanner.feed(l, 0, (await src.read(Number(l.offset), n)).slice());
  }
  return scanner.modules(core);
}

/**
 * The executable's module: the one holding the entry point (`AT_ENTRY` of the auxiliary vector).
 *
 * @param modules the core's modules
 * @param core the parsed core
 */
export function executableModule(modules: readonly Module[], core: CoreFile): Module | undefined {
  const entry = core.auxv?.find((a) => a.type === AT_ENTRY)?.value;
  if (entry === undefined) return undefined;
  return modules.find((m) => m.start <= entry && entry < m.end && m.path.startsWith("/"));
}
