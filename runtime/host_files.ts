/**
 * Finding a core's modules on this host (or under a sysroot) and checking each file's build-id
 * against the one the core recorded; also the separate debug file in the `.build-id/xx/yyyy.debug`
 * layout that gdb and debuginfod use. Reads only ELF headers and notes of each file; a path that
 * is not {@link isSafePath} is never looked up (reported missing).
 *
 * @module
 */

import { readFileBuildId } from "../lib/elf/build_id.ts";
import type { Module } from "../lib/digest/modules.ts";
import { fileSource } from "./files.ts";

/** How a file on this host compares with the build the core recorded. */
export type FileStatus =
  | "match"
  | "different-build"
  | "missing"
  | "no-build-id"
  | "in-core";

/** A file looked up on this host. */
export interface HostFile {
  /** Where it was looked for. */
  readonly path: string;
  /** The comparison. */
  readonly status: FileStatus;
  /** Build-id of the file found (absent when missing or when it has none). */
  readonly buildId?: string;
}

/** One module of the core checked against this host. */
export interface ModuleCheck {
  /** The module as the core recorded it. */
  readonly module: Module;
  /**
   * `match`, `different-build` (both ids shown), `missing` (no file there), `no-build-id` (the core
   * does not hold the module's build-id, so the file cannot be checked), `in-core` (the vDSO: the
   * core holds the whole image, no file is needed).
   */
  readonly status: FileStatus;
  /** The file that was checked (absent for `in-core`). */
  readonly file?: HostFile;
  /** The separate debug file by build-id, when the core holds the build-id. */
  readonly debug?: HostFile;
}

/** Where to look. */
export interface LookupOptions {
  /** Prefix for every module path (like gdb's `set sysroot`). */
  readonly sysroot?: string;
  /** Debug file directory holding `.build-id/` (default `<sysroot>/usr/lib/debug`). */
  readonly debugDir?: string;
  /** The executable to use instead of the module's recorded path. */
  readonly exe?: { readonly module: Module; readonly path: string };
}

/** Build-id of the file at `path`: string, undefined (ELF without one), null (not ELF or absent). */
async function buildIdOf(
  path: string,
): Promise<{ exists: boolean; id: string | undefined | null }> {
  let src;
  try {
    const st = await Deno.stat(path);
    if (!st.isFile) return { exists: false, id: null };
    src = await fileSource(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.PermissionDenied) {
      return { exists: false, id: null };
    }
    throw e;
  }
  try {
    return { exists: true, id: await readFileBuildId(src) };
  } finally {
    src.close();
  }
}

async function check(path: string, want: string | undefined): Promise<HostFile> {
  const { exists, id } = await buildIdOf(path);
  if (!exists) return { path, status: "missing" };
  const found = id ? { buildId: id } : {};
  if (want === undefined) return { path, status: "no-build-id", ...found };
  return { path, status: id === want ? "match" : "different-build", ...found };
}

/** `DIR/.build-id/xx/yyyy.debug` for a build-id. */
export function debugFilePath(debugDir: string, buildId: string): string {
  return `${debugDir}/.build-id/${buildId.slice(0, 2)}/${buildId.slice(2)}.debug`;
}

/**
 * Whether a module path from a core may be looked up and archived: absolute, without `.` or `..`
 * segments and without control characters (a crafted NT_FILE name must neither escape the sysroot
 * or the archive root nor inject a line into `gdb.init`).
 */
export function isSafePath(path: string): boolean {
  if (!path.startsWith("/")) return false;
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return false;
  }
  return !path.split("/").some((seg) => seg === "." || seg === "..");
}

/** The host path of a module path under an optional sysroot. */
export function hostPath(path: string, sysroot?: string): string {
  return sysroot ? `${sysroot.replace(/\/+$/, "")}${path}` : path;
}

/**
 * Checks every module of a core against the files of this host.
 *
 * @param modules the core's modules
 * @param options sysroot, debug directory, executable override
 */
export async function checkModules(
  modules: readonly Module[],
  options: LookupOptions = {},
): Promise<ModuleCheck[]> {
  const debugDir = options.debugDir ?? hostPath("/usr/lib/debug", options.sysroot);
  const out: ModuleCheck[] = [];
  for (const m of modules) {
    if (!m.path.startsWith("/")) {
      out.push({ module: m, status: m.buildIdSource === "core" ? "in-core" : "missing" });
      continue;
    }
    if (!isSafePath(m.path)) {
      out.push({ module: m, status: "missing", file: { path: m.path, status: "missing" } });
      continue;
    }
    const path = options.exe?.module === m ? options.exe.path : hostPath(m.path, options.sysroot);
    const file = await check(path, m.buildId);
    const debug = m.buildId
      ? await check(debugFilePath(debugDir, m.buildId), m.buildId)
      : undefined;
    out.push({ module: m, status: file.status, file, ...(debug ? { debug } : {}) });
  }
  return out;
}
