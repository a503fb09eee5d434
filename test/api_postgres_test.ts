/**
 * The API tests again, on PostgreSQL: the route and app test files run in a child `deno test` with
 * `COREDELTA_TEST_STORE` pointing at a throwaway cluster, so every `testApp()` there gets a fresh
 * database instead of a data directory. Same tests, same assertions, the other store.
 */

import assert from "node:assert/strict";
import { sharedPostgres } from "./_postgres.ts";

const pg = sharedPostgres();
if (pg.skip) console.warn(`skipping the API tests on PostgreSQL: ${pg.skip}`);

/** The API test files that exercise the app through its store (not the local directory's layout). */
export const STORE_AGNOSTIC_TESTS = [
  "api/app_test.ts",
  "api/openapi_test.ts",
  "api/routes/cores_test.ts",
  "api/routes/diff_test.ts",
  "api/routes/predict_test.ts",
  "api/routes/history_test.ts",
  "api/routes/reports_test.ts",
  "api/routes/report_list_test.ts",
  "api/report_stream_test.ts",
  "api/e2e_test.ts",
];

Deno.test({
  name: "the API tests pass on the PostgreSQL store",
  ignore: pg.skip !== false,
  async fn() {
    try {
      const cluster = await pg.cluster();
      const root = new URL("../", import.meta.url).pathname;
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["test", "-A", "--no-check", ...STORE_AGNOSTIC_TESTS],
        cwd: root,
        env: { COREDELTA_TEST_STORE: cluster.url, NO_COLOR: "1" },
        stdout: "piped",
        stderr: "piped",
      }).output();
      const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
      const summary = /^(ok|FAILED) \| (\d+) passed.*\| (\d+) failed/m.exec(text);
      assert.ok(out.success && summary, text.slice(-4000));
      assert.equal(summary[3], "0");
      assert.ok(Number(summary[2]) >= 20, `only ${summary[2]} tests ran`);
    } finally {
      await pg.stop();
    }
  },
});
