/**
 * The structure holds: imports in the product folders run one way (bytes -> parse -> digest ->
 * compare/predict -> explain -> render -> adapters -> API -> CLI), no product file imports test or
 * bench code or a `_*.ts` helper, and no product file passes 400 lines.
 */
import assert from "node:assert/strict";
import { dirname, join, normalize, relative } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../", import.meta.url));

/**
 * The layer of each product place; an import may only point to a lower layer (or inside its own
 * place). Places on one layer are independent of each other.
 */
const LAYERS: Record<string, number> = {
  "lib/errors.ts": 0,
  "lib/bytes": 1,
  "lib/elf": 2,
  "lib/smaps": 2,
  "lib/digest": 3,
  "lib/policy": 3,
  "lib/diff": 4,
  "lib/report": 5,
  "lib/mod.ts": 6,
  "wasm": 7,
  "runtime": 8,
  "api": 9,
  "cli": 10,
  "main.ts": 11,
};

/** The place of a repository path: a lib subfolder or file, else the top-level folder or file. */
function placeOf(path: string): string {
  const parts = path.split("/");
  return parts[0] === "lib" ? parts.slice(0, 2).join("/") : parts[0]!;
}

function productFiles(): string[] {
  const out = new Git(["ls-files", "lib", "runtime", "api", "cli", "wasm", "main.ts"]).lines();
  return out.filter((p) =>
    /\.(ts|js)$/.test(p) && !/_test\.ts$|_bench\.ts$/.test(p) && !p.startsWith("wasm/assembly/") &&
    !p.startsWith("wasm/build.ts")
  );
}

class Git {
  constructor(readonly args: string[]) {}
  lines(): string[] {
    const out = new Deno.Command("git", { args: this.args, cwd: ROOT, stdout: "piped" })
      .outputSync();
    return new TextDecoder().decode(out.stdout).split("\n").filter(Boolean);
  }
}

/** Relative imports (static and dynamic) of one file, as repository paths. */
function importsOf(path: string): string[] {
  const text = Deno.readTextFileSync(join(ROOT, path));
  const specs = [...text.matchAll(/(?:from|import\()\s*["'](\.{1,2}\/[^"']+)["']/g)].map((m) =>
    m[1]!
  );
  return specs.map((s) => relative(ROOT, normalize(join(ROOT, dirname(path), s))));
}

Deno.test("imports in the product folders run one way", () => {
  const wrong: string[] = [];
  const files = productFiles();
  assert.ok(files.length > 60, `only ${files.length} product files found`);
  for (const file of files) {
    const from = placeOf(file);
    const fromLayer = LAYERS[from];
    assert.ok(fromLayer !== undefined, `${file}: its place ${from} has no layer`);
    for (const target of importsOf(file)) {
      const to = placeOf(target);
      if (to === from) continue;
      const toLayer = LAYERS[to];
      if (toLayer === undefined || toLayer >= fromLayer) {
        wrong.push(`${file} -> ${target} (${from} may not import ${to})`);
      }
    }
  }
  assert.deepEqual(wrong, []);
});

Deno.test("no product file imports test or bench code or a _*.ts helper", () => {
  const wrong = productFiles().flatMap((f) =>
    importsOf(f).filter((t) => /^(test|bench)\/|(^|\/)_[^/]*\.ts$/.test(t)).map((t) =>
      `${f} -> ${t}`
    )
  );
  assert.deepEqual(wrong, []);
  const helpers = productFiles().filter((f) => /(^|\/)_[^/]*\.ts$/.test(f));
  assert.deepEqual(helpers, [], "test helpers belong under test/");
});

Deno.test("no product source file is over 400 lines", () => {
  const long = productFiles().filter((f) => !f.startsWith("api/web/dist/")) // a generated bundle
    .map((f) => [f, Deno.readTextFileSync(join(ROOT, f)).split("\n").length] as const)
    .filter(([, n]) => n > 401);
  assert.deepEqual(long, []);
});
