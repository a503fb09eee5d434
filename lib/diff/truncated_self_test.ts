import assert from "node:assert/strict";
import { prepareContext } from "./context.ts";
import { digestInput } from "../../runtime/digest.ts";
import { loadCore } from "../../test/_fixtures.ts";
import { diffDigests } from "./diff.ts";

const digest = (b: Uint8Array) => digestInput(ReadableStream.from([b]));

Deno.test("a truncated core diffed with itself passes (regression: layout.truncated unexpected)", async () => {
  const core = loadCore("f033", "kernel");
  for (const cut of [10_000, 20_000, 500_000, core.length - 4096]) {
    const a = await digest(core.subarray(0, cut));
    assert.equal(a.core.truncated, true, `cut at ${cut}`);
    for (const expect of ["identical", "kernel-vs-gdb", "auto"] as const) {
      const r = diffDigests(a, await digest(core.subarray(0, cut)), {
        context: prepareContext({ expect }),
      });
      assert.equal(r.verdict, "pass", `cut at ${cut}, ${expect}: ${JSON.stringify(r.summary)}`);
      assert.equal(r.summary.differences, 0);
    }
  }
  // Against the whole core, the missing pages are still a (known, unexpected) difference.
  const whole = await digest(core);
  const r = diffDigests(await digest(core.subarray(0, 500_000)), whole, {
    context: prepareContext({ expect: "identical" }),
  });
  assert.equal(r.verdict, "fail");
  assert.ok(
    r.ranges.some((g) =>
      g.differences.some((d) => d.reasons.some((x) => x.code === "layout.truncated"))
    ),
  );
});
