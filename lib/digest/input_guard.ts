/**
 * A guard between a (decompressed) input and the digester: it hands the event loop back every few
 * milliseconds (a decompression bomb otherwise runs as one long chain of microtasks and `/health`
 * starves), stops when `signal` aborts (the client hung up: the work is for no one), and stops a core
 * that goes on far past the end its own headers describe (a bomb's padding of zeros), long before
 * the decompressed-size limit.
 *
 * @module
 */

import { PN_XNUM } from "../elf/constants.ts";
import { parseRawHeader, resolveHeader } from "../elf/header.ts";
import { concat, TooLargeError } from "../bytes/streams.ts";

/** Options of {@link inputGuard}. */
export interface GuardOptions {
  /** Aborts the work (client gone, shutdown); the stream errors with the signal's reason. */
  readonly signal?: AbortSignal;
  /** Most milliseconds of work between two turns of the event loop (default 8). */
  readonly sliceMs?: number;
  /** Bytes allowed after the end the headers describe (default 64 MiB). */
  readonly slackBytes?: number;
}

/**
 * The pass-through guard.
 *
 * @param options signal, time slice and slack
 * @returns the transform
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const ac = new AbortController();
 * ac.abort(new Error("client gone"));
 * const s = ReadableStream.from([new Uint8Array(8)]).pipeThrough(inputGuard({ signal: ac.signal }));
 * await assert.rejects(new Response(s).arrayBuffer(), /client gone/);
 * ```
 */
export function inputGuard(options: GuardOptions = {}): TransformStream<Uint8Array, Uint8Array> {
  const { signal, sliceMs = 8, slackBytes = 64 * 1024 * 1024 } = options;
  let last = performance.now();
  let seen = 0;
  let head: Uint8Array[] | undefined = [];
  let headBytes = 0;
  let nextTry = 64;
  let limit = Infinity;
  const check = () => {
    if (signal?.aborted) throw signal.reason ?? new Error("aborted");
  };
  return new TransformStream<Uint8Array, Uint8Array>({
    async transform(chunk, ctl) {
      check();
      seen += chunk.length;
      if (head && headBytes < 1 << 20) {
        head.push(chunk.slice(0, (1 << 20) - headBytes));
        headBytes += chunk.length;
      }
      // Parse the head only each time it doubled: tiny chunks must not cost quadratic time.
      if (head && (headBytes >= nextTry || headBytes >= 1 << 20)) {
        nextTry = headBytes * 2;
        const joined = concat(head);
        head = [joined];
        const end = declaredEnd(joined);
        if (end !== undefined) limit = end + slackBytes;
        if (end !== undefined || headBytes >= 1 << 20) head = undefined;
      }
      if (seen > limit) {
        throw new TooLargeError(
          `input past the end its ELF headers describe (${limit - slackBytes} bytes)`,
          limit,
        );
      }
      ctl.enqueue(chunk);
      if (performance.now() - last > sliceMs) {
        await new Promise((r) => setTimeout(r, 0));
        last = performance.now();
        check();
      }
    },
  });
}

/**
 * The end of a core as its ELF header and program headers describe it (the furthest of the
 * program header table, the section header table and every segment's file range), or undefined
 * while more bytes are needed or when it cannot be known from the start (not ELF, extended
 * numbering).
 *
 * @param prefix the first bytes of the core
 * @returns the end offset
 */
export function declaredEnd(prefix: Uint8Array): number | undefined {
  if (prefix.length < 64) return undefined;
  let raw;
  try {
    raw = parseRawHeader(prefix, Number.MAX_SAFE_INTEGER);
  } catch {
    return Infinity; // not ELF: the digester says why
  }
  if (raw.rawPhnum === PN_XNUM) return Infinity;
  const h = resolveHeader(raw, undefined);
  const tableEnd = h.phoff + h.phnum * h.phentsize;
  if (prefix.length < tableEnd) return tableEnd > 1 << 20 ? Infinity : undefined;
  const view = new DataView(prefix.buffer, prefix.byteOffset, prefix.byteLength);
  const le = h.byteOrder === "little";
  let end = Math.max(tableEnd, h.shoff + h.shnum * h.shentsize);
  for (let i = 0; i < h.phnum; i++) {
    const at = h.phoff + i * h.phentsize;
    const [off, size] = h.bits === 64
      ? [Number(view.getBigUint64(at + 8, le)), Number(view.getBigUint64(at + 32, le))]
      : [view.getUint32(at + 4, le), view.getUint32(at + 16, le)];
    end = Math.max(end, off + size);
  }
  return end;
}
