/**
 * HTTP/1.1 message heads for the front (`runtime/http_front/`): a scanner that collects a head
 * byte by byte within size limits, and parsers that turn a request or response head into the
 * framing of the body that follows it (RFC 9112 section 6).
 *
 * @module
 */

/** How the body after a head is delimited. */
export type Framing =
  | { readonly kind: "none" }
  | { readonly kind: "length"; readonly length: number }
  | { readonly kind: "chunked" }
  | { readonly kind: "close" };

/** Size limits of a head. */
export interface HeadLimits {
  /** Longest request or status line, in bytes. */
  readonly lineBytes: number;
  /** Longest head (line and fields), in bytes. */
  readonly headBytes: number;
  /** Most header fields. */
  readonly fields: number;
}

/** A head the front refuses: the problem code, its detail and the limit it broke. */
export class HeadError extends Error {
  /** `uri-too-long`, `headers-too-large` or `bad-request`. */
  readonly code: "uri-too-long" | "headers-too-large" | "bad-request";
  /** The limit that was broken, if one was. */
  readonly limit: number | undefined;

  /**
   * Creates the error.
   *
   * @param code the problem code
   * @param detail what is wrong, in a sentence
   * @param limit the limit broken
   */
  constructor(code: HeadError["code"], detail: string, limit?: number) {
    super(detail);
    this.name = "HeadError";
    this.code = code;
    this.limit = limit;
  }
}

const LF = 10, CR = 13;

/** Collects one head (up to and including its empty line), enforcing {@link HeadLimits}. */
export class HeadScanner {
  readonly #limits: HeadLimits;
  #buf: Uint8Array;
  #len = 0;
  #lineStart = 0;
  #firstLine = true;
  #fields = 0;

  /**
   * Creates a scanner.
   *
   * @param limits the size limits
   */
  constructor(limits: HeadLimits) {
    this.#limits = limits;
    this.#buf = new Uint8Array(Math.min(4096, limits.headBytes));
  }

  /** Bytes of the head collected so far (leading empty lines not counted). */
  get length(): number {
    return this.#len;
  }

  /** The collected head (valid until the next {@link reset}). */
  bytes(): Uint8Array {
    return this.#buf.subarray(0, this.#len);
  }

  /** Starts a new head. */
  reset(): void {
    this.#len = this.#lineStart = this.#fields = 0;
    this.#firstLine = true;
  }

  /**
   * Takes bytes of `src[start, end)` into the head.
   *
   * @param src the bytes read
   * @param start first byte to take
   * @param end end of the bytes read
   * @returns the index just after the head's empty line, or -1 when the head goes on past `end`
   * @throws {HeadError} when a limit is broken
   */
  push(src: Uint8Array, start: number, end: number): number {
    const limits = this.#limits;
    let buf = this.#buf;
    for (let i = start; i < end; i++) {
      const b = src[i]!;
      // Empty lines before a request line are ignored (RFC 9112 section 2.2).
      if (this.#len === 0 && (b === CR || b === LF)) continue;
      if (this.#len >= limits.headBytes) {
        throw new HeadError(
          "headers-too-large",
          `The request head is over the limit of ${limits.headBytes} bytes`,
          limits.headBytes,
        );
      }
      if (this.#len >= buf.length) {
        const grown = new Uint8Array(Math.min(buf.length * 4, limits.headBytes));
        grown.set(buf);
        buf = this.#buf = grown;
      }
      buf[this.#len++] = b;
      if (b !== LF) {
        if (this.#firstLine && this.#len - this.#lineStart > limits.lineBytes) {
          throw new HeadError(
            "uri-too-long",
            `The request line is over the limit of ${limits.lineBytes} bytes`,
            limits.lineBytes,
          );
        }
        continue;
      }
      let content = this.#len - 1 - this.#lineStart;
      if (content > 0 && buf[this.#len - 2] === CR) content--;
      this.#lineStart = this.#len;
      if (content === 0) return i + 1;
      if (this.#firstLine) this.#firstLine = false;
      else if (++this.#fields > limits.fields) {
        throw new HeadError(
          "headers-too-large",
          `The request has more than ${limits.fields} header fields`,
          limits.fields,
        );
      }
    }
    return -1;
  }
}

const latin1 = new TextDecoder("latin1");
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Control characters a field value must not hold (HTAB aside; RFC 9110 section 5.5). */
// deno-lint-ignore no-control-regex
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f]/;
/** A request target: origin form or absolute form, visible ASCII only (RFC 9112 section 3.2). */
const TARGET = /^(?:\/|https?:\/\/)[\x21-\x7e]*$/i;
/** A Host value: uri-host and an optional port (RFC 9110 section 7.2). */
const HOST = /^(?:[A-Za-z0-9._~!$&'()*+,;=%-]*|\[[0-9A-Fa-f:.]+\])(?::\d*)?$/;

/** A parsed head: its first line's three parts and its fields (names in lower case). */
interface Parsed {
  readonly first: string;
  readonly fields: Map<string, string[]>;
}

function parse(head: Uint8Array): Parsed {
  const lines = latin1.decode(head).split("\n").map((l) => l.endsWith("\r") ? l.slice(0, -1) : l);
  const fields = new Map<string, string[]>();
  for (const line of lines.slice(1)) {
    if (line === "") continue;
    const colon = line.indexOf(":");
    const name = line.slice(0, colon);
    if (colon <= 0 || !TOKEN.test(name)) {
      throw new HeadError("bad-request", "A header line is malformed");
    }
    const key = name.toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (CONTROL.test(value)) {
      throw new HeadError("bad-request", `The ${key} header holds a control character`);
    }
    const list = fields.get(key);
    if (list) list.push(value);
    else fields.set(key, [value]);
  }
  return { first: lines[0]!, fields };
}

/** The comma-separated tokens of every `name` field, in lower case. */
function tokens(p: Parsed, name: string): string[] {
  return (p.fields.get(name) ?? []).flatMap((v) => v.split(",")).map((t) => t.trim().toLowerCase())
    .filter(Boolean);
}

/** Whether the connection ends after this message (HTTP/1.0 without keep-alive, or `close`). */
function closes(p: Parsed, version: string): boolean {
  const conn = tokens(p, "connection");
  return conn.includes("close") || (version === "HTTP/1.0" && !conn.includes("keep-alive"));
}

/** The body framing `Transfer-Encoding` and `Content-Length` give, or null for neither. */
function bodyFraming(p: Parsed): Framing | null {
  const te = tokens(p, "transfer-encoding");
  const cl = (p.fields.get("content-length") ?? []).flatMap((v) => v.split(",")).map((v) =>
    v.trim()
  );
  if (te.length) {
    if (cl.length) {
      throw new HeadError("bad-request", "Both Transfer-Encoding and Content-Length are set");
    }
    if (te.at(-1) !== "chunked") {
      throw new HeadError("bad-request", "Transfer-Encoding does not end in chunked");
    }
    return { kind: "chunked" };
  }
  if (!cl.length) return null;
  if (cl.some((v) => v !== cl[0]) || !/^\d{1,15}$/.test(cl[0]!)) {
    throw new HeadError("bad-request", "Content-Length is not one decimal number");
  }
  return { kind: "length", length: Number(cl[0]) };
}

/** What the front needs to know of a request head. */
export interface RequestHead {
  /** The method (`HEAD` requests get responses without a body). */
  readonly method: string;
  /** How its body is delimited. */
  readonly body: Framing;
  /** Whether the client ends the connection after this request. */
  readonly close: boolean;
}

/**
 * Parses a request head as {@link HeadScanner} collected it.
 *
 * @param head the head bytes
 * @returns method, body framing and whether the connection closes after it
 * @throws {HeadError} for a malformed head or an ambiguous body length
 */
export function parseRequestHead(head: Uint8Array): RequestHead {
  const p = parse(head);
  const line = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+) (\S+) (HTTP\/1\.[01])$/.exec(p.first);
  if (!line) throw new HeadError("bad-request", "The request line is not an HTTP/1.1 request line");
  const [, method, target, version] = line as unknown as [string, string, string, string];
  if (!TARGET.test(target)) {
    throw new HeadError("bad-request", "The request target is not a path or an http(s) URL");
  }
  const host = p.fields.get("host") ?? [];
  if (host.length > 1 || (host.length === 1 && !HOST.test(host[0]!))) {
    throw new HeadError("bad-request", "The Host header is not one host and port");
  }
  const body = bodyFraming(p);
  if (body?.kind === "chunked" && version === "HTTP/1.0") {
    throw new HeadError("bad-request", "Transfer-Encoding in an HTTP/1.0 request");
  }
  return { method, body: body ?? { kind: "none" }, close: closes(p, version) };
}

/** What the front needs to know of a response head. */
export interface ResponseHead {
  /** The status code. */
  readonly status: number;
  /** How its body is delimited. */
  readonly body: Framing;
  /** Whether the server ends the connection after this response. */
  readonly close: boolean;
}

/**
 * Parses a response head of the internal server.
 *
 * @param head the head bytes
 * @param method the method of the request it answers
 * @returns status, body framing and whether the connection closes after it
 */
export function parseResponseHead(head: Uint8Array, method: string): ResponseHead {
  const p = parse(head);
  const version = p.first.slice(0, 8);
  const status = Number(p.first.slice(9, 12));
  const close = closes(p, version);
  if (method === "HEAD" || (status >= 100 && status < 200) || status === 204 || status === 304) {
    return { status, body: { kind: "none" }, close };
  }
  return { status, body: bodyFraming(p) ?? { kind: "close" }, close };
}
