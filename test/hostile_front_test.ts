/**
 * The HTTP/1.1 front of `coredelta serve` on real sockets: request heads that trickle or stop get a
 * 408 problem within the header timeout and the connection closes; over-long request lines and
 * header blocks get 414/431 problems; keep-alive and pipelining go on working, with the deadline
 * applied to every request; a 413 found mid-body closes the connection while the client is still
 * sending; uploads, diffs, `Expect: 100-continue`, HEAD and shutdown with a request in flight work.
 *
 * Bounds are generous (seconds): these tests must pass under two suites at once on 2 CPUs.
 */

import assert from "node:assert/strict";
import { type RunningServer, startServer } from "../cli/serve.ts";
import { concat } from "../lib/bytes/streams.ts";
import { httpChunk, requestHead, sleep } from "./_api_faults.ts";
import { loadCore } from "./_fixtures.ts";
import type { Limits } from "../api/deps.ts";

const enc = new TextEncoder(), dec = new TextDecoder();
const HEAD_MS = 1500;

async function withServer(
  limits: Partial<Limits>,
  fn: (s: RunningServer, port: number, logs: Record<string, unknown>[]) => Promise<void>,
): Promise<void> {
  const logs: Record<string, unknown>[] = [];
  const dataDir = await Deno.makeTempDir({ prefix: "coredelta-front-" });
  const server = await startServer({
    port: 0,
    hostname: "127.0.0.1",
    dataDir,
    tokens: [],
    limits,
    headerTimeoutMs: HEAD_MS,
    logger: { log: (r) => logs.push(r) },
  });
  try {
    await fn(server, Number(new URL(server.url).port), logs);
  } finally {
    await server.shutdown();
    await Deno.remove(dataDir, { recursive: true });
  }
}

/** A raw connection that records everything the server sends, and when it hung up. */
class Peer {
  readonly conn: Deno.TcpConn;
  received: Uint8Array = new Uint8Array(0);
  endedAt: number | undefined;
  readonly ended: Promise<void>;

  private constructor(conn: Deno.TcpConn) {
    this.conn = conn;
    this.ended = (async () => {
      const buf = new Uint8Array(65536);
      try {
        for (;;) {
          const n = await conn.read(buf);
          if (n === null) break;
          this.received = concat([this.received, buf.subarray(0, n)]);
        }
      } catch { /* reset or closed by us */ }
      this.endedAt = performance.now();
    })();
  }

  static async open(port: number): Promise<Peer> {
    return new Peer(await Deno.connect({ hostname: "127.0.0.1", port }));
  }

  async send(data: string | Uint8Array): Promise<void> {
    let bytes = typeof data === "string" ? enc.encode(data) : data;
    while (bytes.length) bytes = bytes.subarray(await this.conn.write(bytes));
  }

  get text(): string {
    return dec.decode(this.received);
  }

  /** Statuses of the complete responses received so far. */
  get statuses(): number[] {
    return [...this.text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));
  }

  /** Waits until `n` responses arrived (or the server hung up), at most `ms`. */
  async responses(n: number, ms = 10_000): Promise<number[]> {
    const end = performance.now() + ms;
    while (this.statuses.length < n && this.endedAt === undefined && performance.now() < end) {
      await sleep(10);
    }
    return this.statuses;
  }

  /** Waits until the server hangs up; fails after `ms`. */
  async hangUp(ms = 10_000): Promise<void> {
    let timer;
    const late = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no hang-up in ${ms} ms: ${this.text}`)), ms);
    });
    try {
      await Promise.race([this.ended, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  close(): void {
    try {
      this.conn.close();
    } catch { /* closed */ }
  }
}

function assertProblem(p: Peer, status: number, type: RegExp, what = ""): void {
  assert.equal(p.statuses[0], status, `${what}: ${p.text}`);
  assert.match(p.text, /content-type: application\/problem\+json/i);
  assert.match(p.text, /connection: close/i);
  const body = JSON.parse(p.text.slice(p.text.indexOf("\r\n\r\n") + 4));
  assert.equal(body.status, status);
  assert.match(body.type, type);
}

Deno.test("request heads that trickle or stop get a 408 problem within the header timeout, then the connection closes", async () => {
  await withServer({}, async (_s, port, logs) => {
    // Taken before the connections open: each deadline starts later than this.
    const t0 = performance.now();
    const trickle = await Peer.open(port);
    const stopped = await Peer.open(port);
    const idle = await Peer.open(port);
    try {
      await stopped.send("GET /health HTTP/1.1\r\n");
      // One header line every 300 ms would go on for ever.
      const dripping = (async () => {
        await trickle.send("GET /health HTTP/1.1\r\n");
        for (let i = 0; trickle.endedAt === undefined && i < 100; i++) {
          await sleep(300);
          await trickle.send(`X-Drip-${i}: ${i}\r\n`).catch(() => {});
        }
      })();
      for (const p of [trickle, stopped]) {
        await p.hangUp(HEAD_MS + 8000);
        assertProblem(p, 408, /header-timeout$/);
        assert.ok(p.endedAt! - t0 >= HEAD_MS - 100, `408 after ${p.endedAt! - t0} ms`);
      }
      await dripping;
      // A connection that never sent a byte is closed without an answer.
      await idle.hangUp(HEAD_MS + 8000);
      assert.equal(idle.text, "");
      // The log says what the front answered, and nothing the client sent.
      const refused = logs.filter((r) => r.msg === "refused");
      assert.equal(refused.length, 2);
      for (const r of refused) assert.deepEqual([r.status, r.problem], [408, "header-timeout"]);
      assert.doesNotMatch(JSON.stringify(logs), /Drip/);
    } finally {
      for (const p of [trickle, stopped, idle]) p.close();
    }
  });
});

Deno.test("over-long request lines and header blocks get 414 and 431 problems, bad framing 400, never a bare 400 or a hang", async () => {
  await withServer({}, async (_s, port) => {
    const many: Record<string, string> = {};
    for (let i = 0; i < 120; i++) many[`X-H${i}`] = "v";
    const cases: [string, number, RegExp][] = [
      [`GET /${"a".repeat(10_000)} HTTP/1.1\r\nHost: x\r\n\r\n`, 414, /uri-too-long$/],
      // Beyond the app's own limits and beyond Deno's (which answers a bare 400).
      [`GET /${"a".repeat(100_000)} HTTP/1.1\r\nHost: x\r\n\r\n`, 414, /uri-too-long$/],
      [requestHead("GET", "/health", { "X-Big": "b".repeat(20_000) }), 431, /headers-too-large$/],
      [requestHead("GET", "/health", { "X-Big": "b".repeat(100_000) }), 431, /headers-too-large$/],
      [requestHead("GET", "/health", many), 431, /headers-too-large$/],
      ["GET /health HTTP/2.0\r\nHost: x\r\n\r\n", 400, /bad-request$/],
      [
        requestHead("POST", "/v1/cores", { "Content-Length": 5, "Transfer-Encoding": "chunked" }),
        400,
        /bad-request$/,
      ],
      // What Deno answers with a bare 400 (or the app with a 500: a Host it cannot put in a URL).
      ["GET /a\x7f HTTP/1.1\r\nHost: x\r\n\r\n", 400, /bad-request$/],
      ["GET / HTTP/1.1\r\nHost: x\r\nX-Ctl: a\x01b\r\n\r\n", 400, /bad-request$/],
      ["GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400, /bad-request$/],
      // Chunked framing the front cannot follow.
      [
        `${requestHead("PUT", "/v1/cores", { "Transfer-Encoding": "chunked" })}3\r\nabcXX\r\n`,
        400,
        /bad-request$/,
      ],
    ];
    for (const [head, status, type] of cases) {
      const p = await Peer.open(port);
      try {
        await p.send(head).catch(() => {}); // the server may answer before all is sent
        await p.hangUp();
        assertProblem(p, status, type, head.slice(0, 60));
      } finally {
        p.close();
      }
    }
  });
});

Deno.test("keep-alive: requests on one connection, pipelined ones included, each under the header deadline", async () => {
  await withServer({}, async (_s, port) => {
    const p = await Peer.open(port);
    try {
      await p.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
      assert.deepEqual(await p.responses(1), [200]);
      await p.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
      assert.deepEqual(await p.responses(2), [200, 200]);
      // Pipelined: three requests in one write, HEAD in the middle (no body in its answer).
      await p.send(
        "GET /health HTTP/1.1\r\nHost: x\r\n\r\nHEAD /health HTTP/1.1\r\nHost: x\r\n\r\n" +
          "GET /v1/nothing HTTP/1.1\r\nHost: x\r\n\r\n",
      );
      assert.deepEqual(await p.responses(5), [200, 200, 200, 200, 404]);
      // An upgrade is not taken: the answer is an ordinary one and the connection goes on.
      await p.send(
        "GET /health HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n" +
          "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
      );
      assert.deepEqual(await p.responses(6), [200, 200, 200, 200, 404, 200]);
      // A refused request pipelined behind one still answered: its problem comes after that answer.
      const q = await Peer.open(port);
      try {
        await q.send(
          "GET /health HTTP/1.1\r\nHost: x\r\n\r\n" +
            requestHead("GET", "/health", { "X-Big": "b".repeat(100_000) }),
        );
        await q.hangUp();
        assert.deepEqual(q.statuses, [200, 431], q.text);
        assert.match(q.text, /"ok"\}HTTP\/1\.1 431 /);
      } finally {
        q.close();
      }
      // The deadline applies to the next request too.
      const t0 = performance.now();
      await p.send("GET /health HTTP/1.1\r\nHost: x\r\n");
      await p.hangUp(HEAD_MS + 8000);
      assert.deepEqual(p.statuses, [200, 200, 200, 200, 404, 200, 408]);
      // (The deadline started when the last answer went out, a little before t0.)
      assert.ok(p.endedAt! - t0 >= HEAD_MS / 2, `408 after ${p.endedAt! - t0} ms`);
    } finally {
      p.close();
    }
  });
});

Deno.test("large bodies are relayed whole with the next request pipelined behind them (Content-Length and chunked)", async () => {
  // Over 1 MiB: more than the front's large read buffer, so its next pieces are read while the
  // previous ones are written, and the pipelined request arrives with the body's last bytes.
  const core = new Uint8Array(loadCore("f033", "gdb"));
  assert.ok(core.length > 1024 * 1024);
  const text = (s: string) => new TextEncoder().encode(s);
  const join = (...parts: Uint8Array[]) => {
    const out = new Uint8Array(parts.reduce((n, x) => n + x.length, 0));
    let at = 0;
    for (const x of parts) out.set(x, (at += x.length) - x.length);
    return out;
  };
  const health = text("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
  await withServer({}, async (_s, port) => {
    const p = await Peer.open(port);
    try {
      await p.send(join(
        text(`PUT /v1/cores HTTP/1.1\r\nHost: x\r\nContent-Length: ${core.length}\r\n\r\n`),
        core,
        health,
      ));
      assert.deepEqual(await p.responses(2, 30_000), [201, 200], p.text.slice(0, 300));
      // The same core chunked, in pieces of 100,000 bytes: stored already, so 200.
      const pieces: Uint8Array[] = [];
      for (let at = 0; at < core.length; at += 100_000) {
        const piece = core.subarray(at, at + 100_000);
        pieces.push(text(`${piece.length.toString(16)}\r\n`), piece, text("\r\n"));
      }
      await p.send(join(
        text("PUT /v1/cores HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"),
        ...pieces,
        text("0\r\n\r\n"),
        health,
      ));
      const statuses = await p.responses(4, 30_000);
      assert.deepEqual(statuses.slice(2), [statuses[2] === 201 ? 201 : 200, 200]);
    } finally {
      p.close();
    }
  });
});

Deno.test("a chunked upload over the limit gets a 413 and the connection closes while the client is still sending", async () => {
  await withServer({ maxUploadBytes: 100_000 }, async (_s, port) => {
    const p = await Peer.open(port);
    try {
      await p.send(requestHead("PUT", "/v1/cores", { "Transfer-Encoding": "chunked" }));
      const chunk = httpChunk(loadCore("f033", "kernel").subarray(0, 65536));
      const total = 1024 * 1024 * 1024;
      let sent = 0;
      while (p.endedAt === undefined && sent < total) {
        await p.send(chunk).catch(() => {});
        sent += chunk.length;
      }
      await p.hangUp();
      assert.equal(p.statuses[0], 413, p.text);
      assert.match(p.text, /connection: close/i);
      assert.match(p.text, /application\/problem\+json/);
      // Without the front, Deno read the rest of the body before closing: here the client had
      // most of its gigabyte left to send when it saw the end.
      assert.ok(sent < total / 4, `${sent} bytes sent before the hang-up`);
    } finally {
      p.close();
    }
  });
});

Deno.test("a body that pauses past --idle-timeout gets a 408 and the connection closes at once", async () => {
  await withServer({ idleTimeoutMs: 1000 }, async (_s, port) => {
    const p = await Peer.open(port);
    try {
      await p.send(requestHead("PUT", "/v1/cores", { "Content-Length": 1_000_000 }));
      await p.send(loadCore("f033", "kernel").subarray(0, 4096));
      await p.hangUp(15_000);
      assert.equal(p.statuses[0], 408, p.text);
      assert.match(p.text, /connection: close/i);
    } finally {
      p.close();
    }
  });
});

Deno.test("through the front: a 1 MiB+ upload, Expect: 100-continue, a diff, and shutdown with a request in flight", async () => {
  const gdb = new Uint8Array(loadCore("f033", "gdb"));
  const kernel = new Uint8Array(loadCore("f033", "kernel"));
  assert.ok(gdb.length > 1024 * 1024);
  await withServer({}, async (s, port) => {
    const up = await fetch(`${s.url}/v1/cores`, { method: "PUT", body: gdb });
    assert.equal(up.status, 201, await up.clone().text());
    const id = (await up.json()).id;
    assert.ok(id);
    const form = new FormData();
    form.append("a", new Blob([kernel]), "a");
    form.append("b", new Blob([gdb]), "b");
    const diff = await fetch(`${s.url}/v1/diff`, { method: "POST", body: form });
    assert.equal(diff.status, 201);
    await diff.body?.cancel();
    // Expect: 100-continue: the interim answer comes before the body is sent.
    const e = await Peer.open(port);
    try {
      await e.send(requestHead("PUT", "/v1/cores", {
        "Content-Length": kernel.length,
        "Expect": "100-continue",
        "Connection": "close",
      }));
      assert.deepEqual(await e.responses(1), [100]);
      await e.send(kernel);
      await e.hangUp();
      assert.deepEqual(e.statuses, [100, 201]);
    } finally {
      e.close();
    }
    // Shutdown while an upload is half sent: it completes, then the server stops.
    const half = await Peer.open(port);
    try {
      await half.send(requestHead("PUT", "/v1/cores", { "Content-Length": kernel.length }));
      await half.send(kernel.subarray(0, kernel.length >> 1));
      await sleep(200);
      const stopping = s.shutdown();
      await sleep(200);
      await half.send(kernel.subarray(kernel.length >> 1));
      await half.hangUp();
      assert.deepEqual(half.statuses, [201], half.text);
      await stopping;
      await assert.rejects(Deno.connect({ hostname: "127.0.0.1", port }));
    } finally {
      half.close();
    }
  });
});

Deno.test("with the Docker image's permissions the app sits on <data>/.http/s (0700, a stale one replaced), reached through the front", async () => {
  const dir = await Deno.makeTempDir({ prefix: "coredelta-front-docker-" });
  const root = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
  const free = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = free.addr.port;
  free.close();
  const dockerfile = await Deno.readTextFile(new URL("../Dockerfile", import.meta.url));
  const cmd = JSON.parse(
    /^CMD (\[.*\])$/ms.exec(dockerfile.replaceAll("\\\n", ""))![1]!,
  ) as string[];
  const args = cmd.map((a) =>
    a.replaceAll("/data", dir).replaceAll("/app", root).replaceAll("8931", String(port))
      .replace("0.0.0.0", "127.0.0.1")
  );
  assert.ok(args.some((a) => a.startsWith("--allow-net=") && a.includes(`unix:${dir}/.http/s`)));
  // What a killed server left there is replaced.
  await Deno.mkdir(`${dir}/.http`, { mode: 0o700 });
  await Deno.writeTextFile(`${dir}/.http/s`, "stale");
  const child = new Deno.Command(Deno.execPath(), {
    args,
    cwd: root,
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  try {
    const first = await reader.read();
    assert.match(first.value ?? "", /"msg":"listening"/);
    const health = await fetch(`http://127.0.0.1:${port}/health`);
    assert.equal(health.status, 200);
    await health.body?.cancel();
    const sock = await Deno.stat(`${dir}/.http/s`);
    assert.ok(sock.isSocket);
    assert.equal((await Deno.stat(`${dir}/.http`)).mode! & 0o777, 0o700);
  } finally {
    child.kill("SIGTERM");
    assert.equal((await child.status).code, 0);
    await reader.cancel().catch(() => {});
    await Deno.remove(dir, { recursive: true });
  }
});
