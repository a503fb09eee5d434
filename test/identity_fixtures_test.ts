/**
 * Identity on the committed cores (no gdb needed): the f023 and f033 kernel cores are two processes
 * of the same program with ASLR off; each set's kernel core and gcore are one process; an smaps
 * moved elsewhere does not belong to the cores and is not applied.
 */
import assert from "node:assert/strict";
import { prepareContext } from "../lib/diff/context.ts";
import { diffDigests } from "../lib/diff/diff.ts";
import { mappingsOf } from "../lib/diff/mappings.ts";
import type { CoreDigest } from "../lib/digest/model.ts";
import { renderReport } from "../lib/report/render.ts";
import { digestFile } from "../runtime/digest.ts";
import { minimalDigest } from "../lib/digest/minimal.ts";
import { fixturePath, readFixtureText } from "./_fixtures.ts";

const cache = new Map<string, Promise<CoreDigest>>();
const digestOf = (set: string, name: string) => {
  const key = `${set}/${name}`;
  if (!cache.has(key)) cache.set(key, digestFile(fixturePath(set, `${name}.core.gz`)));
  return cache.get(key)!;
};

Deno.test("committed cores of one process are identified as the same process", async () => {
  for (const [set, x, y] of [["f033", "kernel", "gdb"], ["changed", "a", "b"]] as const) {
    const r = diffDigests(await digestOf(set, x), await digestOf(set, y));
    assert.equal(r.identity?.relation, "same-process", set);
    assert.equal(r.identity?.code, undefined);
    assert.ok(r.notes.every((n) => !n.reasons.some((q) => q.code.startsWith("identity."))));
  }
});

Deno.test("f023 and f033 kernel cores: two processes, ASLR off: identity.different-process", async () => {
  const a = await digestOf("f023", "kernel"), b = await digestOf("f033", "kernel");
  const auto = diffDigests(a, b);
  assert.equal(auto.identity?.code, "identity.different-process");
  assert.equal(auto.verdict, "fail");
  assert.equal(auto.summary.differences, 1);
  assert.equal(auto.summary.unexplained, 0);
  for (const f of ["text", "md", "junit", "html"] as const) {
    const head = renderReport(auto, f).split("\n").slice(0, 6).join("\n");
    assert.match(head, /identity\.different-process/, f);
  }
  // JSON: right after the verdict and the expectation.
  assert.deepEqual(Object.keys(JSON.parse(renderReport(auto, "json"))).slice(0, 4), [
    "schemaVersion",
    "verdict",
    "expectation",
    "identity",
  ]);

  const cross = diffDigests(a, b, { context: prepareContext({ expect: "same-program" }) });
  assert.equal(cross.summary.unexplained, 0);
  assert.equal(cross.verdict, "pass", renderReport(cross, "text"));
  const entries = a.core.files!.entries;
  for (const e of entries) {
    const m = cross.alignment!.find((p) => p.a.start === e.start);
    assert.ok(m, `${e.name} paired`);
    assert.equal(m.shift, 0n, e.name);
    assert.equal(m.kind, "file");
  }
  assert.equal(cross.alignment!.length, cross.ranges.length, "no mapping in one run only");
});

Deno.test("an smaps whose mappings are elsewhere is flagged and not applied", async () => {
  const smaps = readFixtureText("f033", "smaps.txt")!;
  const moved = smaps.replace(
    /^([0-9a-f]+)-([0-9a-f]+) /gm,
    (line: string, s: string, e: string) =>
      s.length > 12
        ? line
        : `${(BigInt(`0x${s}`) + 0x100000000n).toString(16)}-${
          (BigInt(`0x${e}`) + 0x100000000n).toString(16)
        } `,
  );
  const a = await digestOf("f033", "kernel"), b = await digestOf("f033", "gdb");
  const r = diffDigests(a, b, { context: prepareContext({ smaps: moved, filter: "0x33" }) });
  assert.ok(
    r.context.warnings.some((w) => /does not belong to either core.*not applied/.test(w)),
    r.context.warnings.join("\n"),
  );
  assert.equal(r.context.smaps, false);
  const reasons = r.ranges.flatMap((g) => g.differences.flatMap((d) => d.reasons));
  assert.ok(reasons.every((q) => q.certainty !== "predicted"));
  const own = diffDigests(a, b, { context: prepareContext({ smaps, filter: "0x33" }) });
  assert.equal(own.context.smaps, true);
  assert.ok(
    own.ranges.some((g) =>
      g.differences.some((d) => d.reasons.some((q) => q.certainty === "predicted"))
    ),
  );
});

Deno.test("stored digests keep no register values: identity still decided, narrowing skipped with a warning", async () => {
  const [a, b] = [await digestOf("f033", "kernel"), await digestOf("f033", "gdb")];
  const [ma, mb] = [await minimalDigest(a), await minimalDigest(b)];
  const r = diffDigests(ma, mb);
  assert.equal(r.identity?.relation, "same-process");
  assert.equal(r.summary.unexplained, 0);
  assert.ok(r.context.warnings.some((w) => /stack pointers are not known/.test(w)));
  assert.ok(
    !r.ranges.some((g) =>
      g.differences.some((d) => d.reasons.some((q) => q.code === "timing.program-write"))
    ),
  );
  // Two processes stay two processes in stored form.
  const other = diffDigests(ma, await minimalDigest(await digestOf("f023", "kernel")));
  assert.equal(other.identity?.code, "identity.different-process");
  // Full digests narrow, and do not warn.
  assert.ok(!diffDigests(a, b).context.warnings.some((w) => /stack pointers/.test(w)));
});

Deno.test("mappingsOf: file mappings of ELF modules carry the build-id the digest read from the core", async () => {
  for (const name of ["kernel", "gdb"]) {
    const d = await digestFile(fixturePath("f033", `${name}.core.gz`));
    const ids = new Map((d.modules ?? []).filter((m) => m.buildId).map((m) => [m.path, m.buildId]));
    assert.ok(ids.size >= 3, `${name}: only ${ids.size} modules with a build-id`);
    const files = mappingsOf(d).filter((m) => m.kind === "file" && ids.has(m.path!));
    assert.ok(files.length > ids.size, name);
    for (const m of files) assert.equal(m.buildId, ids.get(m.path!), `${name} ${m.path}`);
  }
});
