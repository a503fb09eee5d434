/**
 * Bundles the browser modules (`api/web/src/main.ts` and the lib modules it imports) into
 * `api/web/dist/app.js`, the script the page inlines, with a pinned esbuild. The bundle is committed, so a fresh clone
 * serves with no build step; `api/web/bundle_test.ts` fails when it is out of date.
 *
 * Run: `deno task build:web` (or `deno run -A api/web/build.ts --check` to only compare).
 *
 * @module
 */

// Pinned here (build and its test only): the same esbuild version bundles to the same bytes on
// every machine and Deno version.
// deno-lint-ignore no-import-prefix
import * as esbuild from "npm:esbuild@0.25.5";

/** Where the bundle goes, relative to the repository root. */
export const BUNDLE_PATH = "api/web/dist/app.js";

const ROOT = new URL("../../", import.meta.url);

/**
 * Bundles the page script with esbuild: browser platform, one IIFE, ES2022, no minification (diffs
 * of the committed file stay readable), comments naming each module by its repository path.
 *
 * @param outFile absolute path of the output
 */
export async function bundle(outFile: string): Promise<void> {
  try {
    const result = await esbuild.build({
      entryPoints: ["api/web/src/main.ts"],
      absWorkingDir: ROOT.pathname,
      bundle: true,
      format: "iife",
      platform: "browser",
      target: "es2022",
      charset: "utf8",
      write: false,
      logLevel: "silent",
    });
    await Deno.writeTextFile(outFile, result.outputFiles[0]!.text);
  } finally {
    await esbuild.stop();
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
