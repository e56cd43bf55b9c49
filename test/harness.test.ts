import { describe, expect, inject, it } from "vitest";
import pg from "pg";
import { createTestDatabase } from "./support/postgres.js";

describe("test harness", () => {
  it("gives each file a real PostgreSQL database of its own", async () => {
    const db = await createTestDatabase(inject("pgAdminUrl"), "harness");
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const { rows } = await client.query<{ v: string; db: string }>("select current_setting('server_version_num') as v, current_database() as db");
    await client.end();
    await db.drop();
    expect(Number(rows[0]!.v)).toBeGreaterThan(150000);
    expect(rows[0]!.db).toMatch(/^ptykeep_harness_/);
  });
});
