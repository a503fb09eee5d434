import assert from "node:assert/strict";
import postgres from "postgres";
import { sharedPostgres, startPostgres } from "../../test/_postgres.ts";
import { filesUnder } from "../../test/_api.ts";
import type { ReportQuery } from "../report_list.ts";
import {
  openLocalStorage,
  sha256Hex,
  StoredDataCorruptError,
  StoreUnavailableError,
} from "../storage.ts";
import { CORE_CHUNK_BYTES, openPgStorage, type PgStorageOptions } from "./store.ts";
import { MIGRATIONS } from "./migrations.ts";

const pg = sharedPostgres();
const ignore = pg.skip !== false;
if (pg.skip) console.warn(`skipping PostgreSQL store tests: ${pg.skip}`);
const bytes = (s: string) => new TextEncoder().encode(s);

async function store(url?: string, options: PgStorageOptions = {}) {
  return await openPgStorage(url ?? await pg.database(), { maxConnections: 4, ...options });
}

/** A stored report's bytes as `answerDiff` writes them, with the fields the history indexes. */
function reportBytes(
  n: number,
  o: { verdict?: string; expectation?: string; producer?: string; pid?: number; name?: string } =
    {},
): Uint8Array {
  const report = {
    verdict: o.verdict ?? "pass",
    expectation: o.expectation ?? "kernel-vs-gdb",
    a: {
      label: `core-${n}.a`,
      producer: o.producer ?? "kernel",
      process: { pid: o.pid, name: o.name },
    },
    b: { label: `core-${n}.b`, producer: "gdb" },
    summary: { differences: n, unexpected: n % 2, unexplained: 0 },
  };
  return bytes(
    JSON.stringify({ verdict: report.verdict, formats: { json: JSON.stringify(report) } }),
  );
}

Deno.test({
  name: "PgStorage: migrations are versioned and applied once by replicas starting together",
  ignore,
  async fn() {
    const url = await pg.database();
    const stores = await Promise.all([store(url), store(url), store(url)]);
    try {
      const sql = postgres(url, { max: 1, onnotice: () => {} });
      const rows = await sql`SELECT version FROM coredelta_migrations ORDER BY version`;
      assert.deepEqual(rows.map((r) => r.version), MIGRATIONS.map((m) => m.version));
      assert.deepEqual(await stores[0]!.migrate(), [], "nothing left to apply");
      await sql.end();
    } finally {
      for (const s of stores) await s.close();
    }
  },
});

Deno.test({
  name: "PgStorage: content-addressed put/get/list/delete, corruption caught on read",
  ignore,
  async fn() {
    const url = await pg.database();
    const s = await store(url);
    try {
      const e = await s.put("digest", bytes("one"));
      assert.equal(e.id, sha256Hex(bytes("one")));
      assert.equal((await s.put("digest", bytes("one"))).id, e.id, "idempotent");
      await s.put("report", reportBytes(1));
      assert.deepEqual(await s.get("digest", e.id), bytes("one"));
      assert.equal(await s.get("report", e.id), undefined, "kinds are separate");
      assert.equal(await s.get("digest", "../../etc/passwd"), undefined);
      assert.deepEqual((await s.list("digest")).map((x) => x.id), [e.id]);
      const sql = postgres(url, { max: 1, onnotice: () => {} });
      await sql`UPDATE digests SET bytes = ${bytes("onE")} WHERE id = ${e.id}`;
      await sql.end();
      await assert.rejects(s.get("digest", e.id), StoredDataCorruptError);
      assert.equal(await s.delete("digest", e.id), true);
      assert.equal(await s.delete("digest", e.id), false);
    } finally {
      await s.close();
    }
  },
});

Deno.test({
  name: "PgStorage: a kept core streams in with its digest (one transaction) and out in order",
  ignore,
  async fn() {
    const url = await pg.database();
    const s = await store(url);
    const dir = await Deno.makeTempDir();
    try {
      const core = crypto.getRandomValues(new Uint8Array(65536)).map((_, i) => i * 7);
      const big = new Uint8Array(CORE_CHUNK_BYTES * 2 + 12345);
      for (let i = 0; i < big.length; i += core.length) {
        big.set(core.subarray(0, big.length - i), i);
      }
      await Deno.writeFile(`${dir}/raw`, big);
      const e = await s.put("digest", bytes("digest"), { corePath: `${dir}/raw` });
      assert.deepEqual(await filesUnder(dir), [], "the temporary file was consumed");
      assert.equal(await s.hasCore(e.id), true);
      const stream = await s.readCore(e.id);
      assert.ok(stream);
      assert.deepEqual(new Uint8Array(await new Response(stream).arrayBuffer()), big);
      const sql = postgres(url, { max: 1, onnotice: () => {} });
      const [n] = await sql`SELECT count(*)::int AS n FROM core_chunks`;
      assert.equal(n?.n, 3);
      // A core whose file cannot be read leaves no digest row either.
      await assert.rejects(s.put("digest", bytes("other"), { corePath: `${dir}/missing` }));
      const [d] = await sql`SELECT count(*)::int AS n FROM digests`;
      assert.equal(d?.n, 1, "nothing half-written");
      assert.equal(await s.delete("digest", e.id), true);
      const [m] = await sql`SELECT count(*)::int AS n FROM core_chunks`;
      assert.equal(m?.n, 0, "the core goes with its digest");
      await sql.end();
      assert.equal(await s.readCore(e.id), undefined);
    } finally {
      await s.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "PgStorage: retention by count, age and bytes (kept cores count) in SQL",
  ignore,
  async fn() {
    let now = 1_000_000_000_000;
    const clock = { now: () => now };
    const url = await pg.database();
    const s = await store(url, { clock, retention: { maxCount: 3, maxAgeMs: 10_000 } });
    try {
      const ids = [];
      for (let i = 0; i < 5; i++) {
        now += 1;
        ids.push((await s.put("report", reportBytes(i))).id);
      }
      assert.deepEqual((await s.list("report")).map((e) => e.id), ids.slice(2).reverse());
      now += 20_000;
      const fresh = (await s.put("report", reportBytes(9))).id;
      assert.deepEqual((await s.list("report")).map((e) => e.id), [fresh], "older than 10 s");
    } finally {
      await s.close();
    }
    const b = await store(url, { clock, retention: { maxBytes: 10 } });
    const dir = await Deno.makeTempDir();
    try {
      await Deno.writeFile(`${dir}/raw`, new Uint8Array(8));
      now += 1;
      const first = await b.put("digest", bytes("12345"), { corePath: `${dir}/raw` });
      assert.deepEqual((await b.list("digest")).map((e) => e.id), [first.id], "the new one stays");
      now += 1;
      const second = await b.put("digest", bytes("abc"));
      assert.deepEqual((await b.list("digest")).map((e) => e.id), [second.id], "5+8 bytes > 10");
    } finally {
      await b.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "PgStorage: two replicas running retention at once delete each object once",
  ignore,
  async fn() {
    let now = 2_000_000_000_000;
    const clock = { now: () => now };
    const url = await pg.database();
    const writer = await store(url, { clock });
    const retention = { maxCount: 50 };
    const pruners = await Promise.all([1, 2, 3].map(() => store(url, { retention })));
    try {
      let ids: string[] = [];
      // Rounds of 150 new reports, then three replicas prune at once (50 stay each time).
      for (let round = 0; round < 4; round++) {
        const batch = Array.from({ length: 150 }, (_, i) => reportBytes(round * 1000 + i));
        for (const r of batch) {
          now += 1;
          ids.push((await writer.put("report", r)).id);
        }
        const gone = (await Promise.all(pruners.map((p) => p.prune("report")))).flat();
        assert.equal(gone.length, ids.length - 50, `round ${round}: every excess object deleted`);
        assert.equal(new Set(gone).size, gone.length, `round ${round}: none deleted twice`);
        assert.deepEqual(new Set(gone), new Set(ids.slice(0, -50)), "the oldest went");
        ids = ids.slice(-50);
        assert.deepEqual((await writer.list("report")).map((e) => e.id), [...ids].reverse());
      }
    } finally {
      await writer.close();
      for (const p of pruners) await p.close();
    }
  },
});

Deno.test({
  name: "PgStorage: listReports pages and filters exactly like the local store",
  ignore,
  async fn() {
    let now = Date.parse("2026-01-01T00:00:00Z");
    const clock = { now: () => now };
    const s = await store(undefined, { clock });
    const dir = await Deno.makeTempDir();
    const local = await openLocalStorage(dir, { clock });
    try {
      for (let i = 0; i < 23; i++) {
        now += 60_000;
        const r = reportBytes(i, {
          verdict: i % 3 ? "pass" : "fail",
          expectation: i % 4 ? "kernel-vs-gdb" : "identical",
          producer: i % 5 ? "kernel" : "gdb",
          ...(i % 2 ? { pid: 4000 + i, name: `svc_${i}` } : {}),
        });
        await s.put("report", r);
        await local.put("report", r);
      }
      const queries: ReportQuery[] = [
        { limit: 5 },
        { limit: 4, verdict: "fail" },
        { limit: 3, expectation: "identical" },
        { limit: 10, producer: "gdb" },
        { limit: 10, text: "SVC_1" },
        { limit: 10, text: "4007" },
        { limit: 10, text: "core-2" },
        { limit: 10, text: "100%_" },
        {
          limit: 4,
          since: new Date(Date.parse("2026-01-01T00:05:00Z")),
          until: new Date(Date.parse("2026-01-01T00:15:00Z")),
        },
      ];
      for (const q of queries) {
        const seen: string[] = [];
        let cursor: string | undefined;
        for (let page = 0; page < 30; page++) {
          const query = { ...q, ...(cursor ? { cursor } : {}) };
          const [p, l] = await Promise.all([s.listReports(query), local.listReports(query)]);
          assert.deepEqual(p, l, `same page for ${JSON.stringify(query)}`);
          assert.ok(p.items.length <= q.limit);
          seen.push(...p.items.map((i) => i.createdAt));
          cursor = p.nextCursor;
          if (!cursor) break;
        }
        assert.deepEqual(seen, [...seen].sort().reverse(), "newest first, no repeats");
        assert.equal(new Set(seen).size, seen.length);
      }
      const all = await s.listReports({ limit: 100 });
      assert.equal(all.items.length, 23);
      assert.equal(all.nextCursor, undefined);
      const one = all.items.find((i) => i.processes.a.pid === 4007);
      assert.deepEqual(one?.processes, { a: { pid: 4007, name: "svc_7" }, b: {} });
      assert.deepEqual(one?.counts, { differences: 7, unexpected: 1, unexplained: 0 });
      assert.equal((await s.listReports({ limit: 3, text: "4007" })).items.length, 1);
      assert.equal((await s.listReports({ limit: 100, verdict: "fail" })).items.length, 8);
    } finally {
      await s.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "PgStorage: database down -> StoreUnavailableError, nothing written; recovers when back",
  ignore,
  async fn() {
    const cluster = await pg.cluster();
    const url = await pg.database();
    const s = await store(url, { connectTimeout: 2 });
    try {
      await s.put("digest", bytes("before"));
      await cluster.pause();
      await assert.rejects(s.ping(), StoreUnavailableError);
      await assert.rejects(s.put("digest", bytes("during")), StoreUnavailableError);
      await assert.rejects(s.listReports({ limit: 1 }), StoreUnavailableError);
      await cluster.resume();
      await s.ping();
      assert.equal(await s.get("digest", sha256Hex(bytes("during"))), undefined, "nothing partial");
      assert.ok(await s.get("digest", sha256Hex(bytes("before"))));
      await s.put("digest", bytes("after"));
    } finally {
      await s.close();
    }
  },
});

Deno.test({
  name: "PgStorage: a replica starting before its database waits for it (startupWaitMs)",
  ignore,
  async fn() {
    const cluster = await pg.cluster();
    const url = await pg.database();
    await cluster.pause();
    try {
      await assert.rejects(
        store(url, { startupWaitMs: 0, connectTimeout: 1 }),
        StoreUnavailableError,
      );
      const opening = store(url, { startupWaitMs: 20_000, connectTimeout: 1 });
      await new Promise((r) => setTimeout(r, 1000));
      await cluster.resume();
      const s = await opening;
      await s.ping();
      await s.close();
    } finally {
      await cluster.resume().catch(() => {});
    }
  },
});

Deno.test({
  name: "PgStorage: TLS with sslmode=verify-full and a CA file; an unknown CA is refused",
  ignore,
  async fn() {
    const tls = await startPostgres({ ssl: true });
    try {
      const url = `${await tls.createDatabase()}?sslmode=verify-full`;
      const s = await store(url, { caFile: tls.caFile! });
      try {
        await s.put("digest", bytes("over tls"));
        const check = postgres(url, {
          max: 1,
          onnotice: () => {},
          ssl: { ca: await Deno.readTextFile(tls.caFile!) },
        });
        const rows = await check`SELECT count(*)::int AS n FROM pg_stat_ssl WHERE ssl`;
        assert.ok((rows[0]?.n ?? 0) >= 2, "the store's connection and this one use TLS");
        await check.end();
      } finally {
        await s.close();
      }
      await assert.rejects(
        store(url, { startupWaitMs: 0 }),
        "a server certificate from an unknown CA",
      );
    } finally {
      await tls.stop();
    }
  },
});

Deno.test({ name: "PgStorage: stop the cluster", ignore, fn: () => pg.stop() });
