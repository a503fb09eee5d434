/**
 * The package is publishable: `deno doc --lint lib/mod.ts` finds every export documented and
 * `deno publish --dry-run` accepts the package (works offline).
 */
import assert from "node:assert/strict";

async function deno(...args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  return {
    code: out.code,
    text: new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr),
  };
}

Deno.test("deno doc --lint lib/mod.ts reports no missing documentation", async () => {
  const r = await deno("doc", "--lint", "lib/mod.ts");
  assert.equal(r.code, 0, r.text);
});

Deno.test("deno publish --dry-run accepts the package and leaves tests out", async () => {
  const r = await deno("publish", "--dry-run", "--allow-dirty");
  assert.equal(r.code, 0, r.text);
  assert.match(r.text, /Dry run complete/);
  assert.match(r.text, /lib\/mod\.ts/);
  assert.doesNotMatch(r.text, /_test\.ts/);
});

Deno.test("openapi.yaml passes redocly lint (deno task lint:api)", async () => {
  const r = await deno("task", "lint:api");
  assert.equal(r.code, 0, r.text);
  assert.match(r.text, /Your API description is valid/);
});
