/**
 * The PostgreSQL connection pool of one replica (the `postgres` npm package) and how its failures
 * are told apart: a database that cannot be reached (503, retry later) from anything else.
 *
 * @module
 */

import postgres from "postgres";

/**
 * Environment variables the `postgres` client reads (libpq's `PG*` defaults and the OS user name):
 * a server started with a scoped `--allow-env` must allow them (see compose.yaml).
 */
export const CLIENT_ENV: readonly string[] = [
  "PGHOST",
  "PGPORT",
  "PGUSER",
  "PGUSERNAME",
  "PGDATABASE",
  "PGPASSWORD",
  "PGAPPNAME",
  "PGTARGETSESSIONATTRS",
  "USER",
  "USERNAME",
  "LOGNAME",
];

const CONNECTION_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT",
  "57P01", // admin_shutdown
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now
  "53300", // too_many_connections
  "57014", // query_canceled: statement_timeout (the database is too slow to answer)
]);

/** Whether `e` says the database could not be reached (rather than a bug or bad data). */
export function isConnectionError(e: unknown): boolean {
  const code = String((e as { code?: unknown })?.code ?? "");
  return CONNECTION_CODES.has(code) || code.startsWith("08") ||
    e instanceof Deno.errors.ConnectionRefused || e instanceof Deno.errors.ConnectionReset;
}

/**
 * Opens a pool: prepared statements, a connect timeout, statement and idle-in-transaction
 * timeouts, TLS from the URL's `sslmode` plus an optional CA.
 *
 * @param url the database URL
 * @param max pool size
 * @param connectTimeout seconds to wait for a connection
 * @param ca PEM text of the CA to trust (turns on verified TLS)
 * @returns the pool
 */
export function connect(
  url: string,
  max: number,
  connectTimeout: number,
  ca?: string,
): postgres.Sql {
  return postgres(url, {
    max,
    connect_timeout: connectTimeout,
    idle_timeout: 60,
    prepare: true,
    onnotice: () => {},
    // A hung database fails requests (503) instead of holding them, and a replica that stalls
    // inside a transaction loses it (rolled back) rather than holding locks.
    connection: {
      application_name: "coredelta",
      statement_timeout: 60_000,
      idle_in_transaction_session_timeout: 60_000,
    },
    ...(ca ? { ssl: { ca, rejectUnauthorized: true } } : {}),
  });
}
