/**
 * RFC 9457 problem details: every error the API returns is `application/problem+json` with a stable
 * `type` URI, a `title` fixed per type, the `status`, a `detail` for this occurrence and, for parse
 * errors, where the input is wrong (`field` and byte `offset`, or smaps `line`/`column`).
 *
 * Input errors from `lib/` map by their `code`; anything unknown is a 500 whose detail never echoes
 * input.
 *
 * @module
 */

import { TooLargeError } from "../lib/bytes/streams.ts";
import {
  CoreFormatError,
  DigestFormatError,
  InputError,
  OptionError,
  SmapsSyntaxError,
} from "../lib/errors.ts";
import { StoredDataCorruptError, StoreUnavailableError } from "./storage.ts";

/** Base of every problem `type` URI. */
export const PROBLEM_BASE = "https://coredelta.dev/problems/";

/** Media type of problem responses. */
export const PROBLEM_MEDIA_TYPE = "application/problem+json";

/** The stable problem kinds: HTTP status and title of each. */
export const PROBLEM_TYPES = {
  "bad-request": { status: 400, title: "Malformed request" },
  "bad-multipart": { status: 400, title: "Malformed multipart body" },
  "option": { status: 400, title: "Invalid option" },
  "unauthorized": { status: 401, title: "Missing or invalid bearer token" },
  "not-found": { status: 404, title: "Not found" },
  "method-not-allowed": { status: 405, title: "Method not allowed" },
  "not-acceptable": { status: 406, title: "No acceptable representation" },
  "timeout": { status: 408, title: "Request body not received in time" },
  "header-timeout": { status: 408, title: "Request head not received in time" },
  "too-large": { status: 413, title: "Content too large" },
  "too-many-parts": { status: 413, title: "Too many multipart parts" },
  "uri-too-long": { status: 414, title: "Request target too long" },
  "unsupported-media-type": { status: 415, title: "Unsupported media type" },
  "headers-too-large": { status: 431, title: "Request header fields too large" },
  "elf-format": { status: 422, title: "Malformed ELF core" },
  "smaps-syntax": { status: 422, title: "Malformed smaps text" },
  "digest-format": { status: 422, title: "Malformed digest" },
  "decompression": { status: 422, title: "Corrupt compressed input" },
  "unknown-id": { status: 422, title: "Unknown digest id" },
  "client-closed": { status: 400, title: "Request body ended early" },
  "internal": { status: 500, title: "Internal error" },
  "stored-data-corrupt": { status: 500, title: "Stored data is corrupt" },
  "unavailable": { status: 503, title: "Service shutting down" },
  "store-unavailable": { status: 503, title: "Storage unavailable" },
  "insufficient-storage": { status: 507, title: "Insufficient storage" },
} as const satisfies Record<string, { status: number; title: string }>;

/** A problem kind. */
export type ProblemCode = keyof typeof PROBLEM_TYPES;

/** An RFC 9457 problem document with coredelta's extension members. */
export interface Problem {
  /** `https://coredelta.dev/problems/<code>`. */
  type: string;
  /** Fixed per type. */
  title: string;
  /** The HTTP status. */
  status: number;
  /** This occurrence, in a sentence. */
  detail: string;
  /** `urn:uuid:<request id>`. */
  instance?: string;
  /** Extension members (`field`, `offset`, `line`, `column`, `part`, `limit`, ...). */
  [extension: string]: unknown;
}

/** An error that becomes a given problem; thrown by routes and middleware. */
export class ProblemError extends Error {
  /** The problem kind. */
  readonly code: ProblemCode;
  /** Extension members. */
  readonly extensions: Readonly<Record<string, unknown>>;
  /** Extra response headers (e.g. `WWW-Authenticate`). */
  readonly headers: Readonly<Record<string, string>>;

  /**
   * Creates the error.
   *
   * @param code the problem kind
   * @param detail this occurrence, in a sentence
   * @param extensions extension members
   * @param headers extra response headers
   */
  constructor(
    code: ProblemCode,
    detail: string,
    extensions: Record<string, unknown> = {},
    headers: Record<string, string> = {},
  ) {
    super(detail);
    this.name = "ProblemError";
    this.code = code;
    this.extensions = extensions;
    this.headers = headers;
  }
}

/** An input error tagged with the upload part (`a`, `b`, `smaps`) it came from. */
export class PartError extends Error {
  /** The part name. */
  readonly part: string;
  /** The underlying error. */
  override readonly cause: unknown;

  /**
   * Wraps `cause`.
   *
   * @param part the multipart part or JSON member the error belongs to
   * @param cause the underlying error
   */
  constructor(part: string, cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause));
    this.name = "PartError";
    this.part = part;
    this.cause = cause;
  }
}

const hexValue = (v: unknown): unknown =>
  typeof v === "bigint" ? `0x${v.toString(16)}` : typeof v === "number" ? `0x${v.toString(16)}` : v;

/** Longest input prefix a problem quotes. */
export const ECHO_CHARS = 64;

/**
 * Quotes a client-supplied value for a problem detail: JSON-escaped (control characters and quotes
 * escaped), at most {@link ECHO_CHARS} characters of it, and how long it was when cut.
 *
 * @param value what the client sent
 * @param max most characters quoted
 * @returns e.g. `"abc"` or `"aaaa…" (60000000 characters)`
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(echo("a\u001b[2J"), '"a\\u001b[2J"');
 * assert.equal(echo("x".repeat(100), 4), '"xxxx…" (100 characters)');
 * ```
 */
export function echo(value: string, max = ECHO_CHARS): string {
  if (value.length <= max) return JSON.stringify(value);
  return `${JSON.stringify(value.slice(0, max) + "…")} (${value.length} characters)`;
}

/** Longest `detail`, and longest string extension member, a problem carries. */
const MAX_DETAIL = 1024, MAX_MEMBER = 256;

/** Cuts an over-long string (a last line of defence; call sites quote with {@link echo}). */
function clamp(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max)}… (cut, ${s.length} characters)`;
}

function build(code: ProblemCode, detail: string, ext: Record<string, unknown>): Problem {
  const t = PROBLEM_TYPES[code];
  const members: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(ext)) {
    members[k] = typeof v === "string" ? clamp(v, MAX_MEMBER) : v;
  }
  return {
    type: PROBLEM_BASE + code,
    title: t.title,
    status: t.status,
    detail: clamp(detail, MAX_DETAIL),
    ...members,
  };
}

/** Extension members an input error carries (where in the input it is wrong). */
function inputExtensions(e: InputError): Record<string, unknown> {
  if (e instanceof CoreFormatError || e instanceof DigestFormatError) {
    const ext: Record<string, unknown> = { field: e.field, offset: e.offset };
    if (e instanceof CoreFormatError && e.value !== undefined) ext.value = hexValue(e.value);
    return ext;
  }
  if (e instanceof SmapsSyntaxError) return { field: e.field, line: e.line, column: e.column };
  if (e instanceof OptionError) return { field: e.option };
  if (e instanceof TooLargeError) return { limit: e.limit, what: e.what };
  return {};
}

/** Whether `err` (or an error in its `cause` chain) is a full disk or an exhausted quota. */
function isNoSpace(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (code === "ENOSPC" || code === "EDQUOT") return true;
  }
  return false;
}

/**
 * Maps any thrown value to a problem and its extra headers. A full disk (ENOSPC, EDQUOT) is a 507,
 * a stored object that no longer matches its SHA-256 a 500 `stored-data-corrupt`; other unknown
 * errors give a 500 whose detail names no input.
 *
 * @param err what was thrown
 * @returns the problem document and extra headers
 */
export function toProblem(err: unknown): { problem: Problem; headers: Record<string, string> } {
  if (err instanceof PartError) {
    const inner = toProblem(err.cause);
    return { problem: { ...inner.problem, part: err.part }, headers: inner.headers };
  }
  if (err instanceof ProblemError) {
    return {
      problem: build(err.code, err.message, { ...err.extensions }),
      headers: { ...err.headers },
    };
  }
  if (err instanceof InputError && err.code in PROBLEM_TYPES) {
    return {
      problem: build(err.code as ProblemCode, err.message, inputExtensions(err)),
      // The rest of an over-long body is not read: the connection cannot be reused.
      headers: err instanceof TooLargeError ? { connection: "close" } : {},
    };
  }
  if (err instanceof InputError) {
    return { problem: build("bad-request", err.message, { code: err.code }), headers: {} };
  }
  if (isNoSpace(err)) {
    return {
      problem: build(
        "insufficient-storage",
        "The server has no room left to store this request",
        {},
      ),
      headers: {},
    };
  }
  if (err instanceof StoreUnavailableError) {
    return {
      problem: build("store-unavailable", `${err.message}; nothing was stored, retry later`, {}),
      headers: { "retry-after": "5" },
    };
  }
  if (err instanceof StoredDataCorruptError) {
    return {
      problem: build("stored-data-corrupt", err.message, { id: err.id }),
      headers: {},
    };
  }
  return { problem: build("internal", "The server failed to handle the request", {}), headers: {} };
}

/**
 * A problem+json response.
 *
 * @param problem the problem document
 * @param headers extra headers
 * @returns the response
 */
export function problemResponse(problem: Problem, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(problem, null, 2) + "\n", {
    status: problem.status,
    headers: { "content-type": PROBLEM_MEDIA_TYPE, ...headers },
  });
}
