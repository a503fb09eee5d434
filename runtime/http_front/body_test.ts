import assert from "node:assert/strict";
import { BodyScanner, ChunkedError } from "./body.ts";

const enc = new TextEncoder();

/** Where the body ends when `text` arrives in pieces of `piece` bytes (-1: not ended). */
function endOf(scanner: BodyScanner, text: string, piece: number): number {
  const bytes = enc.encode(text);
  for (let at = 0; at < bytes.length; at += piece) {
    const end = scanner.scan(bytes, at, Math.min(at + piece, bytes.length));
    if (end >= 0) return end;
  }
  return -1;
}

Deno.test("a chunked body ends after its last chunk and trailers, in any split", () => {
  const body = "5;ext=1\r\nhello\r\nA\r\n0123456789\r\n0\r\nTrailer: x\r\n\r\n";
  for (const piece of [1, 2, 3, 7, 1000]) {
    const s = new BodyScanner();
    s.reset({ kind: "chunked" });
    assert.equal(endOf(s, `${body}GET / HTTP/1.1`, piece), body.length, `piece ${piece}`);
    assert.ok(s.done);
  }
  const s = new BodyScanner();
  s.reset({ kind: "chunked" });
  assert.equal(endOf(s, "0\r\n\r\n", 1), 5);
  s.reset({ kind: "chunked" });
  assert.equal(endOf(s, "3\r\nabc\r\n0\r\n", 1), -1);
});

Deno.test("Content-Length bodies are counted, none ends at once, close never ends", () => {
  const s = new BodyScanner();
  s.reset({ kind: "length", length: 10 });
  assert.equal(endOf(s, "0123456789NEXT", 3), 10);
  s.reset({ kind: "none" });
  assert.equal(s.scan(new Uint8Array(4), 2, 4), 2);
  s.reset({ kind: "close" });
  assert.equal(s.scan(new Uint8Array(4), 0, 4), -1);
});

Deno.test("malformed chunked framing is an error, not a guess", () => {
  for (const bad of ["x\r\n", "5\r\nhelloXX", "\r\n", `${"1".repeat(14)}\r\n`, "1\rX"]) {
    const s = new BodyScanner();
    s.reset({ kind: "chunked" });
    assert.throws(() => endOf(s, bad, 1), ChunkedError, bad);
  }
});
