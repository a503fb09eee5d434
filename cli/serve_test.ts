import assert from "node:assert/strict";
import { loadCore } from "../test/_fixtures.ts";
import { main } from "../main.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;

/** Starts `coredelta serve` as `deno task start` does (same permissions), on a free port. */
async function spawnServe(dataDir: string, extra: string[] = []) {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-net",
      "--allow-read",
      "--allow-write",
      "--allow-env",
      MAIN,
      "serve",
      "--port",
      "0",
      ...extra,
    ],
    env: { COREDELTA_DATA: dataDir },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const lines: string[] = [];
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buf = "";
  const done = (async () => {
    for (;;) {
      const r = await reader.read();
      if (r.done) break;
      buf += r.value;
      const parts = buf.split("\n");
      buf = parts.pop()!;
      lines.push(...parts);
    }
  })();
  while (!lines.length) await new Promise((r) => setTimeout(r, 20));
  const url = JSON.parse(lines[0]!).url as string;
  return { child, url, lines, done };
}

async function slowUpload(url: string, file: string, rate: string) {
  const out = await Deno.makeTempFile();
  const child = new Deno.Command("curl", {
    args: [
      "-sS",
      "--limit-rate",
      rate,
      "-o",
      out,
      "-w",
      "%{http_code}",
      "-X",
      "POST",
      "-T",
      file,
      url,
    ],
    stdout: "piped",
    stderr: "null",
  }).spawn();
  return {
    async result() {
      const r = await child.output();
      const body = await Deno.readTextFile(out);
      await Deno.remove(out);
      return { status: Number(new TextDecoder().decode(r.stdout)), body };
    },
  };
}

Deno.test("serve --help documents the embedded defaults", async () => {
  let out = "";
  const code = await main(["serve", "--help"], {
    stdout: (t) => void (out += t),
    stderr: (t) => void (out += t),
  });
  assert.equal(code, 0);
  assert.match(out, /default \$PORT or 8931/);
  assert.match(out, /COREDELTA_DATA/);
});

Deno.test("serve drains uploads in flight on SIGTERM, logs JSON lines, and leaves no temp file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "coredelta-serve-" });
  try {
    const file = `${dir}/core`;
    const core = loadCore("f033", "kernel");
    const padded = new Uint8Array(core.length + 6 * 1024 * 1024);
    padded.set(core);
    await Deno.writeFile(file, padded);

    const s = await spawnServe(`${dir}/data`);
    assert.equal((await fetch(`${s.url}/health`).then((r) => r.json())).status, "ok");
    const upload = await slowUpload(`${s.url}/v1/cores`, file, "8M");
    await new Promise((r) => setTimeout(r, 300));
    s.child.kill("SIGTERM");
    const got = await upload.result();
    assert.equal(got.status, 201, got.body);
    assert.equal((await s.child.status).code, 0);
    await s.done;
    const records = s.lines.map((l) => JSON.parse(l));
    assert.deepEqual(records.map((r) => r.msg), [
      "listening",
      "request",
      "draining",
      "request",
      "stopped",
    ]);
    assert.ok(records.every((r) => typeof r.time === "string"));
    assert.deepEqual([...Deno.readDirSync(`${dir}/data/tmp`)], []);

    // With a short drain time, a slow upload is stopped with 503 and cleaned up.
    const t = await spawnServe(`${dir}/data`, ["--drain", "1"]);
    const slow = await slowUpload(`${t.url}/v1/cores`, file, "1M");
    await new Promise((r) => setTimeout(r, 300));
    t.child.kill("SIGTERM");
    const stopped = await slow.result();
    assert.equal(stopped.status, 503, stopped.body);
    assert.equal(JSON.parse(stopped.body).type, "https://coredelta.dev/problems/unavailable");
    assert.equal((await t.child.status).code, 0);
    await t.done;
    assert.deepEqual([...Deno.readDirSync(`${dir}/data/tmp`)], []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("serve --store takes only a PostgreSQL URL (exit 2 otherwise) and documents it", async () => {
  let err = "";
  const code = await main(["serve", "--store", "mysql://db/x", "--port", "0"], {
    stdout: () => {},
    stderr: (t) => void (err += t),
  });
  assert.equal(code, 2);
  assert.match(err, /--store must be a postgres:\/\/ or postgresql:\/\/ URL/);
  let help = "";
  await main(["serve", "--help"], { stdout: (t) => void (help += t), stderr: () => {} });
  assert.match(help, /--store URL/);
  assert.match(help, /COREDELTA_STORE/);
});

Deno.test("serve starts with the Docker image's scoped --allow-env (COREDELTA_STORE unreadable)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "coredelta-serve-" });
  const dockerfile = await Deno.readTextFile(new URL("../Dockerfile", import.meta.url));
  const allowEnv = /"(--allow-env=[^"]+)"/.exec(dockerfile)![1]!;
  assert.doesNotMatch(allowEnv, /COREDELTA_STORE/, "the image itself does not name the store");
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-net=127.0.0.1",
      "--allow-read",
      `--allow-write=${dir}`,
      allowEnv,
      MAIN,
      "serve",
      "--port",
      "0",
      "--data",
      dir,
    ],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  try {
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    const first = await reader.read();
    assert.match(first.value ?? "", /"msg":"listening"/);
    const url = JSON.parse(first.value!.split("\n")[0]!).url;
    const health = await fetch(`${url}/health`);
    assert.equal(health.status, 200);
    await health.body?.cancel();
    reader.releaseLock();
  } finally {
    child.kill("SIGKILL");
    await child.status;
    await child.stdout.cancel().catch(() => {});
    await child.stderr.cancel().catch(() => {});
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("serve with an unreachable database: one line on stderr after --store-wait, exit 1", async () => {
  let err = "";
  const dir = await Deno.makeTempDir({ prefix: "coredelta-serve-" });
  try {
    const code = await main(
      [
        "serve",
        "--store",
        "postgres://nobody@127.0.0.1:1/none",
        "--store-wait",
        "0",
        "--port",
        "0",
        "--data",
        dir,
      ],
      { stdout: () => {}, stderr: (t) => void (err += t) },
    );
    assert.equal(code, 1);
    assert.match(err, /^coredelta serve: The database could not be reached \(migrate\).*\n$/);
    assert.equal(err.split("\n").length, 2, "one line");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
