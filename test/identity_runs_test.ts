/**
 * Identity and the cross-run diff on real cores made here (test/_runs.ts): two runs of one program
 * with ASLR on, two processes with ASLR off (`setarch -R`), a same-process pair (gcore, then the
 * kernel's core), and two runs that map different builds of one library. Checks the identity
 * verdict, the alignment (every NT_FILE mapping of run A paired, with the shift of its file's load
 * base taken from /proc/PID/maps) and that nothing is unexplained.
 */
import assert from "node:assert/strict";
import { prepareContext } from "../lib/diff/context.ts";
import { diffDigests } from "../lib/diff/diff.ts";
import type { DiffReport } from "../lib/diff/model.ts";
import type { CoreDigest } from "../lib/digest/model.ts";
import { renderReport } from "../lib/report/render.ts";
import { call } from "./_spec.ts";
import { capture } from "./_cli.ts";
import { main } from "../main.ts";
import { testApp } from "./_api.ts";
import { digestFile } from "../runtime/digest.ts";
import { type Build, build, crashRun, parseMaps, type RunResult, whyNoCores } from "./_runs.ts";

const why = await whyNoCores();
if (why) console.log(`identity_runs_test: skipped: ${why}`);
const whyNoGcore = why ?? await whyNoCores(["gdb"]);

let built: Promise<Build> | undefined;
const program = () =>
  built ??= build().then((b) => {
    globalThis.addEventListener("unload", () => Deno.removeSync(b.dir, { recursive: true }));
    return b;
  });

/** Load base of each file in a maps text: the start of its offset-0 mapping. */
function bases(maps: string): Map<string, bigint> {
  const out = new Map<string, bigint>();
  for (const l of parseMaps(maps)) {
    if (l.name.startsWith("/") && l.offset === 0n && !out.has(l.name)) out.set(l.name, l.start);
  }
  return out;
}

const baseName = (p: string) => p.slice(p.lastIndexOf("/") + 1);

/** Every NT_FILE mapping of A is paired, shifted by the difference of its file's load bases. */
function assertAlignment(r: DiffReport, a: CoreDigest, ra: RunResult, rb: RunResult): void {
  const alignment = r.alignment ?? [];
  assert.ok(alignment.length > 0, "same-program report has an alignment");
  const ba = bases(ra.maps), bb = new Map([...bases(rb.maps)].map(([p, v]) => [baseName(p), v]));
  const entries = a.core.files?.entries ?? [];
  assert.ok(entries.length >= 10, "the core has an NT_FILE table");
  for (const e of entries) {
    const pair = alignment.find((m) => m.a.start === e.start);
    assert.ok(pair, `NT_FILE ${e.name} at 0x${e.start.toString(16)} is paired`);
    assert.equal(pair.kind, "file");
    const from = ba.get(e.name), to = bb.get(baseName(e.name));
    assert.ok(from !== undefined && to !== undefined, `${e.name} in both maps`);
    assert.equal(pair.shift, to - from, `shift of ${e.name} +0x${e.offset.toString(16)}`);
    assert.equal(pair.b.end - pair.b.start, e.end - e.start);
  }
  for (const name of ["[stack]", "[vdso]", "[heap]"]) {
    assert.ok(alignment.some((m) => m.name === name), `${name} is paired by name`);
  }
}

function assertNoUnexplained(r: DiffReport): void {
  const all = [...r.ranges.flatMap((g) => g.differences), ...r.notes];
  assert.deepEqual(all.filter((d) => d.unexplained).map((d) => d.text), []);
  assert.equal(r.summary.unexplained, 0);
}

/** The identity is the first thing each format says after its verdict line. */
function assertIdentityOnTop(r: DiffReport, code: string): void {
  for (const f of ["text", "md", "junit", "html"] as const) {
    const head = renderReport(r, f).split("\n").slice(0, 6).join("\n");
    assert.match(head, new RegExp(code.replaceAll(".", "\\.")), `${f} shows ${code} at the top`);
  }
  const json = JSON.parse(renderReport(r, "json"));
  assert.equal(json.identity.code, code);
  assert.equal(Object.keys(json)[3], "identity", "JSON: right after the verdict and expectation");
}

Deno.test({
  name: "two runs with ASLR on: identity.different-run; same-program aligns every file mapping",
  ignore: why !== undefined,
  sanitizeResources: false,
  async fn() {
    const b = await program();
    const r1 = await crashRun(b, "aslr-1"), r2 = await crashRun(b, "aslr-2");
    const [a, c] = [await digestFile(r1.kernel), await digestFile(r2.kernel)];

    const auto = diffDigests(a, c, { labels: { a: "run1", b: "run2" } });
    assert.equal(auto.identity?.relation, "same-program");
    assert.equal(auto.identity?.code, "identity.different-run");
    assert.equal(auto.verdict, "fail");
    assertNoUnexplained(auto);
    assert.equal(auto.notes[0]?.reasons[0]?.code, "identity.different-run");
    assert.equal(auto.summary.differences, 1, "one top-level reason, not hundreds of lines");
    assertIdentityOnTop(auto, "identity.different-run");

    const cross = diffDigests(a, c, { context: prepareContext({ expect: "same-program" }) });
    assert.equal(cross.identity?.code, "identity.different-run");
    assertNoUnexplained(cross);
    assertAlignment(cross, a, r1, r2);
    assert.ok(cross.alignment!.some((m) => m.shift !== 0n), "ASLR moved something");
    assert.equal(cross.verdict, "pass", renderReport(cross, "text"));
    for (const f of ["text", "md", "junit", "html"] as const) {
      const out = renderReport(cross, f);
      const libc = cross.alignment!.find((m) => m.name.includes("libc.so"))!;
      const shift = libc.shift < 0n
        ? `-0x${(-libc.shift).toString(16)}`
        : `+0x${libc.shift.toString(16)}`;
      assert.ok(out.includes(shift), `${f} shows libc's shift ${shift}`);
    }

    // The CLI: the mismatch fails (exit 1); the cross-run diff passes (exit 0) and shows shifts.
    const bad = capture();
    assert.equal(await main(["diff", r1.kernel, r2.kernel], bad.io), 1, bad.out.stderr);
    assert.match(bad.out.stdout.split("\n")[1]!, /identity\.different-run/);
    const good = capture();
    const args = ["diff", r1.kernel, r2.kernel, "--expect", "same-program", "--format", "md"];
    assert.equal(await main(args, good.io), 0, good.out.stderr);
    assert.match(
      good.out.stdout,
      /\*\*Alignment\*\* \(\d+ pairs, B = A \+ shift; \d+ only in A, \d+ only in B\)/,
    );

    // An smaps of run 1 does not belong to run 2's core: flagged, never applied.
    const wrong = diffDigests(c, c, {
      context: prepareContext({ smaps: r1.smaps, filter: "0x33" }),
    });
    assert.ok(wrong.context.warnings.some((w) => /does not belong/.test(w)), "flagged");
    const reasons = wrong.ranges.flatMap((g) => g.differences.flatMap((d) => d.reasons));
    assert.ok(reasons.every((x) => x.certainty !== "predicted"), "no prediction applied");
    const right = diffDigests(a, a, {
      context: prepareContext({ smaps: r1.smaps, filter: "0x33" }),
    });
    assert.ok(!right.context.warnings.some((w) => /does not belong/.test(w)), "own smaps fits");
  },
});

Deno.test({
  name: "two processes with ASLR off: identity.different-process, every shift 0, 0 unexplained",
  ignore: why !== undefined,
  sanitizeResources: false,
  async fn() {
    const b = await program();
    const r1 = await crashRun(b, "norand-1", { noAslr: true });
    const r2 = await crashRun(b, "norand-2", { noAslr: true });
    const [a, c] = [await digestFile(r1.kernel), await digestFile(r2.kernel)];
    const auto = diffDigests(a, c);
    assert.equal(auto.identity?.relation, "same-program");
    assert.equal(auto.identity?.code, "identity.different-process");
    assert.equal(auto.verdict, "fail");
    assert.equal(auto.summary.differences, 1);
    assertNoUnexplained(auto);
    // No writable difference passes as volatile content across two processes.
    const volatile = auto.ranges.flatMap((g) => g.differences).filter((d) =>
      d.reasons.some((x) => x.code === "timing.volatile-content")
    );
    assert.deepEqual(volatile, []);
    assertIdentityOnTop(auto, "identity.different-process");

    const cross = diffDigests(a, c, { context: prepareContext({ expect: "same-program" }) });
    assertNoUnexplained(cross);
    assertAlignment(cross, a, r1, r2);
    assert.ok(cross.alignment!.every((m) => m.shift === 0n), "no shift without ASLR");
    assert.equal(cross.verdict, "pass");
  },
});

Deno.test({
  name: "same-process pair (gcore, then the kernel's core): identity same-process, 0 unexplained",
  ignore: whyNoGcore !== undefined,
  sanitizeResources: false,
  async fn() {
    const b = await program();
    const r = await crashRun(b, "same", { gcore: true });
    const [k, g] = [await digestFile(r.kernel), await digestFile(r.gcore!)];
    const report = diffDigests(k, g, {
      context: prepareContext({ smaps: r.smaps, filter: "0x33" }),
    });
    assert.equal(report.identity?.relation, "same-process");
    assert.equal(report.identity?.code, undefined);
    assert.equal(report.expectation, "kernel-vs-gdb");
    assert.ok(!report.context.warnings.some((w) => /does not belong/.test(w)));
    assertNoUnexplained(report);
    assert.ok(report.notes.every((n) => !n.reasons.some((x) => x.code.startsWith("identity."))));
    // Writable pages differ only where a rule says bytes move, and each reason names the place.
    const volatile = report.ranges.flatMap((g) => g.differences).flatMap((d) => d.reasons)
      .filter((x) => x.code === "timing.volatile-content");
    assert.ok(volatile.length > 0, "the stacks moved");
    for (const x of volatile) {
      assert.match(
        x.text,
        /^(stack of thread \d+ at or below|TLS, thread control|the GOT of|.+'s writable data)/,
      );
    }
    const failing = renderReport(report, "text").split("\n").filter((l) => /^!|^ {2}0x/.test(l));
    assert.equal(report.verdict, "pass", failing.join("\n"));
  },
});

Deno.test({
  name: "a rebuilt library between two runs is a content difference of that library",
  ignore: why !== undefined,
  sanitizeResources: false,
  async fn() {
    const b = await program();
    // 0x37 adds file-backed private memory, so the library's read-only pages are in the cores.
    const r1 = await crashRun(b, "lib-1", { filter: "0x37" });
    const r2 = await crashRun(b, "lib-2", { filter: "0x37", lib: b.lib2 });
    const [a, c] = [await digestFile(r1.kernel), await digestFile(r2.kernel)];
    const cross = diffDigests(a, c, { context: prepareContext({ expect: "same-program" }) });
    assertNoUnexplained(cross);
    assertAlignment(cross, a, r1, r2);
    const changed = cross.ranges.filter((g) =>
      g.differences.some((d) => d.reasons.some((x) => x.code === "cross-run.file-changed"))
    );
    assert.ok(changed.length > 0, "the library's pages differ");
    assert.deepEqual([...new Set(changed.map((g) => baseName(g.name)))], ["libpick.so"]);
    assert.equal(cross.verdict, "fail");

    // The same two libraries' runs with one build: nothing changed.
    const r3 = await crashRun(b, "lib-3", { filter: "0x37" });
    const same = diffDigests(a, await digestFile(r3.kernel), {
      context: prepareContext({ expect: "same-program" }),
    });
    assert.equal(same.verdict, "pass", renderReport(same, "text"));
  },
});

Deno.test({
  name: "another program: identity.different-program fails every expectation, 0 unexplained",
  ignore: why !== undefined,
  sanitizeResources: false,
  async fn() {
    const b = await program();
    const r1 = await crashRun(b, "prog-1"), r2 = await crashRun(b, "prog-2", { other: true });
    const [a, c] = [await digestFile(r1.kernel), await digestFile(r2.kernel)];
    for (const expect of ["auto", "same-program"]) {
      const r = diffDigests(a, c, { context: prepareContext({ expect }) });
      assert.equal(r.identity?.relation, "different-program", expect);
      assert.equal(r.identity?.code, "identity.different-program");
      assert.equal(r.verdict, "fail", expect);
      assert.equal(r.summary.unexplained, 0);
      assert.equal(r.notes[0]?.reasons[0]?.code, "identity.different-program");
    }
  },
});

Deno.test({
  name: "API: expect=same-program on POST /v1/diff; identity and alignment match the schema",
  ignore: why !== undefined,
  sanitizeResources: false,
  async fn() {
    const b = await program();
    const r1 = await crashRun(b, "api-1"), r2 = await crashRun(b, "api-2");
    const t = await testApp();
    try {
      const form = (expect: string) => {
        const f = new FormData();
        f.append("a", new Blob([Deno.readFileSync(r1.kernel)]), "run1.core");
        f.append("b", new Blob([Deno.readFileSync(r2.kernel)]), "run2.core");
        f.append("expect", expect);
        return f;
      };
      const cross = await call(t.app, "/v1/diff?format=json", {
        method: "POST",
        body: form("same-program"),
      });
      assert.equal(cross.res.status, 201, cross.text);
      assert.equal(cross.json.expectation, "same-program");
      assert.equal(cross.json.identity.code, "identity.different-run");
      assert.ok(cross.json.alignment.length > 10);
      assert.match(cross.json.alignment[0].shift, /^-?0x[0-9a-f]+$/);
      assert.equal(cross.json.summary.unexplained, 0);
      const auto = await call(t.app, "/v1/diff?format=text", {
        method: "POST",
        body: form("auto"),
      });
      assert.equal(auto.res.headers.get("coredelta-verdict"), "fail");
      assert.match(
        auto.text.split("\n")[1]!,
        /^identity: same-program \[identity\.different-run\]/,
      );
    } finally {
      await t.cleanup();
    }
  },
});
