/**
 * Golden-file assertions: `assertGolden(name, actual)` compares with `test/golden/<name>`;
 * `UPDATE_GOLDEN=1 deno task test` (or `deno task test:update`) rewrites the files for review.
 *
 * @module
 */
import assert from "node:assert/strict";

const DIR = new URL("./golden/", import.meta.url);

/** Asserts `actual` equals the golden file `name`, or rewrites it when `UPDATE_GOLDEN=1`. */
export function assertGolden(name: string, actual: string): void {
  const url = new URL(name, DIR);
  if (Deno.env.get("UPDATE_GOLDEN") === "1") {
    Deno.writeTextFileSync(url, actual);
    return;
  }
  let expected: string;
  try {
    expected = Deno.readTextFileSync(url);
  } catch {
    assert.fail(`golden file test/golden/${name} is missing: run UPDATE_GOLDEN=1 deno task test`);
  }
  assert.equal(
    actual,
    expected,
    `output differs from test/golden/${name} (UPDATE_GOLDEN=1 rewrites it)`,
  );
}
