/**
 * Spilling: when a streamed core's layout needs random access (overlapping `PT_LOAD` file ranges, a
 * program header table far from the start), the digest copies the stream to a spill and finishes by
 * position. `lib/` does no I/O, so the spill is injected: the CLI and API provide a private
 * temporary file, unlinked as soon as it is created; tests use {@link memorySpill}.
 *
 * @module
 */

import { bytesSource, type PositionalSource } from "../bytes/source.ts";
import { concat, TooLargeError } from "../bytes/streams.ts";

/** A place to park a whole stream for random access. */
export interface Spill {
  /** Appends bytes. */
  write(chunk: Uint8Array): Promise<void>;
  /** Random access to everything written (after the last write). */
  source(): Promise<PositionalSource>;
  /** Releases the spill (closes its already unlinked file). Safe to call twice. */
  close(): Promise<void>;
}

/** Creates a spill on demand. */
export type SpillFactory = () => Promise<Spill>;

/** An in-memory spill for tests and small inputs, limited to `max` bytes. */
export function memorySpill(max = 256 * 1024 * 1024): SpillFactory {
  return () => {
    const parts: Uint8Array[] = [];
    let size = 0;
    return Promise.resolve({
      write(chunk: Uint8Array): Promise<void> {
        size += chunk.length;
        if (size > max) return Promise.reject(new TooLargeError("spilled core", max));
        parts.push(chunk.slice());
        return Promise.resolve();
      },
      source: () => Promise.resolve(bytesSource(concat(parts))),
      close(): Promise<void> {
        parts.length = 0;
        return Promise.resolve();
      },
    });
  };
}
