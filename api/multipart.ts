/**
 * Streaming `multipart/form-data` with the multipasta core parser and real backpressure: every part
 * is handed over as it arrives: large parts as a stream to a consumer (the digester), small ones
 * collected up to a limit. After each request chunk is written to the parser, the loop awaits until
 * every consumer took its bytes before reading the next chunk, so memory stays flat however slow the
 * consumer is. Nothing is buffered whole (Hono's `parseBody` and `Request.formData()` would).
 *
 * @module
 */

import { make, type MultipartError, type PartInfo } from "multipasta";
import { TooLargeError } from "../lib/bytes/streams.ts";
import { echo, PartError, ProblemError } from "./problem.ts";
import { PushStream, TextCollector } from "./uploads.ts";
import type { SmapsCollector } from "./smaps_part.ts";

/** What a multipart body may hold. */
export interface MultipartSpec<T> {
  /** Parts streamed to `consume` (cores, digests), by name. */
  readonly streams: readonly string[];
  /** Parts collected as text, by name, with their byte limit. */
  readonly texts: Readonly<Record<string, number>>;
  /** Parts parsed as they arrive (smaps), by name: the collector of each, which bounds its size. */
  readonly parsed?: Readonly<Record<string, () => SmapsCollector>>;
  /** Parts required. */
  readonly required: readonly string[];
  /** Most parts. */
  readonly maxParts: number;
  /**
   * Consumes one streamed part. It must read the stream to its end or fail; its errors are reported
   * as {@link PartError}s naming the part.
   */
  consume(name: string, info: PartInfo, stream: ReadableStream<Uint8Array>): Promise<T>;
}

/** A streamed part after the body ended. */
export interface StreamedPart<T> {
  /** The filename the client gave, if any. */
  readonly filename: string | undefined;
  /** What the consumer returned. */
  readonly value: T;
}

/** The parts of a finished multipart body. */
export interface MultipartResult<T> {
  /** Text parts by name. */
  readonly texts: Record<string, string>;
  /** Streamed parts by name. */
  readonly streams: Record<string, StreamedPart<T>>;
  /** Parsed parts by name (see {@link MultipartSpec.parsed}). */
  readonly parsed: Record<string, SmapsCollector>;
}

/** Whether `contentType` is `multipart/form-data`. */
export function isMultipart(contentType: string | undefined): boolean {
  return /^multipart\/form-data\s*(;|$)/i.test(contentType ?? "");
}

function multipartProblem(e: MultipartError, maxParts: number): Error {
  switch (e._tag) {
    case "ReachedLimit":
      return e.limit === "MaxParts"
        ? new ProblemError("too-many-parts", `The body has more than ${maxParts} parts`, {
          limit: maxParts,
        })
        : new ProblemError("too-large", `A part is larger than allowed (${e.limit})`);
    case "InvalidBoundary":
      return new ProblemError("bad-multipart", "The Content-Type has no multipart boundary");
    case "BadHeaders":
      return new ProblemError("bad-multipart", "A part has malformed headers");
    case "InvalidDisposition":
      return new ProblemError("bad-multipart", "A part has no Content-Disposition name");
    case "EndNotReached":
      return new ProblemError("bad-multipart", "The body ended before the closing boundary");
  }
}

interface Running<T> {
  readonly filename: string | undefined;
  readonly push: PushStream;
  readonly result: Promise<T>;
}

/**
 * Reads a multipart body to its end, streaming parts as they come.
 *
 * @param body the (already counted and limited) request body
 * @param contentType the request's Content-Type (with the boundary)
 * @param spec which parts are allowed and how each is handled
 * @returns the collected text parts and the consumers' results
 */
export async function readMultipart<T>(
  body: ReadableStream<Uint8Array>,
  contentType: string,
  spec: MultipartSpec<T>,
): Promise<MultipartResult<T>> {
  const texts = new Map<string, TextCollector>();
  const parsed: Record<string, SmapsCollector> = {};
  const running = new Map<string, Running<T>>();
  const pending: Promise<void>[] = [];
  let failure: unknown;
  let done = false;
  const fail = (e: unknown) => {
    failure ??= e;
  };
  const seen = new Set<string>();

  const parser = make({
    headers: { "content-type": contentType },
    maxParts: spec.maxParts,
    isFile: () => true,
    onField: () => {},
    onError: (e) => fail(multipartProblem(e, spec.maxParts)),
    onDone: () => {
      done = true;
    },
    onFile: (info) => {
      const name = info.name;
      if (failure) return () => {};
      if (seen.has(name)) {
        fail(new ProblemError("bad-multipart", `Part ${echo(name)} appears twice`));
        return () => {};
      }
      seen.add(name);
      if (spec.streams.includes(name)) {
        const push = new PushStream();
        const result = spec.consume(name, info, push.readable);
        result.then(
          () => push.error(new Error("consumer finished")),
          (e) => {
            push.error(e);
            fail(new PartError(name, e));
          },
        );
        running.set(name, { filename: info.filename, push, result });
        return (chunk) => {
          if (chunk === null) push.close();
          else pending.push(push.push(chunk));
        };
      }
      const collector = spec.parsed?.[name]?.();
      if (collector) {
        parsed[name] = collector;
        return (chunk) => {
          if (chunk === null || failure) return;
          try {
            collector.add(chunk);
          } catch (e) {
            fail(e instanceof TooLargeError ? new PartError(name, e) : e);
          }
        };
      }
      const max = spec.texts[name];
      if (max === undefined) {
        fail(
          new ProblemError("bad-multipart", `Unknown part ${echo(name)}`, {
            part: name,
          }),
        );
        return () => {};
      }
      const text = new TextCollector(max, `part "${name}"`);
      texts.set(name, text);
      return (chunk) => {
        if (chunk === null || failure) return;
        try {
          text.add(chunk);
        } catch (e) {
          fail(e instanceof TooLargeError ? new PartError(name, e) : e);
        }
      };
    },
  });

  const reader = body.getReader();
  try {
    for (;;) {
      if (failure) throw failure;
      const r = await reader.read();
      if (r.done) break;
      parser.write(r.value);
      if (failure) throw failure;
      if (pending.length) {
        await Promise.all(pending);
        pending.length = 0;
      }
    }
    if (!done) parser.end();
    if (failure) throw failure;
    if (!done) throw multipartProblem({ _tag: "EndNotReached" }, spec.maxParts);
    for (const name of spec.required) {
      if (!seen.has(name)) {
        throw new ProblemError("bad-multipart", `Part ${echo(name)} is required`, {
          part: name,
        });
      }
    }
    const streams: Record<string, StreamedPart<T>> = {};
    for (const [name, r] of running) {
      try {
        streams[name] = { filename: r.filename, value: await r.result };
      } catch (e) {
        throw new PartError(name, e);
      }
    }
    const out: Record<string, string> = {};
    for (const [name, t] of texts) out[name] = t.text();
    return { texts: out, streams, parsed };
  } catch (e) {
    reader.cancel(e).catch(() => {});
    // Consumers see a plain end of input (not an error: an aborted decompressor pipe might never
    // settle), finish or fail on their own, and clean their temporary files up before the error
    // response goes out.
    for (const r of running.values()) r.push.close();
    await Promise.allSettled([...running.values()].map((r) => r.result));
    throw e;
  } finally {
    reader.releaseLock();
  }
}
