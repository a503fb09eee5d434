/**
 * Reads a live process the way both core producers will see it: `/proc/PID/smaps`, `maps`,
 * `coredump_filter`, the executable, and the facts smaps cannot show, resolved from the process
 * itself so a prediction has no assumptions left:
 *
 * - exec bit (`i_mode & 0111`) and link count (`i_nlink`) of every mapped file, by `stat` of
 *   `/proc/PID/map_files/START-END` (the mapped inode itself, even when unlinked or renamed);
 * - `\x7fELF` magic of a mapping's first bytes, by reading `/proc/PID/mem` where the rules ask
 *   (private mappings at offset 0) and the read cannot change what is dumped (file pages, or
 *   anonymous memory that already has pages).
 *
 * Errors name the process and the fix: {@link ProcessError}.
 *
 * @module
 */

import { InputError } from "../lib/errors.ts";
import type { MappingHints } from "../lib/policy/facts.ts";
import { parseSmaps, type SmapsDocument, type SmapsMapping } from "../lib/smaps/parse.ts";

/** A live process that cannot be read (missing, not permitted, kernel without a file). */
export class ProcessError extends InputError {
  /**
   * Creates the error.
   *
   * @param code `process-missing`, `process-permission`, `process-no-map-files`, `process-changed`
   * @param message what failed and how to fix it
   */
  constructor(code: string, message: string) {
    super(code, message);
  }
}

/** One mapping's facts as read from the live process (JSON-ready; saved as `facts.json`). */
export interface LiveFact {
  /** Start address, `0x…`. */
  readonly start: string;
  /** End address, `0x…`. */
  readonly end: string;
  /** Name as in smaps. */
  readonly name: string;
  /** File mode of the mapped inode, octal (`"0755"`), from map_files. */
  readonly mode?: string;
  /** Link count of the mapped inode, from map_files. */
  readonly nlink?: number;
  /** Whether the mapping's first 4 bytes are `\x7fELF`, from `/proc/PID/mem`. */
  readonly elfMagic?: boolean;
}

/** Everything read from one live process. */
export interface LiveProcess {
  /** The process ID. */
  readonly pid: number;
  /** `/proc/PID/smaps` text. */
  readonly smaps: string;
  /** The same, parsed (what the analysis context takes, so it is not parsed twice). */
  readonly document?: SmapsDocument;
  /** `/proc/PID/maps` text. */
  readonly maps: string;
  /** `/proc/PID/coredump_filter` as printed (`00000033`). */
  readonly filter: string;
  /** Target of `/proc/PID/exe` (may end in ` (deleted)`), or `null` if unreadable. */
  readonly executable: string | null;
  /** Facts per mapping, in address order (mappings with nothing to resolve are left out). */
  readonly facts: readonly LiveFact[];
  /** The same facts as `predict` hints, by start address. */
  readonly hints: ReadonlyMap<bigint, MappingHints>;
  /** What could not be resolved (only with {@link LiveOptions.byPath}). */
  readonly warnings: readonly string[];
}

/** Options of {@link readLiveProcess}. */
export interface LiveOptions {
  /** Root of the proc file system (default `/proc`; tests point it at a fake tree). */
  readonly procRoot?: string;
  /**
   * When `map_files` is missing or not permitted (a container without CAP_CHECKPOINT_RESTORE),
   * stat the mapped path instead where its device and inode match smaps, leave the rest to
   * inference and list them in `warnings` (default: throw).
   */
  readonly byPath?: boolean;
}

/** `st_dev` as Linux encodes `MAJ:MIN` (`new_encode_dev`). */
function encodeDev(dev: string): number | undefined {
  const m = dev.match(/^([0-9a-f]+):([0-9a-f]+)$/i);
  if (!m) return undefined;
  const major = parseInt(m[1]!, 16), minor = parseInt(m[2]!, 16);
  return (minor & 0xff) | (major << 8) | ((minor & ~0xff) << 12);
}

/** Mode and link count of the inode behind `m`, by its path when device and inode match. */
async function statByPath(m: SmapsMapping): Promise<Deno.FileInfo | undefined> {
  if (!m.name.startsWith("/")) return undefined;
  for (const path of [m.name, m.name.replace(/ \(deleted\)$/, "")]) {
    try {
      const st = await Deno.stat(path);
      if (st.ino !== null && BigInt(st.ino) === m.inode && st.dev === encodeDev(m.dev)) return st;
    } catch {
      // not reachable by this name
    }
  }
  return undefined;
}

const hex = (n: bigint) => n.toString(16);

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Turns a file error on `/proc/PID/...` into a {@link ProcessError} naming the fix. */
function fail(pid: number, what: string, e: unknown, procRoot: string): never {
  if (e instanceof Deno.errors.NotFound && !exists(`${procRoot}/${pid}`)) {
    throw new ProcessError(
      "process-missing",
      `No process ${pid}: it has exited, or it lives in another PID namespace (run coredelta in the process's namespace)`,
    );
  }
  if (e instanceof Deno.errors.PermissionDenied) {
    throw new ProcessError(
      "process-permission",
      `No permission to read ${what} of process ${pid}: run as the process's user or root (ptrace access mode read is needed; with kernel.yama.ptrace_scope >= 1 or in a container, root or CAP_SYS_PTRACE)`,
    );
  }
  if (e instanceof Deno.errors.NotFound) {
    throw new ProcessError(
      "process-changed",
      `${what} vanished while process ${pid} was read (it changed its mappings): retry when it is idle`,
    );
  }
  throw e;
}

async function readProcText(pid: number, file: string, procRoot: string): Promise<string> {
  try {
    return await Deno.readTextFile(`${procRoot}/${pid}/${file}`);
  } catch (e) {
    fail(pid, `/proc/${pid}/${file}`, e, procRoot);
  }
}

/** Whether the rules read the first bytes of `m` (private, offset 0) and a read cannot alter it. */
function wantsMagic(m: SmapsMapping): boolean {
  if (m.mayShare || m.offset !== 0n) return false;
  if (m.vmFlags?.has("io") || m.vmFlags?.has("pf") || m.name === "[vsyscall]") return false;
  if (m.inode !== 0n) return true;
  // Anonymous: a read of a missing page could map the (huge) zero page and give the VMA an
  // anon_vma, which changes the kernel's decision. Read only when pages already exist.
  return (m.fields.Anonymous ?? 0) > 0;
}

async function readMagic(mem: Deno.FsFile, start: bigint): Promise<boolean | undefined> {
  try {
    await mem.seek(start, Deno.SeekMode.Start);
    const buf = new Uint8Array(4);
    let got = 0;
    while (got < 4) {
      const n = await mem.read(buf.subarray(got));
      if (n === null) return undefined;
      got += n;
    }
    return buf[0] === 0x7f && buf[1] === 0x45 && buf[2] === 0x4c && buf[3] === 0x46;
  } catch {
    return undefined;
  }
}

/**
 * Reads `pid`'s smaps, maps, filter, executable and resolves exec bits, link counts and ELF magic.
 *
 * @param pid the process
 * @param options `procRoot` for tests
 * @returns the texts and facts
 * @throws {ProcessError} missing process, no permission, no `map_files`
 */
export async function readLiveProcess(
  pid: number,
  options: LiveOptions = {},
): Promise<LiveProcess> {
  const procRoot = options.procRoot ?? "/proc";
  if (!Number.isInteger(pid) || pid <= 0) {
    throw new ProcessError("process-missing", `Bad PID ${pid}: expected a positive integer`);
  }
  const smaps = await readProcText(pid, "smaps", procRoot);
  const maps = await readProcText(pid, "maps", procRoot);
  const filter = (await readProcText(pid, "coredump_filter", procRoot)).trim();
  let executable: string | null = null;
  try {
    executable = await Deno.readLink(`${procRoot}/${pid}/exe`);
  } catch {
    executable = null; // kernel threads and zombies have none; predictions then guess
  }
  const document = parseSmaps(smaps);
  const { mappings } = document;
  if (mappings.length === 0) {
    throw new ProcessError(
      "process-missing",
      `Process ${pid} has no mappings (a kernel thread, or it is exiting)`,
    );
  }
  const mapFiles = `${procRoot}/${pid}/map_files`;
  let viaMapFiles = true;
  const warnings: string[] = [];
  try {
    await Deno.stat(mapFiles);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound && exists(`${procRoot}/${pid}`)) {
      if (!options.byPath) {
        throw new ProcessError(
          "process-no-map-files",
          `This kernel has no /proc/PID/map_files (CONFIG_CHECKPOINT_RESTORE off): file modes and link counts cannot be read; use predict --smaps with --hints`,
        );
      }
      viaMapFiles = false;
    } else fail(pid, mapFiles, e, procRoot);
  }
  const unresolved: string[] = [];
  let mem: Deno.FsFile | undefined;
  try {
    mem = await Deno.open(`${procRoot}/${pid}/mem`, { read: true });
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) fail(pid, `/proc/${pid}/mem`, e, procRoot);
  }
  const facts: LiveFact[] = [];
  const hints = new Map<bigint, MappingHints>();
  try {
    for (const m of mappings) {
      let mode: number | undefined, nlink: number | undefined;
      let where = `/proc/${pid}/map_files`;
      if (m.inode !== 0n && viaMapFiles) {
        const link = `${mapFiles}/${hex(m.start)}-${hex(m.end)}`;
        try {
          const st = await Deno.stat(link);
          mode = st.mode === null ? undefined : st.mode & 0o7777;
          nlink = st.nlink ?? undefined;
        } catch (e) {
          if (!(e instanceof Deno.errors.PermissionDenied)) fail(pid, link, e, procRoot);
          if (!options.byPath) {
            throw new ProcessError(
              "process-permission",
              `No permission to follow ${link}: map_files needs CAP_CHECKPOINT_RESTORE or CAP_SYS_ADMIN (run as root, or docker run --cap-add=CHECKPOINT_RESTORE)`,
            );
          }
          viaMapFiles = false;
          warnings.push(
            `/proc/${pid}/map_files is not permitted (needs CAP_CHECKPOINT_RESTORE or CAP_SYS_ADMIN): files were checked by path where device and inode match smaps`,
          );
        }
      }
      if (m.inode !== 0n && !viaMapFiles) {
        const st = await statByPath(m);
        if (st) {
          mode = st.mode === null ? undefined : st.mode & 0o7777;
          nlink = st.nlink ?? undefined;
          where = `stat ${m.name.replace(/ \(deleted\)$/, "")} (same dev:inode)`;
        } else unresolved.push(m.name);
      }
      const magic = mem && wantsMagic(m) ? await readMagic(mem, m.start) : undefined;
      if (mode === undefined && nlink === undefined && magic === undefined) continue;
      const modeText = mode === undefined ? undefined : `0${mode.toString(8).padStart(3, "0")}`;
      facts.push({
        start: `0x${hex(m.start)}`,
        end: `0x${hex(m.end)}`,
        name: m.name,
        ...(modeText !== undefined ? { mode: modeText } : {}),
        ...(nlink !== undefined ? { nlink } : {}),
        ...(magic !== undefined ? { elfMagic: magic } : {}),
      });
      hints.set(m.start, {
        ...(mode !== undefined ? { execBit: (mode & 0o111) !== 0 } : {}),
        ...(nlink !== undefined ? { nlink } : {}),
        ...(magic !== undefined ? { elfMagic: magic } : {}),
        basis: {
          execBit: `${where}: mode ${modeText}`,
          nlink: `${where}: nlink ${nlink}`,
          elfMagic: `/proc/${pid}/mem: first bytes ${magic ? "are" : "are not"} \\x7fELF`,
        },
      });
    }
  } finally {
    mem?.close();
  }
  if (!viaMapFiles && warnings.length === 0) {
    warnings.push(`This kernel has no /proc/${pid}/map_files: files were checked by path`);
  }
  if (unresolved.length) {
    const names = [...new Set(unresolved)];
    warnings.push(
      `Mode and link count left to inference for ${names.length} file(s) not reachable by path: ${
        names.slice(0, 5).join(", ")
      }${names.length > 5 ? ", ..." : ""}`,
    );
  }
  return { pid, smaps, document, maps, filter, executable, facts, hints, warnings };
}
