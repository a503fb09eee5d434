/**
 * Acceptance over a real socket: `startServer` (what `coredelta serve` runs) on port 0, driven by
 * the curl command line the docs show, compared with the CLI's own `diff` output.
 */

import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { type RunningServer, startServer } from "../cli/serve.ts";
import { FIXTURE_DIR, fixturePath, loadCore } from "../test/_fixtures.ts";
import { checkResponse } from "../test/_spec.ts";
import { filesUnder, testDatabase } from "../test/_api.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;

interface CurlResult {
  status: number;
  type: string;
  body: string;
}

/** Runs curl; the body goes to a file so binary-safe status parsing is trivial. */
async function curl(args: string[], cwd?: string): Promise<CurlResult> {
  const out = await Deno.makeTempFile();
  try {
    const cmd = new Deno.Command("curl", {
      args: ["-sS", "-o", out, "-w", "%{http_code} %{content_type}", ...args],
      stdout: "piped",
      stderr: "piped",
      ...(cwd ? { cwd } : {}),
    });
    const r = await cmd.output();
    const [code, ...type] = new TextDecoder().decode(r.stdout).split(" ");
    return { status: Number(code), type: type.join(" "), body: await Deno.readTextFile(out) };
  } finally {
    await Deno.remove(out);
  }
}

/** What `coredelta diff` prints, run in `cwd` as a user would. */
async function cliDiff(args: string[], cwd: string): Promise<{ code: number; stdout: string }> {
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, "diff", ...args],
    cwd,
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: r.code, stdout: new TextDecoder().decode(r.stdout) };
}

async function withServer(
  limits: Record<string, number>,
  fn: (url: string, dataDir: string, server: RunningServer) => Promise<void>,
): Promise<void> {
  const dataDir = await Deno.makeTempDir({ prefix: "coredelta-e2e-" });
  const db = await testDatabase(); // set by test/api_postgres_test.ts: the same run on PostgreSQL
  const server = await startServer({
    port: 0,
    hostname: "127.0.0.1",
    dataDir,
    ...(db ? { store: db.url } : {}),
    tokens: [],
    limits,
    logger: { log: () => {} },
  });
  try {
    await fn(server.url, dataDir, server);
  } finally {
    await server.shutdown();
    await db?.drop();
    await Deno.remove(dataDir, { recursive: true });
  }
}

/** Waits until no temporary file is left (the server removes them before answering or soon after). */
async function assertNoTemp(dataDir: string): Promise<void> {
  for (let i = 0; i < 50; i++) {
    if ((await filesUnder(`${dataDir}/tmp`)).length === 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.deepEqual(await filesUnder(`${dataDir}/tmp`), []);
}

Deno.test("curl -F a=@kernel -F b=@gdb gets exactly what `coredelta diff` prints", async () => {
  await withServer({}, async (url, dataDir) => {
    for (const set of ["f033", "f07f"]) {
      const cwd = `${FIXTURE_DIR}${set}`;
      for (const format of ["text", "json"]) {
        const form = ["-F", "a=@kernel.core.gz", "-F", "b=@gdb.core.gz", "-F", "smaps=@smaps.txt"];
        const got = await curl(
          [...form, "-F", "filter=0x33", `${url}/v1/diff?format=${format}`],
          cwd,
        );
        assert.equal(got.status, 201, got.body);
        checkResponse("POST", "/v1/diff", got.status, got.type, got.body);
        const cli = await cliDiff(
          [
            "kernel.core.gz",
            "gdb.core.gz",
            "--smaps",
            "smaps.txt",
            "--filter",
            "0x33",
            "--format",
            format,
          ],
          cwd,
        );
        assert.ok(cli.code === 0 || cli.code === 1, `cli exit ${cli.code}`);
        assert.equal(got.body, cli.stdout, `${set} ${format}`);
      }
    }
    await assertNoTemp(dataDir);
  });
});

Deno.test("curl -T uploads (Content-Length and chunked) and their problems", async () => {
  const core = loadCore("f033", "kernel");
  const dir = await Deno.makeTempDir();
  const limits = { maxUploadBytes: 4 * 1024 * 1024, maxCoreBytes: core.length + 65536 };
  try {
    const plain = `${dir}/core`;
    await Deno.writeFile(plain, core);
    const big = `${dir}/big`;
    const padded = new Uint8Array(6 * 1024 * 1024);
    padded.set(core);
    await Deno.writeFile(big, padded);
    const bomb = `${dir}/bomb.gz`;
    await Deno.writeFile(bomb, gzipSync(padded));
    const text = `${dir}/text`;
    await Deno.writeTextFile(text, "hello, not a core\n");
    await withServer(limits, async (url, dataDir) => {
      const cases: [string, string[], number, string | undefined][] = [
        ["curl -T (PUT)", ["-T", plain], 201, undefined],
        ["Content-Length", ["-X", "POST", "-T", plain], 201, undefined],
        ["gzip", ["-X", "POST", "-T", fixturePath("f033", "kernel.core.gz")], 201, undefined],
        ["chunked", ["-X", "POST", "-T", "-", "-H", "Transfer-Encoding: chunked"], 201, undefined],
        ["declared too large", ["-X", "POST", "-T", big], 413, "too-large"],
        ["bomb", ["-X", "POST", "-T", bomb], 413, "too-large"],
        ["not a core", ["-X", "POST", "-T", text], 422, "elf-format"],
        [
          "wrong type",
          ["-X", "POST", "-T", plain, "-H", "Content-Type: text/plain"],
          415,
          "unsupported-media-type",
        ],
      ];
      for (const [name, args, status, type] of cases) {
        const stdin = name === "chunked" ? plain : undefined;
        const got = stdin
          ? await curlStdin([...args, `${url}/v1/cores`], stdin)
          : await curl([...args, `${url}/v1/cores`]);
        assert.equal(got.status, status, `${name}: ${got.body}`);
        const method = args.includes("POST") ? "POST" : "PUT";
        checkResponse(method, "/v1/cores", got.status, got.type, got.body);
        if (type) assert.equal(JSON.parse(got.body).type, `https://coredelta.dev/problems/${type}`);
        await assertNoTemp(dataDir);
      }
      const chunkedBig = await curlStdin(["-X", "POST", "-T", "-", `${url}/v1/cores`], big);
      assert.equal(chunkedBig.status, 413, chunkedBig.body);
      const form = await curl(["-F", `a=@${plain}`, "-F", `b=@${text}`, `${url}/v1/diff`]);
      assert.equal(form.status, 422);
      assert.equal(JSON.parse(form.body).part, "b");
      await assertNoTemp(dataDir);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** curl reading the body from a file on stdin (`-T -`, sent chunked). */
async function curlStdin(args: string[], file: string): Promise<CurlResult> {
  const out = await Deno.makeTempFile();
  try {
    const child = new Deno.Command("curl", {
      args: ["-sS", "-o", out, "-w", "%{http_code} %{content_type}", ...args],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const f = await Deno.open(file);
    await f.readable.pipeTo(child.stdin).catch(() => {}); // the server may answer 413 early
    const r = await child.output();
    const [code, ...type] = new TextDecoder().decode(r.stdout).split(" ");
    return { status: Number(code), type: type.join(" "), body: await Deno.readTextFile(out) };
  } finally {
    await Deno.remove(out);
  }
}

Deno.test("a client that hangs up mid-upload leaves no temporary file", async () => {
  const core = loadCore("f07f", "kernel");
  const dir = await Deno.makeTempDir();
  try {
    const big = `${dir}/big`;
    const padded = new Uint8Array(core.length + 32 * 1024 * 1024);
    padded.set(core);
    await Deno.writeFile(big, padded);
    await withServer({}, async (url, dataDir) => {
      for (
        const args of [["-X", "POST", "-T", big, `${url}/v1/cores`], [
          "-F",
          `a=@${big}`,
          "-F",
          `b=@${big}`,
          `${url}/v1/diff`,
        ]]
      ) {
        const child = new Deno.Command("curl", {
          args: ["-sS", "--limit-rate", "4M", "-o", "/dev/null", ...args],
          stdout: "null",
          stderr: "null",
        }).spawn();
        await new Promise((r) => setTimeout(r, 700));
        assert.ok((await filesUnder(`${dataDir}/tmp`)).length > 0, "upload in progress");
        child.kill("SIGKILL");
        await child.status;
        await assertNoTemp(dataDir);
      }
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
