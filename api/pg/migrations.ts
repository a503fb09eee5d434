/**
 * The PostgreSQL schema as numbered migrations, applied in order at start under an advisory lock
 * (replicas starting together apply each once) and recorded in `coredelta_migrations`. A released
 * migration is never edited: a change is a new, higher version.
 *
 * @module
 */

/** One schema step. */
export interface Migration {
  /** Version (1, 2, ...). */
  readonly version: number;
  /** What it does. */
  readonly name: string;
  /** Its statements, run in one transaction. */
  readonly statements: readonly string[];
}

/** Every migration, oldest first. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "digests, kept cores in chunks, reports with their history columns",
    statements: [
      `CREATE TABLE digests (
        id text PRIMARY KEY CHECK (id ~ '^[0-9a-f]{64}$'),
        bytes bytea NOT NULL,
        size bigint NOT NULL,
        created bigint NOT NULL,
        core_size bigint NOT NULL DEFAULT 0
      )`,
      `CREATE INDEX digests_created ON digests (created DESC, id DESC)`,
      `CREATE TABLE core_chunks (
        digest_id text NOT NULL REFERENCES digests (id) ON DELETE CASCADE,
        seq integer NOT NULL,
        bytes bytea NOT NULL,
        PRIMARY KEY (digest_id, seq)
      )`,
      `CREATE TABLE reports (
        id text PRIMARY KEY CHECK (id ~ '^[0-9a-f]{64}$'),
        bytes bytea NOT NULL,
        size bigint NOT NULL,
        created bigint NOT NULL,
        verdict text NOT NULL,
        expectation text NOT NULL,
        label_a text NOT NULL,
        label_b text NOT NULL,
        pid_a bigint,
        pid_b bigint,
        name_a text,
        name_b text,
        producer_a text NOT NULL,
        producer_b text NOT NULL,
        differences integer NOT NULL,
        unexpected integer NOT NULL,
        unexplained integer NOT NULL
      )`,
      `CREATE INDEX reports_created ON reports (created DESC, id)`,
    ],
  },
  {
    version: 2,
    name: "reports stored in chunks (streamed in, read by position)",
    statements: [
      `CREATE TABLE report_chunks (
        report_id text NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
        seq integer NOT NULL,
        bytes bytea NOT NULL,
        PRIMARY KEY (report_id, seq)
      )`,
    ],
  },
];

/** Key of the advisory lock held while migrating. */
export const MIGRATION_LOCK = 0x636f7265; // "core"
