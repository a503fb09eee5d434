import assert from "node:assert/strict";
import { HeadError, HeadScanner, parseRequestHead, parseResponseHead } from "./head.ts";

const enc = new TextEncoder();
const LIMITS = { lineBytes: 64, headBytes: 256, fields: 4 };

/** Feeds `text` one byte at a time; returns where the head ended and the scanner. */
function scan(text: string, limits = LIMITS): { end: number; scanner: HeadScanner } {
  const bytes = enc.encode(text);
  const scanner = new HeadScanner(limits);
  for (let i = 0; i < bytes.length; i++) {
    const end = scanner.push(bytes, i, i + 1);
    if (end >= 0) return { end, scanner };
  }
  return { end: -1, scanner };
}

Deno.test("a head ends at its empty line (CRLF or bare LF), leading empty lines skipped", () => {
  const crlf = scan("\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\nNEXT");
  assert.equal(crlf.end, 29);
  assert.equal(new TextDecoder().decode(crlf.scanner.bytes()), "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  assert.equal(scan("GET / HTTP/1.1\nHost: x\n\n").end, 24);
  assert.equal(scan("GET / HTTP/1.1\r\nHost: x\r\n").end, -1);
});

Deno.test("limits: request line 414, head bytes and field count 431", () => {
  const code = (text: string) => {
    try {
      scan(text);
    } catch (e) {
      assert.ok(e instanceof HeadError);
      return e.code;
    }
    return "ok";
  };
  assert.equal(code(`GET /${"a".repeat(64)} HTTP/1.1\r\n\r\n`), "uri-too-long");
  assert.equal(code(`GET / HTTP/1.1\r\nX: ${"b".repeat(300)}\r\n\r\n`), "headers-too-large");
  assert.equal(code(`GET / HTTP/1.1\r\n${"X: 1\r\n".repeat(5)}\r\n`), "headers-too-large");
  assert.equal(code(`GET / HTTP/1.1\r\n${"X: 1\r\n".repeat(4)}\r\n`), "ok");
});

Deno.test("request framing: none, Content-Length, chunked; ambiguous lengths are refused", () => {
  const req = (t: string) => parseRequestHead(enc.encode(t));
  assert.deepEqual(req("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), {
    method: "GET",
    body: { kind: "none" },
    close: false,
  });
  assert.deepEqual(req("PUT /a HTTP/1.1\r\nContent-Length: 12\r\n\r\n").body, {
    kind: "length",
    length: 12,
  });
  assert.deepEqual(req("PUT /a HTTP/1.1\r\ncontent-length: 7, 7\r\n\r\n").body, {
    kind: "length",
    length: 7,
  });
  assert.deepEqual(req("PUT /a HTTP/1.1\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n").body, {
    kind: "chunked",
  });
  for (const host of ["x", "127.0.0.1:8931", "[::1]:8931", "a-b.example", "xn--bcher-kva.ch"]) {
    assert.equal(req(`GET /a?b=%20 HTTP/1.1\r\nHost: ${host}\r\nX: \t\xe9\r\n\r\n`).method, "GET");
  }
  assert.equal(req("GET http://x/health HTTP/1.1\r\n\r\n").method, "GET");
  assert.equal(req("GET / HTTP/1.1\r\nConnection: close\r\n\r\n").close, true);
  assert.equal(req("GET / HTTP/1.0\r\n\r\n").close, true);
  assert.equal(req("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").close, false);
  for (
    const bad of [
      "PUT / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
      "PUT / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
      "PUT / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
      "PUT / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
      "PUT / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
      "GET / HTTP/2.0\r\n\r\n",
      "GET /\r\n\r\n",
      "GET / HTTP/1.1\r\n folded: x\r\n\r\n",
      "GET / HTTP/1.1\r\nBad Name: x\r\n\r\n",
      "GET * HTTP/1.1\r\n\r\n",
      "GET example.com:80 HTTP/1.1\r\n\r\n",
      "GET /a\x7fb HTTP/1.1\r\n\r\n",
      "GET /\xff HTTP/1.1\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: a b\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
      "GET / HTTP/1.1\r\nX: a\x01b\r\n\r\n",
      "GET / HTTP/1.1\r\nX: a\rb\r\n\r\n",
    ]
  ) {
    assert.throws(() => req(bad), HeadError, bad);
  }
});

Deno.test("response framing: HEAD, 1xx, 204 and 304 have no body; close-delimited otherwise", () => {
  const res = (t: string, m = "GET") => parseResponseHead(enc.encode(t), m);
  assert.deepEqual(res("HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n", "HEAD").body, {
    kind: "none",
  });
  assert.equal(res("HTTP/1.1 100 Continue\r\n\r\n").status, 100);
  assert.deepEqual(res("HTTP/1.1 304 Not Modified\r\n\r\n").body, { kind: "none" });
  assert.deepEqual(res("HTTP/1.1 404 Not Found\r\ntransfer-encoding: chunked\r\n\r\n").body, {
    kind: "chunked",
  });
  assert.deepEqual(res("HTTP/1.1 200 OK\r\n\r\n").body, { kind: "close" });
  assert.equal(res("HTTP/1.1 413 Payload Too Large\r\nconnection: close\r\n\r\n").close, true);
});
