/**
 * Stateless replicas on one PostgreSQL: real `coredelta serve` processes (`--store postgres://...`)
 * on a throwaway cluster. An id uploaded to one is served by every other, byte for byte as a single
 * local-store node answers; a replica killed mid-upload or mid-write leaves nothing; a database
 * outage gives 503 with `Retry-After` and nothing partial, and the replicas recover by themselves.
 */

import assert from "node:assert/strict";
import postgres from "postgres";
import { REPORT_FORMATS } from "../lib/report/render.ts";
import { type ServeProcess, spawnServe, spillingCore, waitFor } from "./_api_faults.ts";
import { fixturePath } from "./_fixtures.ts";
import { sharedPostgres } from "./_postgres.ts";

const pg = sharedPostgres();
const ignore = pg.skip !== false;
if (pg.skip) console.warn(`skipping the replica tests: ${pg.skip}`);

/** Starts `n` replicas on `url`, each with its own directory for temporary files. */
async function replicas(
  url: string,
  n: number,
): Promise<{ list: ServeProcess[]; stop(): Promise<void> }> {
  const dirs: string[] = [];
  const list: ServeProcess[] = [];
  for (let i = 0; i < n; i++) {
    const dir = await Deno.makeTempDir({ prefix: "coredelta-replica-" });
    dirs.push(dir);
    list.push(await spawnServe(dir, ["--store", url]));
  }
  return {
    list,
    async stop() {
      for (const r of list) await r.kill();
      for (const d of dirs) await Deno.remove(d, { recursive: true }).catch(() => {});
    },
  };
}

async function count(url: string, table: string): Promise<number> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const [r] = await sql`SELECT count(*)::int AS n FROM ${sql(table)}`;
    return r?.n as number;
  } finally {
    await sql.end();
  }
}

async function largeObjects(url: string): Promise<number> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const [r] = await sql`SELECT count(*)::int AS n FROM pg_largeobject_metadata`;
    return r?.n as number;
  } finally {
    await sql.end();
  }
}

const text = async (r: Promise<Response>) => {
  const res = await r;
  return { status: res.status, headers: res.headers, body: await res.text() };
};

/** A request body we feed by hand: half now, the rest when told. */
function heldBody(bytes: Uint8Array, first: number) {
  let ctl!: ReadableStreamDefaultController<Uint8Array>;
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      ctl = c;
      for (let at = 0; at < first; at += 65536) {
        c.enqueue(bytes.slice(at, Math.min(first, at + 65536)));
      }
    },
  });
  return {
    stream,
    finish() {
      for (let at = first; at < bytes.length; at += 65536) {
        ctl.enqueue(bytes.slice(at, Math.min(bytes.length, at + 65536)));
      }
      ctl.close();
    },
  };
}

Deno.test({
  name: "three replicas on one PostgreSQL answer byte-identically to a single node",
  ignore,
  async fn() {
    const url = await pg.database();
    const three = await replicas(url, 3);
    const localDir = await Deno.makeTempDir({ prefix: "coredelta-single-" });
    const single = await spawnServe(localDir);
    try {
      const [r1, r2, r3] = three.list as [ServeProcess, ServeProcess, ServeProcess];
      const upload = async (base: string, file: string) =>
        await text(fetch(`${base}/v1/cores`, {
          method: "POST",
          body: await Deno.readFile(fixturePath("changed", file)),
        }));
      const ua = await upload(r1.url, "a.core.gz");
      const ub = await upload(r1.url, "b.core.gz");
      assert.equal(ua.status, 201, ua.body);
      assert.equal(ub.status, 201, ub.body);
      assert.equal((await upload(single.url, "a.core.gz")).body, ua.body, "same digest answer");
      assert.equal((await upload(single.url, "b.core.gz")).body, ub.body);
      const [a, b] = [JSON.parse(ua.body).id, JSON.parse(ub.body).id];

      const diff = (base: string) =>
        text(fetch(`${base}/v1/diffs?format=json`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ a, b, expect: "identical", labels: { a: "before", b: "after" } }),
        }));
      const d2 = await diff(r2.url);
      const d1 = await diff(single.url);
      assert.equal(d2.status, 201, d2.body);
      assert.equal(d2.body, d1.body, "the report from replica 2 is the single node's");
      const id = d2.headers.get("coredelta-report-id")!;
      assert.equal(d1.headers.get("coredelta-report-id"), id);

      for (const format of REPORT_FORMATS) {
        const got = await text(fetch(`${r3.url}/v1/reports/${id}?format=${format}`));
        const want = await text(fetch(`${single.url}/v1/reports/${id}?format=${format}`));
        assert.equal(got.status, 200, format);
        assert.equal(got.body, want.body, `${format} from replica 3`);
      }
      const core3 = await text(fetch(`${r3.url}/v1/cores/${a}`));
      assert.equal(core3.body, ua.body, "replica 3 serves the digest uploaded to replica 1");
      const dg = new Uint8Array(
        await (await fetch(`${r2.url}/v1/cores/${a}/digest`)).arrayBuffer(),
      );
      const dl = new Uint8Array(
        await (await fetch(`${single.url}/v1/cores/${a}/digest`)).arrayBuffer(),
      );
      assert.deepEqual(dg, dl);

      const strip = (b: string) =>
        JSON.parse(b).items.map((i: Record<string, unknown>) => ({ ...i, createdAt: "" }));
      const want = strip((await text(fetch(`${single.url}/v1/reports`))).body);
      for (const r of three.list) {
        const h = await text(fetch(`${r.url}/v1/reports?q=before`));
        assert.equal(h.status, 200, h.body);
        assert.deepEqual(strip(h.body), want, `history on ${r.url}`);
        const health = await text(fetch(`${r.url}/health`));
        assert.equal(health.status, 200);
        assert.equal(JSON.parse(health.body).store, "ok");
      }
      const m = (await text(fetch(`${r1.url}/metrics`))).body;
      assert.match(
        m,
        /coredelta_http_requests_total\{method="POST",route="\/v1\/cores",status="201"\} 2/,
      );
      const ingested = Number(/^coredelta_ingested_bytes_total (\d+)$/m.exec(m)?.[1]);
      assert.ok(ingested > 0, "bytes ingested are counted");
      assert.match(m, /^coredelta_digests_in_flight 0$/m);
    } finally {
      await three.stop();
      await single.kill();
      await Deno.remove(localDir, { recursive: true });
    }
  },
});

Deno.test({
  name: "a replica killed mid-upload or mid-write leaves no row and no large object",
  ignore,
  async fn() {
    const url = await pg.database();
    const one = await replicas(url, 1);
    const admin = postgres(url, { max: 2, onnotice: () => {} });
    try {
      // 1. Killed while the body is still arriving.
      let r = one.list[0]!;
      const core = new Uint8Array(spillingCore(4));
      const held = heldBody(core, core.length >> 1);
      const pending = fetch(`${r.url}/v1/cores?keep=true`, { method: "POST", body: held.stream })
        .catch(() => undefined);
      await waitFor("bytes to arrive", async () => {
        const m = await (await fetch(`${r.url}/metrics`)).text();
        return /coredelta_digests_in_flight 1/.test(m);
      }, 30_000);
      await r.kill();
      await pending;
      assert.equal(await count(url, "digests"), 0);
      assert.equal(await count(url, "core_chunks"), 0);

      // 2. Killed inside the transaction that writes the digest and its kept core: the test holds
      // a lock on core_chunks, so the replica's transaction waits after inserting its digest row.
      await one.stop();
      const again = await replicas(url, 1);
      r = again.list[0]!;
      let killed = false;
      await admin.begin(async (tx) => {
        await tx`LOCK TABLE core_chunks IN EXCLUSIVE MODE`;
        const upload = fetch(`${r.url}/v1/cores?keep=true`, { method: "POST", body: core })
          .catch(() => undefined);
        await waitFor("the replica to wait on the lock", async () => {
          const [w] = await admin`SELECT count(*)::int AS n FROM pg_locks l
            JOIN pg_class c ON c.oid = l.relation
            WHERE c.relname = 'core_chunks' AND NOT l.granted`;
          return (w?.n ?? 0) > 0;
        }, 30_000);
        await r.kill();
        killed = true;
        await upload;
      });
      assert.ok(killed);
      await waitFor("the killed backend to roll back", async () => {
        const [b] = await admin`SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE datname = current_database() AND pid <> pg_backend_pid() AND state <> 'idle'`;
        return (b?.n ?? 1) === 0;
      }, 30_000);
      assert.equal(await count(url, "digests"), 0, "no digest row");
      assert.equal(await count(url, "core_chunks"), 0, "no chunk");
      assert.equal(await largeObjects(url), 0, "no large object");
      await again.stop();
    } finally {
      await admin.end();
      await one.stop();
    }
  },
});

Deno.test({
  name:
    "PostgreSQL stopped during an upload: 503 with Retry-After, nothing partial, replicas recover",
  ignore,
  async fn() {
    const cluster = await pg.cluster();
    const url = await pg.database();
    const two = await replicas(url, 2);
    try {
      const [r1, r2] = two.list as [ServeProcess, ServeProcess];
      const core = new Uint8Array(spillingCore(4));
      const held = heldBody(core, core.length >> 1);
      const pending = text(
        fetch(`${r1.url}/v1/cores?keep=true`, { method: "POST", body: held.stream }),
      );
      await waitFor("the upload to start", async () => {
        const m = await (await fetch(`${r1.url}/metrics`)).text();
        return /coredelta_digests_in_flight 1/.test(m);
      }, 30_000);
      await cluster.pause();
      held.finish();
      const got = await pending;
      assert.equal(got.status, 503, got.body);
      assert.equal(got.headers.get("retry-after"), "5");
      assert.equal(JSON.parse(got.body).type, "https://coredelta.dev/problems/store-unavailable");

      for (const r of [r1, r2]) {
        const h = await text(fetch(`${r.url}/health`));
        assert.equal(h.status, 503);
        assert.deepEqual(JSON.parse(h.body).status, "degraded");
        const refused = await text(fetch(`${r.url}/v1/cores`, { method: "POST", body: core }));
        assert.equal(refused.status, 503, "refused before reading");
        assert.equal(refused.headers.get("retry-after"), "5");
      }
      const m = await (await fetch(`${r1.url}/metrics`)).text();
      assert.match(m, /coredelta_store_errors_total\{op="put"\} 1/);

      await cluster.resume();
      for (const r of [r1, r2]) {
        await waitFor(
          "the replica to see the store again",
          async () =>
            (await fetch(`${r.url}/health`).then((x) => x.text().then(() => x.status))) === 200,
          15_000,
        );
      }
      assert.equal(await count(url, "digests"), 0, "nothing partial from the failed upload");
      assert.equal(await count(url, "core_chunks"), 0);
      const ok = await text(fetch(`${r2.url}/v1/cores?keep=true`, { method: "POST", body: core }));
      assert.equal(ok.status, 201, ok.body);
      const id = JSON.parse(ok.body).id;
      assert.equal(JSON.parse((await text(fetch(`${r1.url}/v1/cores/${id}`))).body).kept, true);
      assert.equal(await count(url, "digests"), 1);
    } finally {
      await two.stop();
    }
  },
});

Deno.test({
  name: "a replica on PostgreSQL drains on SIGTERM: the upload in flight lands, exit 0",
  ignore,
  async fn() {
    const url = await pg.database();
    const dir = await Deno.makeTempDir({ prefix: "coredelta-replica-" });
    const r = await spawnServe(dir, ["--store", url, "--drain", "20"]);
    try {
      const core = new Uint8Array(spillingCore(4));
      const held = heldBody(core, core.length >> 1);
      const pending = text(fetch(`${r.url}/v1/cores`, { method: "POST", body: held.stream }));
      await waitFor("the upload to start", async () => {
        const m = await (await fetch(`${r.url}/metrics`)).text();
        return /coredelta_digests_in_flight 1/.test(m);
      }, 30_000);
      r.child.kill("SIGTERM");
      await new Promise((ok) => setTimeout(ok, 200));
      held.finish();
      const got = await pending;
      assert.equal(got.status, 201, got.body);
      assert.equal((await r.child.status).code, 0);
      assert.equal(await count(url, "digests"), 1);
    } finally {
      await r.kill();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({ name: "replicas: stop the cluster", ignore, fn: () => pg.stop() });
