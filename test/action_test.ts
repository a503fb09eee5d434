/**
 * The GitHub composite action (`action.yml`) run the way the runner runs it: inputs with their
 * defaults, `${{ inputs.* }}` substituted into each step's `env` and `run`, `if:` conditions,
 * `bash --noprofile --norc -eo pipefail FILE`, `GITHUB_ACTION_PATH`, a `GITHUB_OUTPUT` file per
 * step and one `GITHUB_STEP_SUMMARY` file, then the action's outputs from `steps.*.outputs`. The
 * program is the fixture mapper; the verdict, reports and step summary are checked. The GitLab
 * template is checked to report the JUnit file the script writes.
 */
import assert from "node:assert/strict";
import { parse } from "yaml";
import { withKernelCores } from "./_core_lock.ts";
import { buildMapper, whyNoCores } from "./_capture.ts";

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const skip = whyNoCores();

interface Step {
  id?: string;
  if?: string;
  shell: string;
  env?: Record<string, string>;
  run: string;
}
interface Action {
  inputs: Record<string, { default?: string; required?: boolean }>;
  outputs: Record<string, { value: string }>;
  runs: { using: string; steps: Step[] };
}

/** Substitutes `${{ inputs.x }}` and `${{ steps.id.outputs.x }}` as the runner does. */
function expand(
  text: string,
  inputs: Record<string, string>,
  steps: Record<string, Record<string, string>>,
): string {
  return text.replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_, expr: string) => {
    let m = expr.match(/^inputs\.([\w-]+)$/);
    if (m) return inputs[m[1]!] ?? "";
    m = expr.match(/^steps\.([\w-]+)\.outputs\.([\w-]+)$/);
    if (m) return steps[m[1]!]?.[m[2]!] ?? "";
    if (expr === "github.action_path") return ROOT;
    throw new Error(`expression not supported by this test: ${expr}`);
  });
}

/** Evaluates the `if:` forms the action uses (`inputs.x == 'y'`). */
function condition(expr: string | undefined, inputs: Record<string, string>): boolean {
  if (expr === undefined) return true;
  const m = expr.match(/^inputs\.([\w-]+)\s*==\s*'([^']*)'$/);
  if (!m) throw new Error(`condition not supported by this test: ${expr}`);
  return inputs[m[1]!] === m[2];
}

function parseOutputFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const i = line.indexOf("=");
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

async function runAction(
  given: Record<string, string>,
  cwd: string,
  env: Record<string, string>,
) {
  const action = parse(await Deno.readTextFile(`${ROOT}/action.yml`)) as Action;
  assert.equal(action.runs.using, "composite");
  const inputs: Record<string, string> = {};
  for (const [name, spec] of Object.entries(action.inputs)) {
    if (spec.required) assert.ok(name in given, `required input ${name}`);
    inputs[name] = given[name] ?? spec.default ?? "";
  }
  const summary = `${cwd}/step_summary.md`;
  await Deno.writeTextFile(summary, "");
  const stepOutputs: Record<string, Record<string, string>> = {};
  let code = 0;
  for (const [i, step] of action.runs.steps.entries()) {
    if (!condition(step.if, inputs)) continue;
    assert.equal(step.shell, "bash");
    const script = `${cwd}/step${i}.sh`;
    const output = `${cwd}/step${i}.out`;
    await Deno.writeTextFile(script, expand(step.run, inputs, stepOutputs));
    await Deno.writeTextFile(output, "");
    const stepEnv: Record<string, string> = {};
    for (const [k, v] of Object.entries(step.env ?? {})) {
      stepEnv[k] = expand(String(v), inputs, stepOutputs);
    }
    const r = await new Deno.Command("bash", {
      args: ["--noprofile", "--norc", "-eo", "pipefail", script],
      cwd,
      env: {
        ...env,
        ...stepEnv,
        GITHUB_ACTION_PATH: ROOT,
        GITHUB_OUTPUT: output,
        GITHUB_STEP_SUMMARY: summary,
      },
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (step.id) stepOutputs[step.id] = parseOutputFile(await Deno.readTextFile(output));
    code = r.code;
    if (!r.success) {
      console.log(new TextDecoder().decode(r.stderr));
      break;
    }
  }
  const outputs: Record<string, string> = {};
  for (const [name, o] of Object.entries(action.outputs)) {
    outputs[name] = expand(o.value, inputs, stepOutputs);
  }
  return { code, outputs, summary: await Deno.readTextFile(summary) };
}

Deno.test({
  name: "action.yml as the runner runs it: mapper at 0x23 and 0x33 passes, outputs and summary",
  ignore: skip !== undefined,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "coredelta-action-" });
    try {
      await buildMapper(`${dir}/mapper`);
      const env = { TMPDIR: dir, COREDELTA_DENO: Deno.execPath(), NO_COLOR: "1" };
      const ok = await withKernelCores(() =>
        runAction(
          {
            program: "./mapper -w . 'two words'",
            filters: "0x23,0x33",
            "ready-line": "^ready$",
            "gdb-settings": "set use-coredump-filter on\n",
          },
          dir,
          env,
        )
      );
      assert.equal(ok.code, 0);
      assert.equal(ok.outputs.verdict, "pass");
      assert.equal(ok.outputs.junit, "coredelta-capture/report.xml");
      assert.equal(ok.outputs["out-dir"], "coredelta-capture");
      const junit = await Deno.readTextFile(`${dir}/${ok.outputs.junit}`);
      assert.equal(junit.match(/<testsuite /g)?.length, 2);
      assert.match(ok.summary, /^## f023$/m);
      assert.match(ok.summary, /✅ pass/);
      assert.doesNotMatch(ok.summary, /❌ fail/);
      assert.equal(ok.summary, await Deno.readTextFile(`${dir}/${ok.outputs.markdown}`));
      const manifest = JSON.parse(
        await Deno.readTextFile(`${dir}/coredelta-capture/f033/manifest.json`),
      );
      assert.deepEqual(manifest.program, ["./mapper", "-w", ".", "two words"]);
      assert.deepEqual(manifest.gdbSettings, ["set use-coredump-filter on"]);

      // A program that never gets ready: verdict error, the step fails, the summary says so.
      const bad = await withKernelCores(() =>
        runAction(
          { program: "sh -c 'exit 4'", "ready-line": "^ready", out: "bad" },
          dir,
          env,
        )
      );
      assert.equal(bad.code, 2);
      assert.equal(bad.outputs.verdict, "error");
      assert.match(bad.summary, /coredelta capture: error \(exit 2\)/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("GitLab template: hidden job runs the same script and reports its JUnit file", async () => {
  const text = await Deno.readTextFile(`${ROOT}/recipes/coredelta-capture.gitlab-ci.yml`);
  const job = (parse(text) as Record<string, Record<string, unknown>>)[".coredelta-capture"]!;
  const script = (job.script as string[]).join("\n");
  assert.match(script, /recipes\/ci-capture\.sh/);
  const vars = job.variables as Record<string, string>;
  const artifacts = job.artifacts as { reports: { junit: string }; paths: string[] };
  assert.equal(artifacts.reports.junit, `${vars.COREDELTA_OUT}/report.xml`);
  assert.deepEqual(artifacts.paths, [`${vars.COREDELTA_OUT}/`]);
  // The script writes its JUnit report where the template says.
  const sh = await Deno.readTextFile(`${ROOT}/recipes/ci-capture.sh`);
  assert.match(sh, /junit="\$out\/report\.xml"/);
});
