import assert from "node:assert/strict";
import { readMultipart } from "./multipart.ts";

const BOUNDARY = "b0undary";
const enc = (s: string) => new TextEncoder().encode(s);

/** A multipart body of one file part `a` of `size` bytes, counted as it is pulled. */
function body(size: number, chunk: number) {
  const head = enc(
    `--${BOUNDARY}\r\ncontent-disposition: form-data; name="a"; filename="a"\r\n\r\n`,
  );
  const tail = enc(`\r\n--${BOUNDARY}--\r\n`);
  let sent = 0;
  const counter = { pulled: 0 };
  const stream = new ReadableStream<Uint8Array>({
    pull(ctl) {
      if (sent === 0) ctl.enqueue(head);
      if (sent >= size) {
        ctl.enqueue(tail);
        return ctl.close();
      }
      const n = Math.min(chunk, size - sent);
      ctl.enqueue(new Uint8Array(n).fill(0x41));
      sent += n;
      counter.pulled += n;
    },
  }, { highWaterMark: 0 });
  return { stream, counter };
}

Deno.test("readMultipart holds the client back while the consumer is slow", async () => {
  const chunk = 64 * 1024;
  const { stream, counter } = body(64 * chunk, chunk);
  let consumed = 0;
  let maxAhead = 0;
  const result = await readMultipart(stream, `multipart/form-data; boundary=${BOUNDARY}`, {
    streams: ["a"],
    texts: {},
    required: ["a"],
    maxParts: 2,
    async consume(_name, _info, s) {
      for await (const c of s) {
        maxAhead = Math.max(maxAhead, counter.pulled - consumed);
        await new Promise((r) => setTimeout(r, 2));
        consumed += c.length;
      }
      return consumed;
    },
  });
  assert.equal(result.streams.a!.value, 64 * chunk);
  assert.equal(result.streams.a!.filename, "a");
  assert.ok(maxAhead <= 3 * chunk, `read ahead ${maxAhead} bytes`);
});

Deno.test("readMultipart collects text parts with limits and reports the part", async () => {
  const text = (name: string, v: string) =>
    `--${BOUNDARY}\r\ncontent-disposition: form-data; name="${name}"\r\n\r\n${v}\r\n`;
  const run = (raw: string) =>
    readMultipart(ReadableStream.from([enc(raw)]), `multipart/form-data; boundary=${BOUNDARY}`, {
      streams: [],
      texts: { filter: 8 },
      required: ["filter"],
      maxParts: 3,
      consume: () => Promise.resolve(0),
    });
  const ok = await run(text("filter", "0x33") + `--${BOUNDARY}--\r\n`);
  assert.deepEqual(ok.texts, { filter: "0x33" });
  await assert.rejects(run(text("filter", "0x33333333333") + `--${BOUNDARY}--\r\n`), (e: Error) => {
    assert.equal((e as { part?: string }).part, "filter");
    return true;
  });
  await assert.rejects(run(`--${BOUNDARY}--\r\n`), /"filter" is required/);
  await assert.rejects(run(text("filter", "1")), /ended before the closing boundary/);
  await assert.rejects(
    readMultipart(ReadableStream.from([enc("x")]), "multipart/form-data", {
      streams: [],
      texts: {},
      required: [],
      maxParts: 1,
      consume: () => Promise.resolve(0),
    }),
    /no multipart boundary/,
  );
});
