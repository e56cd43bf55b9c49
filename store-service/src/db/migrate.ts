/**
 * Applies the numbered, forward-only SQL migrations in store-service/migrations at start-up.
 *
 * Replicas starting together must not race: everything happens under a session-level advisory
 * lock, so the first replica migrates and the others wait, then find nothing left to do. Each
 * migration runs in its own transaction together with its schema_migrations row, so a crash
 * leaves either all of it or none.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type pg from "pg";
import type { Logger } from "@ptykeep/proto";

export const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../migrations");

/** Arbitrary but fixed key of the advisory lock ("ptykeep" in ASCII, as a bigint). */
const MIGRATION_LOCK_KEY = "0x7074796b656570";

interface Migration {
  version: number;
  name: string;
  sql: string;
}

function listMigrations(dir: string): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((file) => ({ version: Number(file.slice(0, 4)), name: file, sql: readFileSync(path.join(dir, file), "utf8") }));
}

export async function migrate(pool: pg.Pool, log: Logger, dir = MIGRATIONS_DIR): Promise<{ applied: string[] }> {
  const migrations = listMigrations(dir);
  const client = await pool.connect();
  const applied: string[] = [];
  try {
    await client.query(`SELECT pg_advisory_lock(${MIGRATION_LOCK_KEY}::bigint)`);
    try {
      await client.query(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())",
      );
      const done = new Set((await client.query<{ version: number }>("SELECT version FROM schema_migrations")).rows.map((r) => r.version));
      for (const m of migrations) {
        if (done.has(m.version)) continue;
        await client.query("BEGIN");
        try {
          await client.query(m.sql);
          await client.query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", [m.version, m.name]);
          await client.query("COMMIT");
        } catch (err) {
          await client.query("ROLLBACK").catch(() => {});
          throw new Error(`migration ${m.name} failed: ${(err as Error).message}`, { cause: err });
        }
        applied.push(m.name);
        log.info({ migration: m.name }, "applied migration");
      }
    } finally {
      await client.query(`SELECT pg_advisory_unlock(${MIGRATION_LOCK_KEY}::bigint)`).catch(() => {});
    }
  } finally {
    client.release();
  }
  return { applied };
}
