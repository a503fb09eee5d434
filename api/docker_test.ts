/**
 * The Dockerfile cannot be built here (no Docker engine), so it is linted with dockerfile-utils
 * (the VS Code Docker language service) and checked for the properties the image must have.
 */

import assert from "node:assert/strict";
// deno-lint-ignore no-import-prefix
import { validate } from "npm:dockerfile-utils@0.16.3";

const ROOT = new URL("../", import.meta.url);
const dockerfile = await Deno.readTextFile(new URL("Dockerfile", ROOT));

Deno.test("Dockerfile passes dockerfile-utils lint", () => {
  const problems = validate(dockerfile);
  assert.deepEqual(
    problems.map((p) => `${p.range.start.line + 1}: ${p.message}`),
    [],
  );
});

Deno.test("Dockerfile: pinned multi-stage, dependency layer, non-root, scoped, healthcheck", () => {
  const froms = [...dockerfile.matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1]);
  assert.deepEqual(froms, [
    "denoland/deno:${DENO_VERSION}",
    "denoland/deno:distroless-${DENO_VERSION}",
  ]);
  assert.match(dockerfile, /^ARG DENO_VERSION=2\.9\.1$/m);
  // The lockfile goes in before the sources, so dependencies are a layer of their own.
  const lock = dockerfile.indexOf("COPY deno.json deno.lock ./");
  const install = dockerfile.indexOf("RUN deno install --frozen\n");
  assert.ok(lock > 0 && install > lock && dockerfile.indexOf("COPY . .") > install);
  assert.match(dockerfile, /^USER nonroot$/m);
  assert.match(dockerfile, /^VOLUME \["\/data"\]$/m);
  assert.match(dockerfile, /^HEALTHCHECK .*\n\s+CMD \["\/bin\/deno", "eval", /m);
  const cmd = /^CMD \[([\s\S]+?)\]$/m.exec(dockerfile)![1]!;
  assert.doesNotMatch(cmd, /"-A"|--allow-all|--allow-run|--allow-ffi|--allow-sys/);
  assert.match(cmd, /--allow-write=\/data"/);
  assert.match(cmd, /--allow-net=0\.0\.0\.0:8931/);
  assert.match(cmd, /"--cached-only", "--frozen"/);
});

Deno.test(".dockerignore keeps fixtures, git and local data out of the context", async () => {
  const ignore = (await Deno.readTextFile(new URL(".dockerignore", ROOT))).split("\n");
  for (const p of [".git/", "node_modules/", "test/", ".coredelta-data/"]) {
    assert.ok(ignore.includes(p), p);
  }
});

Deno.test("the server runs with the memory settings measured for it, in deno task start and in the image", async () => {
  // README, Performance: "Memory of the API" (the V8 flags and glibc's
  // mmap threshold, so one request's multi-MB buffers do not leave the next a larger heap).
  const tasks = JSON.parse(await Deno.readTextFile(new URL("deno.json", ROOT))).tasks;
  const flags = "--v8-flags=--max-semi-space-size=1,--heap-growing-percent=100";
  assert.ok(
    tasks.start.startsWith(`MALLOC_MMAP_THRESHOLD_=131072 deno run ${flags} `),
    tasks.start,
  );
  assert.match(dockerfile, /MALLOC_MMAP_THRESHOLD_=131072/);
  assert.ok(dockerfile.includes(`"${flags}"`), "the image's CMD has the V8 flags");
});
