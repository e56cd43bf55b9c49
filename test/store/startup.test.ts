/** Start-up: replicas starting together on a fresh database migrate it once, without racing. */
import { afterAll, describe, expect, inject, it } from "vitest";
import pg from "pg";
import { readdirSync } from "node:fs";
import { MIGRATIONS_DIR } from "../../store-service/src/db/migrate.js";
import { createTestDatabase } from "../support/postgres.js";
import { loadStoreConfig, startStoreService, type RunningStore } from "../../store-service/src/index.js";
import { register } from "./helpers.js";
import { createStoreClient } from "@ptykeep/proto";

const stores: RunningStore[] = [];
let drop: (() => Promise<void>) | undefined;
afterAll(async () => {
  await Promise.all(stores.map((s) => s.stop(1_000)));
  await drop?.();
});

describe("migrations", () => {
  it("are applied once when several replicas start at the same time", async () => {
    const db = await createTestDatabase(inject("pgAdminUrl"), "store_startup");
    drop = db.drop;
    const config = loadStoreConfig({ DATABASE_URL: db.url, STORE_LISTEN: "127.0.0.1:0" });
    stores.push(...(await Promise.all(Array.from({ length: 4 }, () => startStoreService({ config })))));
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      const { rows } = await c.query<{ version: number }>("SELECT version FROM schema_migrations ORDER BY version");
      // Every numbered file in the migrations directory, once.
      const versions = readdirSync(MIGRATIONS_DIR).filter((f) => /^\d{4}_.*\.sql$/.test(f)).map((f) => Number(f.slice(0, 4))).sort((a, b) => a - b);
      expect(versions.length).toBeGreaterThanOrEqual(3);
      expect(rows.map((r) => r.version)).toEqual(versions);
    } finally {
      await c.end();
    }
    // Every replica serves.
    for (const s of stores) {
      const client = createStoreClient(s.address);
      await register(client);
      client.close();
    }
  });
});
