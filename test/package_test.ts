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

const CONFIG = JSON.parse(Deno.readTextFileSync(new URL("../deno.json", import.meta.url)));

Deno.test("every public entry point exists and deno doc --lint finds it fully documented", async () => {
  const entries = Object.values(CONFIG.exports as Record<string, string>);
  for (const sub of ["./diff", "./digest", "./policy", "./smaps", "./report"]) {
    assert.ok(CONFIG.exports[sub], `deno.json exports no ${sub}`);
  }
  const r = await deno("doc", "--lint", ...entries);
  assert.equal(r.code, 0, r.text);
});

Deno.test("deno publish --dry-run accepts the package and leaves tests out", async () => {
  const r = await deno("publish", "--dry-run", "--allow-dirty");
  assert.equal(r.code, 0, r.text);
  assert.match(r.text, /Dry run complete/);
  assert.match(r.text, /lib\/mod\.ts/);
  const files = [
    ...r.text.matchAll(
      /^\s+file:\/\/\S+?\/((?:lib|api|cli|runtime|wasm|test|bench|docs)\/\S+|\S+\.ts)/gm,
    ),
  ]
    .map((m) => m[1]!);
  assert.ok(files.length > 50, `the dry run listed ${files.length} files:\n${r.text}`);
  const unwanted = files.filter((f) =>
    /_test\.ts$|_bench\.ts$|(^|\/)_[^/]*\.ts$/.test(f) || /^(test|bench)\//.test(f)
  );
  assert.deepEqual(unwanted, [], "the package ships test or bench code");
});

Deno.test("openapi.yaml passes redocly lint (deno task lint:api)", async () => {
  const r = await deno("task", "lint:api");
  assert.equal(r.code, 0, r.text);
  assert.match(r.text, /Your API description is valid/);
});
