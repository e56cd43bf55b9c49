/**
 * SQL of the migration runner (db/migrate.ts): the server's version, the lock replicas starting
 * together migrate under, and the schema_migrations table recording what was applied. The
 * migrations themselves are the .sql files in store-service/migrations.
 */
import type { Queryable } from "../db/pool.js";

/**
 * Arbitrary but fixed key of the advisory lock: "ptykeep" in ASCII (0x7074796b656570) as a
 * bigint. Written in decimal: hexadecimal integer literals only parse from PostgreSQL 16 on.
 */
const MIGRATION_LOCK_KEY = "31653262233265520";

/** server_version_num (e.g. 150004) and server_version (e.g. "15.4") of the connected server. */
export async function serverVersion(db: Queryable): Promise<{ num: number; version: string }> {
  const { rows } = await db.query<{ num: string; version: string }>("SELECT current_setting('server_version_num') AS num, current_setting('server_version') AS version");
  return { num: Number(rows[0]!.num), version: rows[0]!.version };
}

/** Waits for the migration lock (session level: held by this connection until unlocked or closed). */
export async function lockMigrations(db: Queryable): Promise<void> {
  await db.query(`SELECT pg_advisory_lock($1::bigint)`, [MIGRATION_LOCK_KEY]);
}

export async function unlockMigrations(db: Queryable): Promise<void> {
  await db.query(`SELECT pg_advisory_unlock($1::bigint)`, [MIGRATION_LOCK_KEY]);
}

export async function createMigrationsTable(db: Queryable): Promise<void> {
  await db.query("CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())");
}

/** The migrations applied so far, in order. */
export async function recordedMigrations(db: Queryable): Promise<Array<{ version: number; name: string }>> {
  const { rows } = await db.query<{ version: number; name: string }>("SELECT version, name FROM schema_migrations ORDER BY version");
  return rows;
}

/** Runs one migration file's statements (several, separated by semicolons: the simple query protocol). */
export async function runMigrationFile(db: Queryable, sql: string): Promise<void> {
  await db.query(sql);
}

/** Records a migration as applied, in the transaction that applied it. */
export async function recordMigration(db: Queryable, m: { version: number; name: string }): Promise<void> {
  await db.query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", [m.version, m.name]);
}
