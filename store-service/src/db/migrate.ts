/**
 * Applies the numbered, forward-only SQL migrations in store-service/migrations at start-up.
 *
 * Replicas starting together must not race: everything happens under a session-level advisory
 * lock, so the first replica migrates and the others wait, then find nothing left to do. Each
 * migration runs in its own transaction together with its schema_migrations row, so a crash
 * leaves either all of it or none.
 *
 * Start-up stops, with a message saying what to do, when the server is older than
 * MIN_POSTGRES_VERSION_NUM, when the database was migrated by a newer store-service (a version this
 * code does not know is recorded in schema_migrations), or when a file in the migrations
 * directory is not named NNNN_name.sql (it would otherwise be skipped without a word).
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type pg from "pg";
import type { Logger } from "@ptykeep/proto";
import { withTransaction } from "./pool.js";
import { createMigrationsTable, lockMigrations, recordedMigrations, recordMigration, runMigrationFile, serverVersion, unlockMigrations } from "../sql/migrations.js";

export const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../migrations");

/**
 * The oldest PostgreSQL the store runs on (server_version_num): 15, the oldest major version still
 * maintained upstream. The suite runs a part of its tests on it (test/store/postgres15.test.ts).
 */
export const MIN_POSTGRES_VERSION_NUM = 150000;

const MIGRATION_FILE = /^(\d{4})_[a-z0-9_]+\.sql$/;

interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Every file of `dir`, which must all be migrations named NNNN_lowercase_name.sql, one per number. */
export function listMigrations(dir: string): Migration[] {
  const files = readdirSync(dir).sort();
  const misnamed = files.filter((f) => !MIGRATION_FILE.test(f));
  if (misnamed.length > 0) {
    throw new Error(`${dir} holds ${misnamed.map((f) => JSON.stringify(f)).join(", ")}, not named as a migration (NNNN_lowercase_name.sql): rename or remove it`);
  }
  const migrations = files.map((file) => ({ version: Number(file.slice(0, 4)), name: file, sql: readFileSync(path.join(dir, file), "utf8") }));
  for (let i = 1; i < migrations.length; i++) {
    if (migrations[i]!.version === migrations[i - 1]!.version) {
      throw new Error(`${dir} holds two migrations numbered ${file4(migrations[i]!.version)} (${migrations[i - 1]!.name}, ${migrations[i]!.name}): renumber one`);
    }
  }
  return migrations;
}

const file4 = (version: number) => String(version).padStart(4, "0");

export async function migrate(pool: pg.Pool, log: Logger, dir = MIGRATIONS_DIR): Promise<{ applied: string[] }> {
  const migrations = listMigrations(dir);
  const client = await pool.connect();
  const applied: string[] = [];
  // A connection that failed under us (its ROLLBACK or unlock did not go through) must not go
  // back to the pool: it may be dead, or still inside the failed transaction holding the lock.
  let broken: Error | undefined;
  // While checked out, the client's own socket errors come here rather than crash the process;
  // the query in flight fails with them too.
  const onError = (err: Error) => {
    broken ??= err;
  };
  client.on("error", onError);
  try {
    const server = await serverVersion(client);
    if (server.num < MIN_POSTGRES_VERSION_NUM) {
      throw new Error(`PostgreSQL ${server.version} is too old: the store needs PostgreSQL ${MIN_POSTGRES_VERSION_NUM / 10000} or newer`);
    }
    await lockMigrations(client);
    try {
      await createMigrationsTable(client);
      const recorded = await recordedMigrations(client);
      const known = new Set(migrations.map((m) => m.version));
      const unknown = recorded.filter((r) => !known.has(r.version));
      if (unknown.length > 0) {
        throw new Error(
          `the database was migrated by a newer store-service: it records ${unknown.map((r) => r.name).join(", ")}, which this version does not have ` +
            `(it knows up to ${migrations.at(-1)?.name ?? "none"}); run a store-service at least as new as the one that migrated it`,
        );
      }
      const done = new Set(recorded.map((r) => r.version));
      for (const m of migrations) {
        if (done.has(m.version)) continue;
        try {
          await withTransaction(
            client,
            async (tx) => {
              await runMigrationFile(tx, m.sql);
              await recordMigration(tx, m);
            },
            {
              onRollbackError: (rollbackErr) => {
                broken ??= rollbackErr;
                log.warn({ err: rollbackErr.message, migration: m.name }, "ROLLBACK of a failed migration failed; its connection is discarded");
              },
            },
          );
        } catch (err) {
          throw new Error(`migration ${m.name} failed: ${(err as Error).message}`, { cause: err });
        }
        applied.push(m.name);
        log.info({ migration: m.name }, "applied migration");
      }
    } finally {
      await unlockMigrations(client).catch((unlockErr: Error) => {
        broken ??= unlockErr;
        log.warn({ err: unlockErr.message }, "releasing the migration lock failed; its connection is discarded (the server frees the lock with it)");
      });
    }
  } finally {
    client.removeListener("error", onError);
    // release(err) destroys the connection instead of returning it to the pool.
    client.release(broken);
  }
  return { applied };
}
