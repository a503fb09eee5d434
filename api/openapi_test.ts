import assert from "node:assert/strict";
// deno-lint-ignore no-import-prefix
import SwaggerParser from "npm:@apidevtools/swagger-parser@13.1.0";
import { PROBLEM_TYPES } from "./problem.ts";
import { DEREF, SPEC } from "../test/_spec.ts";
import { testApp } from "../test/_api.ts";

type Obj = Record<string, unknown>;
const METHODS = ["get", "put", "post", "delete", "patch", "head", "options"];

/** Every `METHOD /path` in the spec, with `{param}` templates. */
function specRoutes(): string[] {
  const out: string[] = [];
  for (const [path, item] of Object.entries(SPEC.paths as Obj)) {
    for (const m of METHODS) if ((item as Obj)[m]) out.push(`${m.toUpperCase()} ${path}`);
  }
  return out.sort();
}

Deno.test("openapi.yaml is a valid OpenAPI 3.1 document", async () => {
  assert.equal(SPEC.openapi, "3.1.0");
  await SwaggerParser.validate(structuredClone(SPEC) as never);
});

Deno.test("the app's routes are exactly the spec's paths", async () => {
  const t = await testApp();
  try {
    const app = [
      ...new Set(
        t.app.routes.filter((r) => r.method !== "ALL").map((r) =>
          `${r.method} ${r.path.replace(/:(\w+)/g, "{$1}")}`
        ),
      ),
    ].sort();
    assert.deepEqual(app, specRoutes());
  } finally {
    await t.cleanup();
  }
});

Deno.test("every operation but /health and /favicon.ico documents a 4xx, every upload its limits", () => {
  for (const [path, item] of Object.entries(DEREF.paths as Obj)) {
    for (const m of METHODS) {
      const op = (item as Obj)[m] as Obj | undefined;
      if (!op) continue;
      const statuses = Object.keys(op.responses as Obj);
      if (path !== "/health" && path !== "/favicon.ico") {
        assert.ok(statuses.some((s) => s.startsWith("4")), `${m} ${path}`);
      }
      if (m === "post") {
        for (const s of ["400", "401", "413", "415", "422"]) {
          assert.ok(statuses.includes(s), `${m} ${path} documents ${s}`);
        }
      }
      assert.ok(op.operationId && op.summary, `${m} ${path} has an id and a summary`);
    }
  }
});

Deno.test("every problem type's status is documented somewhere with the Problem schema", () => {
  const documented = new Set<string>();
  for (const item of Object.values(DEREF.paths as Obj)) {
    for (const op of Object.values(item as Obj)) {
      for (const [s, r] of Object.entries(((op as Obj).responses ?? {}) as Obj)) {
        if (((r as Obj).content as Obj | undefined)?.["application/problem+json"]) {
          documented.add(s);
        }
      }
    }
  }
  for (const [code, t] of Object.entries(PROBLEM_TYPES)) {
    if (t.status === 500) continue; // a bug, never documented as an outcome
    assert.ok(documented.has(String(t.status)), `${code} (${t.status})`);
  }
});
