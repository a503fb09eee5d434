/**
 * One client connection of the HTTP/1.1 front: reads each request head under a deadline and size
 * limits, forwards the request to the internal server on a connection of its own, follows both
 * bodies to find where each message ends, and closes the client connection as soon as a response
 * that says `Connection: close` is complete, without reading the rest of the request body.
 *
 * @module
 */

import { problemAnswer, relayWhileReading, writeAll } from "./wire.ts";
import { BodyScanner, ChunkedError } from "./body.ts";
import {
  HeadError,
  type HeadLimits,
  HeadScanner,
  parseRequestHead,
  parseResponseHead,
} from "./head.ts";

/** The problems the front answers itself. */
export type FrontProblemCode =
  | "header-timeout"
  | "uri-too-long"
  | "headers-too-large"
  | "bad-request"
  | "unavailable";

/** Settings shared by every connection of a front. */
export interface ConnectionSettings {
  /** Time allowed for a request head, in ms, counted while no response is outstanding. */
  readonly headerTimeoutMs: number;
  /** Size limits of a request head. */
  readonly limits: HeadLimits;
  /** How long a closed connection still reads (and drops) what the client sends, in ms. */
  readonly lingerMs: number;
  /** Opens a connection to the internal server. */
  readonly upstream: () => Promise<Deno.Conn>;
  /** Told of every problem the front answers (for the log). */
  readonly onRefused?: (code: FrontProblemCode, status: number) => void;
  /** The problem+json body and status of a problem the front answers. */
  readonly problem: (
    code: FrontProblemCode,
    detail: string,
    limit?: number,
  ) => { status: number; body: string };
}

/** Limits of response heads from the internal server. */
const RESPONSE_LIMITS: HeadLimits = { lineBytes: 8192, headBytes: 65536, fields: 1000 };
/** Read buffers: request heads and small bodies, large request bodies, responses. */
const SMALL_BYTES = 16384, LARGE_BYTES = 262144, RESPONSE_BYTES = 65536;
/** Most bytes a closed connection reads and drops; then it is left unread until `lingerMs`. */
const LINGER_BYTES = 4 * 1024 * 1024;

/** A request forwarded and not yet answered. */
interface Outstanding {
  readonly method: string;
  readonly close: boolean;
}

/** One client connection; {@link run} serves it until it closes. */
export class FrontConnection {
  readonly #client: Deno.Conn;
  readonly #s: ConnectionSettings;
  #up: Deno.Conn | undefined;
  readonly #queue: Outstanding[] = [];
  #waitingHead = false;
  #headSeen = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;
  #linger: ReturnType<typeof setTimeout> | undefined;
  /** Settles when the client connection is closed for good. */
  readonly #gone = Promise.withResolvers<void>();
  #stopping = false;
  #clientEnded = false;
  /** Request framing the front could not follow: bytes pass as they are, the app judges them. */
  #lost = false;
  /** A problem for a request refused while earlier answers were still owed: sent after them. */
  #last: Uint8Array | undefined;
  #responses: Promise<void> = Promise.resolve();
  /** Whether the head of the answer to the oldest outstanding request has arrived. */
  #answering = false;
  /** The front let go of the internal connection itself and answers the client alone. */
  #detached = false;

  /**
   * Wraps an accepted connection.
   *
   * @param client the client's connection
   * @param settings the front's settings
   */
  constructor(client: Deno.Conn, settings: ConnectionSettings) {
    this.#client = client;
    this.#s = settings;
  }

  /** Serves the connection until both sides are closed. */
  async run(): Promise<void> {
    const eof = await this.#requests().catch(() => false);
    // No more requests are read: answers still owed are sent, then the connection closes.
    this.#clientEnded = true;
    if (!this.#closed && !this.#queue.length) this.#close(!eof);
    if (!eof) {
      // The client is not read meanwhile (TCP holds what it sends); once closed, what it sends
      // is dropped for a while (a bounded while: time and bytes) before the connection goes.
      await this.#responses;
      await this.#discard();
    }
    await this.#responses;
    this.#close(false);
    this.#finishLinger();
  }

  /** Shutdown: closes the connection now if it waits for a request, else after its answer. */
  stop(): void {
    this.#stopping = true;
    if (this.#waitingHead && !this.#headSeen && !this.#queue.length) this.#close(false);
  }

  /** Closes the connection at once if it is in a request head; else it ends with its answer. */
  abort(): void {
    if (!this.#waitingHead || this.#queue.length) return;
    this.#close(false);
    this.#finishLinger();
  }

  /** Reads and forwards requests; returns whether the client ended its side. */
  async #requests(): Promise<boolean> {
    const small = new Uint8Array(SMALL_BYTES);
    let buf = small;
    const head = new HeadScanner(this.#s.limits);
    const body = new BodyScanner();
    let start = 0, end = 0;
    /** The second buffer of a large body's relay. */
    let spare: Uint8Array<ArrayBuffer> | undefined;
    for (;;) {
      head.reset();
      this.#waitingHead = true;
      this.#headSeen = false;
      this.#armTimer();
      for (;;) {
        if (start < end) {
          let at: number;
          try {
            at = head.push(buf, start, end);
          } catch (e) {
            if (!(e instanceof HeadError)) throw e;
            return this.#refuse(e.code, e.message, e.limit);
          }
          this.#headSeen ||= head.length > 0;
          start = at < 0 ? end : at;
          if (at >= 0) break;
        }
        if (this.#stopping && !this.#headSeen && !this.#queue.length) return this.#close(false);
        buf = small;
        const n = await this.#client.read(buf);
        if (this.#closed) return false;
        if (n === null) return true;
        start = 0;
        end = n;
      }
      this.#waitingHead = false;
      clearTimeout(this.#timer);
      let req;
      try {
        req = parseRequestHead(head.bytes());
      } catch (e) {
        if (!(e instanceof HeadError)) throw e;
        return this.#refuse(e.code, e.message, e.limit);
      }
      let up = this.#up;
      if (!up) {
        try {
          up = this.#up = await this.#s.upstream();
        } catch {
          return this.#refuse("unavailable", "The server is shutting down");
        }
        if (this.#closed) return false;
        this.#responses = this.#pumpResponses(up);
      }
      this.#queue.push({ method: req.method, close: req.close });
      await writeAll(up, head.bytes());
      body.reset(req.body);
      const large = req.body.kind === "chunked" ||
        (req.body.kind === "length" && req.body.length > SMALL_BYTES);
      for (;;) {
        if (start < end) {
          let stop: number;
          try {
            stop = body.scan(buf, start, end);
          } catch (e) {
            if (!(e instanceof ChunkedError)) throw e;
            if (this.#queue.length > 1 || this.#answering) {
              return await this.#passThrough(up, buf.subarray(start, end));
            }
            // Nothing is owed before this request and its answer has not begun: the front answers.
            this.#queue.length = 0;
            this.#detached = true;
            try {
              up.close();
            } catch { /* closed */ }
            return this.#refuse(
              "bad-request",
              `The chunked request body is malformed: ${e.message}`,
            );
          }
          const upto = stop < 0 ? end : stop;
          if (stop < 0 && large) {
            // More of a large body is due: its next piece is read into the other buffer while
            // this one is written (the relay never waits on both sockets in turn).
            if (!spare) spare = new Uint8Array(LARGE_BYTES);
            const next = spare;
            const n = await relayWhileReading(up, buf.subarray(start, upto), this.#client, next);
            if (this.#closed) return false;
            if (n === null) {
              this.#close(false);
              return true;
            }
            spare = buf === small ? undefined : buf;
            buf = next;
            start = 0;
            end = n;
            continue;
          }
          await writeAll(up, buf.subarray(start, upto));
          start = upto;
          if (stop >= 0) break;
        } else if (body.done) break;
        // A large body is read in large pieces (fewer reads and writes); the buffer goes with it.
        if (large && buf === small) buf = new Uint8Array(LARGE_BYTES);
        const n = await this.#client.read(buf);
        if (this.#closed) return false;
        if (n === null) {
          // The body ended early: the internal server sees the connection go too.
          this.#close(false);
          return true;
        }
        start = 0;
        end = n;
      }
      if (req.close) return false;
    }
  }

  /**
   * Passes the client's bytes on as they are, from a chunked body the front cannot follow whose
   * answer has begun or waits behind others: the app's server ends it, and the front closes after.
   */
  async #passThrough(up: Deno.Conn, pending: Uint8Array): Promise<boolean> {
    this.#lost = true;
    await writeAll(up, pending);
    const buf = new Uint8Array(SMALL_BYTES);
    for (;;) {
      const n = await this.#client.read(buf);
      if (this.#closed) return false;
      if (n === null) return true;
      await writeAll(up, buf.subarray(0, n));
    }
  }

  /** Follows the internal server's responses, passing every byte to the client. */
  async #pumpResponses(up: Deno.Conn): Promise<void> {
    const buf = new Uint8Array(RESPONSE_BYTES);
    const head = new HeadScanner(RESPONSE_LIMITS);
    const body = new BodyScanner();
    let inHead = true, close = false;
    try {
      for (;;) {
        const n = await up.read(buf);
        if (n === null || this.#closed) break;
        let start = 0, complete = -1;
        while (start < n) {
          if (inHead) {
            const at = head.push(buf, start, n);
            if (at < 0) break;
            start = at;
            const res = parseResponseHead(head.bytes(), this.#queue[0]?.method ?? "GET");
            head.reset();
            // 1xx (100 Continue) is interim; 101 is never asked for by the app: a tunnel is refused.
            if (res.status === 101) throw new Error("upgrade");
            if (res.status < 200) continue;
            this.#answering = true;
            close = res.close || this.#lost || (this.#queue[0]?.close ?? true);
            body.reset(res.body);
            inHead = false;
          }
          const stop = body.scan(buf, start, n);
          if (stop < 0) break;
          start = stop;
          this.#queue.shift();
          this.#answering = false;
          inHead = true;
          if (close || (!this.#queue.length && (this.#clientEnded || this.#last))) {
            complete = stop;
            break;
          }
        }
        await writeAll(this.#client, complete < 0 ? buf.subarray(0, n) : buf.subarray(0, complete));
        if (complete >= 0) {
          if (!close && this.#last) await writeAll(this.#client, this.#last);
          break;
        }
        if (!this.#queue.length) this.#armTimer();
      }
    } catch {
      // A response the front cannot follow, an upgrade, or a side gone: nothing more can be said.
      if (!this.#detached) this.#close(false);
      return;
    }
    if (!this.#detached) this.#close(true);
  }

  /** Starts the head deadline when a head is awaited and no response is outstanding. */
  #armTimer(): void {
    clearTimeout(this.#timer);
    if (!this.#waitingHead || this.#queue.length || this.#closed) return;
    if (this.#stopping && !this.#headSeen) return void this.#close(true);
    this.#timer = setTimeout(() => {
      if (!this.#waitingHead || this.#queue.length || this.#closed) return;
      if (!this.#headSeen) return this.#close(false);
      const s = this.#s.headerTimeoutMs / 1000;
      void this.#refuse("header-timeout", `The request head was not received within ${s} s`);
    }, this.#s.headerTimeoutMs);
  }

  /** Answers a problem the front found itself, then closes (after the answers still owed). */
  async #refuse(code: FrontProblemCode, detail: string, limit?: number): Promise<false> {
    if (this.#closed || this.#last) return false;
    const p = this.#s.problem(code, detail, limit);
    this.#s.onRefused?.(code, p.status);
    this.#waitingHead = false;
    clearTimeout(this.#timer);
    const bytes = problemAnswer(p.status, p.body);
    if (this.#queue.length) {
      this.#last = bytes;
      return false;
    }
    try {
      await writeAll(this.#client, bytes);
    } catch { /* the client is gone */ }
    this.#close(true);
    return false;
  }

  /**
   * Closes the internal connection and the client's. Gracefully: the client gets the end of the
   * stream at once, and what it still sends is read and dropped for a while, so that its kernel
   * does not discard the answer on a reset.
   */
  #close(graceful: boolean): false {
    clearTimeout(this.#timer);
    if (this.#closed) return false;
    this.#closed = true;
    this.#waitingHead = false;
    try {
      this.#up?.close();
    } catch { /* closed */ }
    if (graceful) {
      try {
        (this.#client as Deno.TcpConn).closeWrite();
        this.#linger = setTimeout(() => this.#finishLinger(), this.#s.lingerMs);
        return false;
      } catch { /* already gone */ }
    }
    this.#finishLinger();
    return false;
  }

  #finishLinger(): void {
    clearTimeout(this.#linger);
    this.#linger = undefined;
    try {
      this.#client.close();
    } catch { /* closed */ }
    this.#gone.resolve();
  }

  /** Reads and drops what the client sends until it ends its side or the connection closes. */
  async #discard(): Promise<void> {
    const buf = new Uint8Array(SMALL_BYTES);
    let dropped = 0;
    try {
      for (let n; (n = await this.#client.read(buf)) !== null;) {
        // A client that goes on sending is no longer read (TCP stops it, at no cost here) but
        // still has the rest of the lingering time to read the answer before the reset.
        if ((dropped += n) > LINGER_BYTES) return await this.#gone.promise;
      }
    } catch { /* closed */ }
  }
}
