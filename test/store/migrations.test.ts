/**
 * Migrations refuse what they cannot handle, with a message saying what to do: a database
 * migrated by a newer store-service, and a file in the migrations directory not named as one
 * (it would otherwise be skipped).
 */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import pg from "pg";
import { createLogger } from "@ptykeep/proto";
import { MIGRATIONS_DIR, migrate } from "../../store-service/src/db/migrate.js";
import { loadStoreConfig, startStoreService } from "../../store-service/src/index.js";
import { createTestDatabase } from "../support/postgres.js";
import { everyConnectionWorks } from "./helpers.js";

const log = createLogger("test");
let db: { url: string; drop(): Promise<void> };
let pool: pg.Pool;
let dir: string;

beforeAll(async () => {
  db = await createTestDatabase(inject("pgAdminUrl"), "migrations");
  pool = new pg.Pool({ connectionString: db.url, max: 2 });
  dir = mkdtempSync(path.join(os.tmpdir(), "ptykeep-migrations-"));
});
afterAll(async () => {
  await pool?.end();
  await db?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("migrations", () => {
  it("refuse a file in the migrations directory that is not named NNNN_name.sql", async () => {
    for (const name of ["0004-add-index.sql", "4_add_index.sql", "0004_Add_Index.sql", "0004_add_index.sql.orig"]) {
      const copy = path.join(dir, name.replace(/\W/g, "_"));
      cpSync(MIGRATIONS_DIR, copy, { recursive: true });
      writeFileSync(path.join(copy, name), "SELECT 1;\n");
      await expect(migrate(pool, log, copy), name).rejects.toThrow(`"${name}", not named as a migration (NNNN_lowercase_name.sql): rename or remove it`);
    }
    // Nothing was applied from a directory it refused.
    expect((await pool.query("SELECT to_regclass('schema_migrations') AS t")).rows[0].t).toBeNull();
  });

  it("refuse two files with the same number", async () => {
    const copy = path.join(dir, "twice");
    cpSync(MIGRATIONS_DIR, copy, { recursive: true });
    writeFileSync(path.join(copy, "0001_again.sql"), "SELECT 1;\n");
    await expect(migrate(pool, log, copy)).rejects.toThrow(/two migrations numbered 0001 \(0001_again\.sql, 0001_init\.sql\): renumber one/);
  });

  it("stop start-up on a database migrated by a newer store-service", async () => {
    await migrate(pool, log);
    await pool.query("INSERT INTO schema_migrations (version, name) VALUES (9001, '9001_from_the_future.sql')");
    const config = loadStoreConfig({ DATABASE_URL: db.url, STORE_LISTEN: "127.0.0.1:0", STORE_REAPER: "off", STORE_COMPACTOR: "off" });
    await expect(startStoreService({ config, log })).rejects.toThrow(
      /the database was migrated by a newer store-service: it records 9001_from_the_future\.sql, which this version does not have \(it knows up to \d{4}_\w+\.sql\); run a store-service at least as new as the one that migrated it/,
    );
    await pool.query("DELETE FROM schema_migrations WHERE version = 9001");
    // Without it, the same database starts.
    const store = await startStoreService({ config, log });
    await store.stop(2_000);
  });

  it("a migration that loses its connection fails by name, and leaves no broken connection in the pool nor the lock held", async () => {
    const copy = path.join(dir, "dies");
    cpSync(MIGRATIONS_DIR, copy, { recursive: true });
    // The server ends the connection in the middle of the migration: ROLLBACK and unlock fail too.
    writeFileSync(path.join(copy, "0099_loses_its_connection.sql"), "SELECT pg_terminate_backend(pg_backend_pid());\n");
    await expect(migrate(pool, log, copy)).rejects.toThrow(/migration 0099_loses_its_connection\.sql failed: terminating connection/);
    await everyConnectionWorks(pool);
    expect((await pool.query("SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())")).rows[0].n).toBe(0);
    expect((await pool.query("SELECT count(*)::int AS n FROM schema_migrations WHERE version = 99")).rows[0].n).toBe(0);
  });
});
