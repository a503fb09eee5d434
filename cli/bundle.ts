/**
 * `coredelta bundle CORE -o out.tar.zst [--exe PATH] [--sysroot DIR] [--debug-dir DIR]`: everything
 * another host needs to debug a core, in one archive: the core, every module file (and separate
 * debug file) of this host whose build-id matches the core's, and a `gdb.init` that points gdb at
 * them (`set sysroot .`, `set debug-file-directory`, `file`, `core-file`). Files of a different
 * build are left out and named.
 *
 * Streams: the core (decompressed into a private temporary file when compressed) and each file are
 * read in chunks into a tar writer, compressed with zstd as they pass, into an output file that is
 * created new (an existing file is never overwritten) and removed again if anything fails.
 *
 * @module
 */

import { createZstdCompress } from "node:zlib";
import { Duplex } from "node:stream";
import { isDigest } from "../lib/digest/codec.ts";
import { executableModule, scanModules } from "../lib/digest/modules.ts";
import { parseCore } from "../lib/elf/core.ts";
import { escapeTerminal } from "../lib/report/escape.ts";
import { openCore } from "../runtime/files.ts";
import { debugFilePath, type ModuleCheck } from "../runtime/host_files.ts";
import { fileContent, type TarEntry, tarStream } from "../runtime/tar.ts";
import { type CommandIO, parse, UsageError } from "./args.ts";
import { checkHostFiles } from "./libs.ts";

/** Help text of `bundle`. */
export const BUNDLE_HELP =
  `Usage: coredelta bundle CORE -o OUT.tar.zst [--exe PATH] [--sysroot DIR] [--debug-dir DIR]

Packs a core (plain or compressed) with the files a debugger needs into one zstd-compressed tar:
the core as 'core', every module file whose build-id matches the one read from the core (at its
path, under the archive root), their separate debug files (usr/lib/debug/.build-id/xx/yyyy.debug)
and a gdb.init. On the other host: 'tar xf OUT.tar.zst && gdb -x gdb.init' in that directory.
Files of a different build, or missing here, are left out and named. Never overwrites OUT.

Options:
  -o, --output FILE    the archive to create (must not exist)
  --exe PATH           the executable, when its recorded path does not hold it
  --sysroot DIR        look for module files under DIR
  --debug-dir DIR      debug file directory holding .build-id/ (default SYSROOT/usr/lib/debug)
  -h, --help           this help

Exit codes: 0 written, every module included; 1 written, some module left out; 2 usage or input error.
`;

/** Where the bundled debug files live inside the archive. */
export const BUNDLE_DEBUG_DIR = "usr/lib/debug";

/** Quotes a path for a gdb command line when it needs it. */
function gdbPath(p: string): string {
  return /[\s"'\\]/.test(p) ? `"${p.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"` : p;
}

/**
 * The `gdb.init` of a bundle. The loader may name a library by another path than `NT_FILE` (for
 * example `/lib/...` through a merged-/usr symlink), so the directories of the bundled libraries
 * are also gdb's `solib-search-path`, which it tries by file name when the sysroot path is absent.
 *
 * @param exe the executable's path inside the archive, when it is included
 * @param libDirs directories of the bundled libraries inside the archive
 */
export function gdbInit(exe: string | undefined, libDirs: readonly string[] = []): string {
  return [
    "# Written by coredelta bundle. Run in this directory: gdb -x gdb.init",
    "set sysroot .",
    ...(libDirs.length ? [`set solib-search-path ${libDirs.map((d) => `./${d}`).join(":")}`] : []),
    `set debug-file-directory ./${BUNDLE_DEBUG_DIR}`,
    ...(exe ? [`file ${gdbPath(`./${exe}`)}`] : []),
    "core-file ./core",
    "",
  ].join("\n");
}

async function fileEntry(name: string, path: string): Promise<TarEntry> {
  const st = await Deno.stat(path);
  return { name, size: st.size, mode: 0o644, content: () => fileContent(path) };
}

/** Runs `bundle`; returns the exit code. */
export async function bundleCommand(args: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parse(args, {
    output: { type: "string", short: "o" },
    exe: { type: "string" },
    sysroot: { type: "string" },
    "debug-dir": { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    io.stdout(BUNDLE_HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError("bundle takes exactly one CORE path");
  if (!values.output) throw new UsageError("bundle needs -o OUT.tar.zst");
  const out = values.output;
  const src = await openCore(positionals[0]!);
  try {
    if (isDigest(await src.read(0, 4))) {
      throw new UsageError("bundle needs the core itself, not a digest");
    }
    const core = await parseCore(src);
    const modules = await scanModules(src, core);
    const exe = executableModule(modules, core);
    const checks = await checkHostFiles(modules, core, values);
    const entries: TarEntry[] = [];
    const included = checks.filter((c) => c.status === "match");
    const libDirs = [
      ...new Set(
        included.filter((c) => c.module !== exe).map((c) =>
          c.module.path.replace(/^\/+/, "").replace(/\/[^/]*$/, "")
        ),
      ),
    ].filter((d) => !d.includes(":")); // ':' separates the search path
    const init = new TextEncoder().encode(
      gdbInit(
        exe && included.some((c) => c.module === exe) ? exe.path.replace(/^\/+/, "") : undefined,
        libDirs,
      ),
    );
    entries.push({
      name: "gdb.init",
      size: init.length,
      content: async function* () {
        yield init;
      },
    });
    const added = new Set<string>();
    for (const c of included) {
      const name = c.module.path.replace(/^\/+/, "");
      if (added.has(name)) continue;
      added.add(name);
      entries.push(await fileEntry(name, c.file!.path));
      if (c.debug?.status === "match") {
        entries.push(
          await fileEntry(debugFilePath(BUNDLE_DEBUG_DIR, c.module.buildId!), c.debug.path),
        );
      }
    }
    entries.push({
      name: "core",
      size: src.size,
      mode: 0o600,
      content: async function* () {
        for (let at = 0; at < src.size; at += 1024 * 1024) {
          yield (await src.read(at, Math.min(1024 * 1024, src.size - at))).slice();
        }
      },
    });
    let file: Deno.FsFile;
    try {
      file = await Deno.open(out, { write: true, createNew: true, mode: 0o600 });
    } catch (e) {
      if (e instanceof Deno.errors.AlreadyExists) {
        throw new UsageError(`${out} exists; bundle never overwrites a file`);
      }
      throw e;
    }
    try {
      const zstd = Duplex.toWeb(createZstdCompress()) as unknown as TransformStream<
        Uint8Array,
        Uint8Array
      >;
      await tarStream(entries).pipeThrough(zstd).pipeTo(file.writable);
    } catch (e) {
      await Deno.remove(out).catch(() => {});
      throw e;
    }
    io.stdout(report(out, checks));
    return checks.every((c) => c.status === "match" || c.status === "in-core") ? 0 : 1;
  } finally {
    await src.close();
  }
}

function report(out: string, checks: readonly ModuleCheck[]): string {
  const lines = [
    `${out}: core, gdb.init and ${
      checks.filter((c) => c.status === "match").length
    } module file(s)`,
  ];
  for (const c of checks) {
    if (c.status === "match" || c.status === "in-core") continue;
    const why = c.status === "different-build"
      ? `different build: core ${c.module.buildId}, file ${c.file?.buildId ?? "without build-id"}`
      : c.status === "missing"
      ? `missing: ${c.file?.path ?? c.module.path}`
      : "the core does not hold its build-id";
    lines.push(escapeTerminal(`left out ${c.module.path} (${why})`));
  }
  return lines.join("\n") + "\n";
}
