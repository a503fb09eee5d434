/**
 * A digest spill on local disk: a private temporary file (mode 0600 in a fresh 0700 directory),
 * removed by `close()` on every path.
 *
 * @module
 */

import type { ByteSource } from "../lib/bytes/source.ts";
import type { Spill, SpillFactory } from "../lib/digest/spill.ts";
import { fileSource } from "./files.ts";

/** A {@link SpillFactory} writing to a temporary file under `dir` (default: the system temp dir). */
export function tempFileSpill(dir?: string): SpillFactory {
  return async (): Promise<Spill> => {
    const folder = await Deno.makeTempDir({ prefix: "coredelta-spill-", ...(dir ? { dir } : {}) });
    const path = `${folder}/core`;
    let file: Deno.FsFile | undefined;
    let reader: (ByteSource & { close(): void }) | undefined;
    let closed = false;
    try {
      file = await Deno.open(path, { write: true, createNew: true, mode: 0o600 });
    } catch (e) {
      await Deno.remove(folder, { recursive: true }).catch(() => {});
      throw e;
    }
    return {
      async write(chunk: Uint8Array): Promise<void> {
        let at = 0;
        while (at < chunk.length) at += await file!.write(chunk.subarray(at));
      },
      async source(): Promise<ByteSource> {
        file?.close();
        file = undefined;
        reader = await fileSource(path);
        return reader;
      },
      async close(): Promise<void> {
        if (closed) return;
        closed = true;
        try {
          file?.close();
          reader?.close();
        } finally {
          await Deno.remove(folder, { recursive: true }).catch(() => {});
        }
      },
    };
  };
}
