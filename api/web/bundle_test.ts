/**
 * The committed bundle is what `api/web/src/` builds to (so a fresh clone serves the current
 * modules with no build step), and bundling twice gives the same bytes.
 *
 * @module
 */

import assert from "node:assert/strict";
import { bundle, BUNDLE_PATH } from "./build.ts";

Deno.test("api/web/dist/app.js is up to date with api/web/src (deno task build:web)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "coredelta-bundle-" });
  try {
    await bundle(`${dir}/one.js`);
    await bundle(`${dir}/two.js`);
    const one = await Deno.readTextFile(`${dir}/one.js`);
    assert.equal(one, await Deno.readTextFile(`${dir}/two.js`), "bundling is reproducible");
    const committed = await Deno.readTextFile(new URL(`../../${BUNDLE_PATH}`, import.meta.url));
    assert.ok(
      one === committed,
      `${BUNDLE_PATH} is out of date: run deno task build:web and commit it`,
    );
    assert.doesNotMatch(one, /<\/script/i, "the bundle can be inlined");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
