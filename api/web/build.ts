/**
 * Bundles the browser modules (`api/web/src/main.ts` and the lib modules it imports) into
 * `api/web/dist/app.js`, the script the page inlines. The bundle is committed, so a fresh clone
 * serves with no build step; `api/web/bundle_test.ts` fails when it is out of date.
 *
 * Run: `deno task build:web` (or `deno run -A api/web/build.ts --check` to only compare).
 *
 * @module
 */

/** Where the bundle goes, relative to the repository root. */
export const BUNDLE_PATH = "api/web/dist/app.js";

const ROOT = new URL("../../", import.meta.url);

/**
 * Bundles the page script with `deno bundle` (esbuild inside Deno; browser platform, one IIFE,
 * no minification, so diffs of the committed file stay readable).
 *
 * @param outFile absolute path of the output
 */
export async function bundle(outFile: string): Promise<void> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "bundle",
      "--quiet",
      "--platform",
      "browser",
      "--format",
      "iife",
      "-o",
      outFile,
      "api/web/src/main.ts",
    ],
    cwd: ROOT.pathname,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(`deno bundle failed: ${new TextDecoder().decode(out.stderr)}`);
  }
}

if (import.meta.main) {
  const target = new URL(BUNDLE_PATH, ROOT).pathname;
  if (Deno.args.includes("--check")) {
    const dir = await Deno.makeTempDir();
    try {
      await bundle(`${dir}/app.js`);
      const fresh = await Deno.readTextFile(`${dir}/app.js`);
      if (fresh !== await Deno.readTextFile(target)) {
        console.error(`${BUNDLE_PATH} is out of date: run deno task build:web`);
        Deno.exit(1);
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  } else {
    await bundle(target);
    console.log(`wrote ${BUNDLE_PATH}`);
  }
}
