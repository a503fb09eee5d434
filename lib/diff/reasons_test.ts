import assert from "node:assert/strict";
import { isReasonCode, REASON_CODES, REASONS, renderReasonCodes } from "./reasons.ts";

const DOC = new URL("../../docs/reason-codes.md", import.meta.url);
const GOLDEN = new URL("../../test/golden/", import.meta.url);

Deno.test("docs/reason-codes.md equals what the vocabulary generates (deno task docs)", () => {
  assert.equal(Deno.readTextFileSync(DOC), renderReasonCodes());
});

Deno.test("every reason code is defined with a meaning, a rule and a source citing code or the spec", () => {
  assert.ok(REASON_CODES.length >= 40);
  for (const c of REASON_CODES) {
    assert.match(
      c,
      /^(kernel|gdb|layout|timing|side-effect|identity|cross-run|module)\.[a-z0-9-]+$/,
      c,
    );
    const d = REASONS[c];
    for (const f of [d.meaning, d.rule, d.source]) assert.ok(f.length > 3, `${c}: empty field`);
    assert.match(d.source, /§\d|\.c\b/, `${c}: the source names no function file or spec section`);
  }
  assert.ok(!isReasonCode("toString"), "prototype keys are not codes");
});

Deno.test("every spec section a reason cites exists in docs/dump-policies.md", () => {
  const spec = Deno.readTextFileSync(new URL("../../docs/dump-policies.md", import.meta.url));
  const sections = new Set([...spec.matchAll(/^#{2,4} (\d+(?:\.\d+)*)\b/gm)].map((m) => m[1]!));
  for (const c of REASON_CODES) {
    for (const m of REASONS[c].source.matchAll(/§(\d+(?:\.\d+)*)/g)) {
      assert.ok(sections.has(m[1]!), `${c} cites §${m[1]}, which docs/dump-policies.md lacks`);
    }
  }
});

Deno.test("every code in the committed golden reports is in the vocabulary", () => {
  let seen = 0;
  for (const e of Deno.readDirSync(GOLDEN)) {
    const text = Deno.readTextFileSync(new URL(e.name, GOLDEN));
    for (const m of text.matchAll(/\b((?:kernel|gdb|layout|timing|side-effect)\.[a-z0-9-]+)/g)) {
      // Skip pathnames and file names that merely look like codes.
      if (/\.(core|txt|gz)$/.test(m[1]!)) continue;
      assert.ok(isReasonCode(m[1]!), `${e.name}: ${m[1]} is not a defined reason code`);
      seen++;
    }
  }
  assert.ok(seen > 100, `only ${seen} codes seen in the golden reports`);
});
