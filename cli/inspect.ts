/**
 * `coredelta inspect CORE [--format text|json]`: explains one core file.
 *
 * @module
 */

import { parseCore } from "../lib/elf/core.ts";
import { renderInspectJson, renderInspectText } from "../lib/report/inspect.ts";
import { type CommandIO, oneOf, parse, UsageError } from "./args.ts";
import { openCore } from "../runtime/files.ts";
import { decodeDigest, isDigest } from "../lib/digest/codec.ts";
import type { CoreFile } from "../lib/elf/core.ts";
import { MAX_DIGEST_BYTES } from "../runtime/digest.ts";
import { type Module, scanModules } from "../lib/digest/modules.ts";

/**
 * Parses a core (plain or compressed) or the core stored in a serialized digest, with its modules
 * (read from the core's saved first pages, or as the digest recorded them).
 */
export async function readCoreOrDigest(
  path: string,
): Promise<{ core: CoreFile; modules?: readonly Module[] }> {
  const src = await openCore(path);
  try {
    if (isDigest(await src.read(0, 4))) {
      if (src.size > MAX_DIGEST_BYTES) throw new RangeError(`${path} is too large for a digest`);
      const d = await decodeDigest(await src.read(0, src.size));
      return { core: d.core, ...(d.modules ? { modules: d.modules } : {}) };
    }
    const core = await parseCore(src);
    return { core, modules: await scanModules(src, core) };
  } finally {
    await src.close();
  }
}

/** Help text of `inspect`. */
export const INSPECT_HELP = `Usage: coredelta inspect CORE [--format text|json]

Explains one Linux ELF core file (plain, gzip, zstd or xz) or a digest of one: header, producer (kernel or gdb) with
the layout evidence, process and threads, every segment with its NT_FILE name, the notes, and the
ELF modules (executable, libraries, vDSO) with the build-id read from each one's saved first page.

Options:
  --format text|json   output format (default text)
  -h, --help           this help
`;

/** Runs `inspect`; returns the exit code. */
export async function inspectCommand(args: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parse(args, {
    format: { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    io.stdout(INSPECT_HELP);
    return 0;
  }
  const format = oneOf("format", values.format, ["text", "json"] as const, "text");
  if (positionals.length !== 1) throw new UsageError("inspect takes exactly one CORE path");
  const path = positionals[0]!;
  const { core, modules } = await readCoreOrDigest(path);
  io.stdout(
    format === "json" ? renderInspectJson(core, modules) : renderInspectText(core, path, modules),
  );
  return 0;
}
