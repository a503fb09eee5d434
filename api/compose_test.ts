import assert from "node:assert/strict";
import { parse } from "yaml";
import { CLIENT_ENV } from "./pg/client.ts";

const ROOT = new URL("../", import.meta.url);
// deno-lint-ignore no-explicit-any
const compose = parse(await Deno.readTextFile(new URL("compose.yaml", ROOT))) as any;
const dockerfile = await Deno.readTextFile(new URL("Dockerfile", ROOT));

Deno.test("compose.yaml: three coredelta replicas on one PostgreSQL behind a load balancer", () => {
  const names = Object.keys(compose.services);
  const replicas = names.filter((n) => n.startsWith("coredelta-"));
  assert.deepEqual(replicas, ["coredelta-1", "coredelta-2", "coredelta-3"]);
  for (const r of replicas) {
    const s = compose.services[r];
    assert.match(s.environment.COREDELTA_STORE, /^postgres:\/\/[^@]+@postgres:5432\/coredelta$/);
    assert.equal(s.depends_on.postgres.condition, "service_healthy");
    const cmd: string[] = s.command;
    assert.ok(cmd.includes("--store") || s.environment.COREDELTA_STORE, r);
    assert.ok(cmd.some((a) => a.startsWith("--allow-net=") && a.includes("postgres:5432")));
    assert.ok(!cmd.some((a) => /^(-A|--allow-all|--allow-run|--allow-ffi)$/.test(a)));
    const env = cmd.find((a) => a.startsWith("--allow-env="))!.slice(12).split(",");
    for (const v of ["COREDELTA_STORE", "COREDELTA_STORE_CA", "COREDELTA_TOKENS", ...CLIENT_ENV]) {
      assert.ok(env.includes(v), `--allow-env lacks ${v}`);
    }
    // The image's own flags are kept (frozen lockfile, cached only, scoped writes).
    for (const flag of ["--cached-only", "--frozen", "--allow-write=/data"]) {
      assert.ok(dockerfile.includes(`"${flag}"`) && cmd.includes(flag), flag);
    }
  }
  const pg = compose.services.postgres;
  assert.match(pg.image, /^postgres:15/);
  assert.ok(pg.healthcheck.test.includes("pg_isready"));
  const lb = compose.services.lb;
  assert.match(lb.image, /^nginx:/);
  const conf: string = compose.configs.nginx.content;
  for (const r of replicas) assert.match(conf, new RegExp(`server ${r}:8931`));
  for (
    const d of ["client_max_body_size 0;", "proxy_request_buffering off;", "proxy_buffering off;"]
  ) {
    assert.ok(conf.includes(d), d);
  }
});
