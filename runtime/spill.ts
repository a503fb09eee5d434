/**
 * A digest spill on local disk: a private temporary file (mode 0600 in a fresh 0700 directory)
 * that is unlinked as soon as it is created, so nothing is left behind even when the process is
 * killed (SIGKILL); the open descriptor keeps the bytes until `close()`.
 *
 * @module
 */

import { type PositionalSource, readerSource } from "../lib/bytes/source.ts";
import type { Spill, SpillFactory } from "../lib/digest/spill.ts";
import { anonymousTempFile, readAtSync } from "./files.ts";

/** A {@link SpillFactory} writing to an unlinked temporary file under `dir`. */
export function tempFileSpill(dir?: string): SpillFactory {
  return async (): Promise<Spill> => {
    const file = await anonymousTempFile(dir, "coredelta-spill-");
    let size = 0;
    let closed = false;
    return {
      async write(chunk: Uint8Array): Promise<void> {
        let at = 0;
        while (at < chunk.length) at += await file.write(chunk.subarray(at));
        size += chunk.length;
      },
      source(): Promise<PositionalSource> {
        return Promise.resolve(
          readerSource(size, (offset, target) => readAtSync(file, offset, target)),
        );
      },
      close(): Promise<void> {
        if (!closed) {
          closed = true;
          file.close();
        }
        return Promise.resolve();
      },
    };
  };
}
