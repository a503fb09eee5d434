/**
 * What the HTTP app is built from: its limits, clock, logger, tokens and storage, injected into
 * {@link createApp} so tests run the whole service in-process with no port and no real disk layout.
 *
 * @module
 */

import type { Clock } from "./clock.ts";
import type { Slots } from "./slots.ts";
import type { Storage } from "./storage.ts";

/** Every limit the service enforces. Sizes are in bytes, durations in milliseconds. */
export interface Limits {
  /** Largest request body as sent on the wire (Content-Length or counted when chunked). */
  readonly maxUploadBytes: number;
  /** Largest core after decompression (stops decompression bombs). */
  readonly maxCoreBytes: number;
  /** Most parts in one multipart body. */
  readonly maxParts: number;
  /** Largest small text field (`filter`, `expect`, ...). */
  readonly maxFieldBytes: number;
  /** Largest smaps text (multipart part or JSON member). */
  readonly maxSmapsBytes: number;
  /** Largest JSON request body (`/v1/diffs`, `/v1/predict`), smaps included. */
  readonly maxJsonBytes: number;
  /** Time allowed to receive a request body, from the first byte of the request. */
  readonly requestTimeoutMs: number;
  /** Most digests computed at once; further uploads wait (unread) for a slot. Bounds memory. */
  readonly maxConcurrentDigests: number;
  /** Longest wait for the next body bytes before the request is answered 408 (a stalled client). */
  readonly idleTimeoutMs: number;
  /** A digest whose client sends nothing for this long gives its slot up until bytes arrive. */
  readonly slotIdleMs: number;
}

/** The limits the service starts with. */
export const DEFAULT_LIMITS: Limits = {
  maxUploadBytes: 16 * 1024 ** 3,
  maxCoreBytes: 64 * 1024 ** 3,
  maxParts: 8,
  maxFieldBytes: 4096,
  maxSmapsBytes: 64 * 1024 ** 2,
  maxJsonBytes: 65 * 1024 ** 2,
  requestTimeoutMs: 30 * 60 * 1000,
  maxConcurrentDigests: 4,
  idleTimeoutMs: 20_000,
  slotIdleMs: 1000,
};

/** One structured log record; written as one JSON line. Never holds request bodies. */
export type LogRecord = Record<string, unknown>;

/** Where log records go. */
export interface Logger {
  /** Writes one record. */
  log(record: LogRecord): void;
}

/** A logger writing one JSON line per record to stdout. */
export const jsonLogger: Logger = {
  log(record: LogRecord): void {
    const line = JSON.stringify(
      record,
      (_k, v) => typeof v === "bigint" ? `0x${v.toString(16)}` : v,
    );
    Deno.stdout.writeSync(new TextEncoder().encode(`${line}\n`));
  },
};

/** A logger that drops everything. */
export const silentLogger: Logger = { log: () => {} };

/** Everything {@link createApp} needs. */
export interface AppDeps {
  /** Where digests, reports and kept cores live, and where temporary files go. */
  readonly storage: Storage;
  /** Limits (default {@link DEFAULT_LIMITS}). */
  readonly limits?: Partial<Limits>;
  /** Bearer tokens; when non-empty, every route but `/health` requires one. */
  readonly tokens?: readonly string[];
  /** Request log (default: one JSON line per request on stdout). */
  readonly logger?: Logger;
  /** Clock for logs and retention (default: the system clock). */
  readonly clock?: Clock;
  /** Aborted when the drain time at shutdown is over: uploads in flight stop and clean up (503). */
  readonly signal?: AbortSignal;
  /** True once shutdown began: new requests get 503 and `/health` says `draining`. */
  readonly draining?: () => boolean;
  /** The OpenAPI document text served at `/openapi.yaml` (default: read from the repository). */
  readonly openapi?: string;
  /** Version reported by `/health`. */
  readonly version?: string;
}

/** Hono environment: per-request values set by the app's middleware. */
export interface AppEnv {
  /** Request-scoped variables. */
  Variables: {
    /** Random id of the request (also the `X-Request-Id` header and the problem `instance`). */
    requestId: string;
    /** Aborted when the request times out, the client goes away or the server shuts down. */
    deadline: AbortSignal;
    /** Body bytes received so far (for the request log). */
    bytesIn: number;
    /** The problem type code of an error response (for the request log). */
    problem: string | undefined;
  };
}

/** What routes get: the deps with every default filled in. */
export interface Services {
  /** Storage. */
  readonly storage: Storage;
  /** Limits. */
  readonly limits: Limits;
  /** Logger. */
  readonly logger: Logger;
  /** Clock. */
  readonly clock: Clock;
  /** Slots bounding concurrent digests (`limits.maxConcurrentDigests`). */
  readonly digestSlots: Slots;
}
