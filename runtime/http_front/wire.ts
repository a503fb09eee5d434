/**
 * Bytes on the front's two sockets: writing a buffer whole, relaying a body piece while the next
 * is read, and the answer the front gives itself (a problem, then the connection closes).
 *
 * @module
 */

const enc = new TextEncoder();

const REASONS: Record<number, string> = {
  400: "Bad Request",
  408: "Request Timeout",
  414: "URI Too Long",
  431: "Request Header Fields Too Large",
  503: "Service Unavailable",
};

/**
 * Writes all of `bytes` to `conn`.
 *
 * @param conn the socket
 * @param bytes what to write
 */
export async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  while (bytes.length) bytes = bytes.subarray(await conn.write(bytes));
}

/**
 * Writes `piece` to `up` while the next bytes from `client` are read into `next`, so a relay never
 * waits on its two sockets in turn.
 *
 * @param up where the piece goes
 * @param piece the bytes to pass on
 * @param client where the next bytes come from
 * @param next the buffer they are read into (not `piece`'s)
 * @returns the number of bytes read, or null at the client's end of stream
 */
export async function relayWhileReading(
  up: Deno.Conn,
  piece: Uint8Array,
  client: Deno.Conn,
  next: Uint8Array,
): Promise<number | null> {
  const reading = client.read(next);
  reading.catch(() => {}); // awaited below, unless the write fails first
  await writeAll(up, piece);
  return await reading;
}

/**
 * A whole problem answer that closes the connection.
 *
 * @param status the HTTP status
 * @param body the problem+json text
 * @returns the bytes of the head and body
 */
export function problemAnswer(status: number, body: string): Uint8Array {
  const bytes = enc.encode(body);
  const head = enc.encode(
    `HTTP/1.1 ${status} ${REASONS[status] ?? "Error"}\r\n` +
      `content-type: application/problem+json\r\ncontent-length: ${bytes.length}\r\n` +
      `connection: close\r\ncache-control: no-store\r\n` +
      `date: ${new Date().toUTCString()}\r\n\r\n`,
  );
  const out = new Uint8Array(head.length + bytes.length);
  out.set(head);
  out.set(bytes, head.length);
  return out;
}
