/**
 * A throwaway PostgreSQL cluster for tests: `initdb` in a fresh temporary directory owned by the
 * `postgres` user (the server refuses to run as root), `pg_ctl start` on a private port with its
 * socket in that directory, trust authentication on 127.0.0.1 only; `stop()` stops it and removes
 * the directory. One cluster per test file: call {@link startPostgres} once at the top and stop it
 * in the last test (or use {@link withPostgres}).
 *
 * When PostgreSQL is not installed (`/usr/lib/postgresql/<v>/bin/initdb` absent) {@link pgSkip}
 * says why and tests are ignored with that message; `.ci/run` installs the `postgresql` package.
 *
 * @module
 */

/** A running throwaway cluster. */
export interface PgCluster {
  /** Connection URL of its `postgres` database (user `postgres`, trust auth). */
  readonly url: string;
  /** TCP port. */
  readonly port: number;
  /** The cluster's directory. */
  readonly dir: string;
  /** With `ssl`: PEM file of the CA that signed the server's certificate (for 127.0.0.1). */
  readonly caFile?: string;
  /** Makes a fresh empty database and returns its URL (one per test keeps tests apart). */
  createDatabase(): Promise<string>;
  /** Stops the server (fast shutdown), keeping the data: for outage tests. */
  pause(): Promise<void>;
  /** Starts it again on the same port after {@link PgCluster.pause}. */
  resume(): Promise<void>;
  /** Runs one SQL statement with psql and returns its unaligned output. */
  psql(sql: string, database?: string): Promise<string>;
  /** Stops the server and removes its directory. */
  stop(): Promise<void>;
}

/** Where the server binaries are, or undefined when PostgreSQL is not installed. */
export function pgBinDir(): string | undefined {
  for (const v of ["17", "16", "15", "14", "13"]) {
    const dir = `/usr/lib/postgresql/${v}/bin`;
    try {
      Deno.statSync(`${dir}/initdb`);
      return dir;
    } catch { /* next */ }
  }
  return undefined;
}

/** Why PostgreSQL tests cannot run here, or false when they can. */
export function pgSkip(): string | false {
  if (!pgBinDir()) return "PostgreSQL is not installed (apt-get install postgresql)";
  if (Deno.uid() === 0) {
    try {
      const p = new Deno.Command("id", { args: ["-u", "postgres"], stdout: "null", stderr: "null" })
        .outputSync();
      if (!p.success) return "there is no postgres user to run the server as";
    } catch {
      return "cannot look up the postgres user";
    }
  }
  return false;
}

async function run(cmd: string, args: string[], asPostgres: boolean): Promise<string> {
  const [c, a] = asPostgres && Deno.uid() === 0
    ? ["runuser", ["-u", "postgres", "--", cmd, ...args]]
    : [cmd, args];
  const out = await new Deno.Command(c, { args: a, stdout: "piped", stderr: "piped" }).output();
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success) {
    throw new Error(`${cmd} ${args.join(" ")} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
  return text;
}

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** Makes a CA and a server certificate for 127.0.0.1 in `dir` with openssl. */
async function makeCertificates(dir: string): Promise<void> {
  const ssl = (args: string[]) => run("openssl", args, false);
  await ssl([
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-days",
    "2",
    "-subj",
    "/CN=coredelta test CA",
    "-keyout",
    `${dir}/ca.key`,
    "-out",
    `${dir}/ca.pem`,
  ]);
  await ssl([
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-subj",
    "/CN=127.0.0.1",
    "-keyout",
    `${dir}/server.key`,
    "-out",
    `${dir}/server.csr`,
  ]);
  await Deno.writeTextFile(`${dir}/san.ext`, "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
  await ssl([
    "x509",
    "-req",
    "-in",
    `${dir}/server.csr`,
    "-CA",
    `${dir}/ca.pem`,
    "-CAkey",
    `${dir}/ca.key`,
    "-CAcreateserial",
    "-days",
    "2",
    "-extfile",
    `${dir}/san.ext`,
    "-out",
    `${dir}/server.pem`,
  ]);
  await Deno.chmod(`${dir}/server.key`, 0o600);
  if (Deno.uid() === 0) {
    await run("chown", ["postgres:postgres", `${dir}/server.key`, `${dir}/server.pem`], false);
  }
}

/** Options of {@link startPostgres}. */
export interface StartOptions {
  /** Serve TLS with a certificate for 127.0.0.1 signed by a fresh CA ({@link PgCluster.caFile}). */
  readonly ssl?: boolean;
}

/**
 * Starts a throwaway cluster.
 *
 * @param options TLS
 * @returns the running cluster
 */
export async function startPostgres(options: StartOptions = {}): Promise<PgCluster> {
  const bin = pgBinDir();
  if (!bin) throw new Error("PostgreSQL is not installed");
  const dir = await Deno.makeTempDir({ prefix: "coredelta-pg-" });
  if (Deno.uid() === 0) await run("chown", ["postgres:postgres", dir], false);
  const data = `${dir}/data`;
  let port = 0;
  const opts = () =>
    [
      ...(options.ssl
        ? ["-c ssl=on", `-c ssl_cert_file=${dir}/server.pem`, `-c ssl_key_file=${dir}/server.key`]
        : []),
      `-p ${port}`,
      `-k ${dir}`,
      "-c listen_addresses=127.0.0.1",
      "-c fsync=off",
      "-c max_connections=200",
      "-c shared_buffers=32MB",
    ].join(" ");
  const start = () =>
    run(`${bin}/pg_ctl`, ["-D", data, "-l", `${dir}/log`, "-o", opts(), "-w", "start"], true);
  const stopServer = (mode: string) =>
    run(`${bin}/pg_ctl`, ["-D", data, "-m", mode, "-w", "stop"], true);
  try {
    await run(
      `${bin}/initdb`,
      ["-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync", "--no-instructions"],
      true,
    );
    if (options.ssl) await makeCertificates(dir);
    // The free port may be taken by another process before the server binds it: try another.
    for (let attempt = 1;; attempt++) {
      port = freePort();
      try {
        await start();
        break;
      } catch (e) {
        if (attempt === 3) throw e;
      }
    }
  } catch (e) {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    throw e;
  }
  const base = `postgres://postgres@127.0.0.1:${port}`;
  const psql = (sql: string, database = "postgres") =>
    run(`${bin}/psql`, [
      "-h",
      dir,
      "-p",
      String(port),
      "-U",
      "postgres",
      "-d",
      database,
      "-XAtqc",
      sql,
    ], true);
  let stopped = false;
  let n = 0;
  return {
    url: `${base}/postgres`,
    port,
    dir,
    ...(options.ssl ? { caFile: `${dir}/ca.pem` } : {}),
    async createDatabase() {
      const name = `t${++n}_${crypto.randomUUID().slice(0, 8)}`;
      await psql(`CREATE DATABASE ${name}`);
      return `${base}/${name}`;
    },
    pause: () => stopServer("fast").then(() => {}),
    resume: () => start().then(() => {}),
    psql,
    async stop() {
      if (stopped) return;
      stopped = true;
      await stopServer("immediate").catch(() => {});
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** A cluster started on first use and shared by the tests of one file. */
export interface SharedPostgres {
  /** Why the tests are skipped, or false. */
  readonly skip: string | false;
  /** The cluster (started on first call). */
  cluster(): Promise<PgCluster>;
  /** A fresh database on the cluster. */
  database(): Promise<string>;
  /** Stops the cluster if it was started (the file's last test calls it). */
  stop(): Promise<void>;
}

/**
 * One cluster per test file, started lazily; a synchronous `pg_ctl stop` on unload is the safety net
 * when the last test does not run (a filtered or failed run).
 *
 * @returns the shared cluster
 */
export function sharedPostgres(): SharedPostgres {
  const skip = pgSkip();
  let started: Promise<PgCluster> | undefined;
  let dir: string | undefined;
  const cluster = () =>
    started ??= startPostgres().then((c) => {
      dir = c.dir;
      return c;
    });
  globalThis.addEventListener("unload", () => {
    if (!dir) return;
    try {
      const args = ["-u", "postgres", "--", `${pgBinDir()}/pg_ctl`, "-D", `${dir}/data`, "-m"];
      new Deno.Command("runuser", {
        args: [...args, "immediate", "stop"],
        stdout: "null",
        stderr: "null",
      })
        .outputSync();
      Deno.removeSync(dir, { recursive: true });
    } catch { /* already gone */ }
  });
  return {
    skip,
    cluster,
    database: async () => await (await cluster()).createDatabase(),
    async stop() {
      if (!started) return;
      const c = await started;
      await c.stop();
      dir = undefined;
    },
  };
}
