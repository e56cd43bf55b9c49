/**
 * PostgreSQL up but refusing writes for a while: the database turned read-only, as an old primary
 * does after a failover (SQLSTATE 25006), with disk full (53100) and too many connections (53300)
 * of the same kind: the database's state, not anything in the chunks. The store keeps every chunk
 * and retries; it acknowledges nothing while refused, refuses no session's output, and once
 * writes are allowed again it stores everything, each seq once. Calls that write answer
 * UNAVAILABLE meanwhile, and the store's health is NOT_SERVING.
 *
 * A trigger that fails inserts of one session's chunks with a revoked privilege's SQLSTATE (42501)
 * shows that any error about the database, not only the ones above, is retried until it goes
 * away, with nothing refused. (An error the chunks themselves may cause gets that session's
 * chunks refused while the others are stored: test/store/ingest.test.ts.)
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, checkHealth } from "@ptykeep/proto";
import { waitFor } from "../e2e/helpers.js";
import { AppendStream, chunksOf, codeOf, historyBytes, readHistory, register, startStoreFixture, storedChunkCounts } from "../store/helpers.js";

/** Long enough for many failed flushes (the first retries come after 100, 200, 400 ms). */
const REFUSED_MS = 4_000;

let fx: Awaited<ReturnType<typeof startStoreFixture>>;
let admin: pg.Client;

beforeAll(async () => {
  fx = await startStoreFixture("faults_pg_refuses", { STORE_HEALTH_PROBE_MS: "200" });
  admin = new pg.Client({ connectionString: fx.dbUrl });
  await admin.connect();
});
afterAll(async () => {
  await admin?.query("DROP TRIGGER IF EXISTS refuse_session ON output_chunks").catch(() => {});
  await admin?.query("ALTER DATABASE " + (await dbName()) + " RESET default_transaction_read_only").catch(() => {});
  await admin?.end();
  await fx?.close();
  await fx?.dropDb();
});

async function dbName(): Promise<string> {
  return pg.escapeIdentifier((await admin.query<{ d: string }>("SELECT current_database() AS d")).rows[0]!.d);
}

/** New connections start read-only; the store's open ones are ended so that it must reconnect. */
async function setReadOnly(on: boolean): Promise<void> {
  await admin.query(`ALTER DATABASE ${await dbName()} ${on ? "SET default_transaction_read_only = on" : "RESET default_transaction_read_only"}`);
  await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'ptykeep-store'");
}

describe("PostgreSQL refusing writes (read-only after a failover)", () => {
  it("keeps and retries every chunk, refuses none, and stores them all once writes are back", async () => {
    const id = (await register(fx.client)).session!.sessionId;
    const pieces = Array.from({ length: 60 }, () => randomBytes(1 + Math.floor(Math.random() * 5000)));
    const reqs = chunksOf(id, pieces);
    const stream = new AppendStream(fx.client);
    try {
      stream.write(reqs.slice(0, 20));
      await stream.untilAcked(id, 20);

      await setReadOnly(true);
      const refusedAt = Date.now();
      stream.write(reqs.slice(20));
      const write = await codeOf(register(fx.client));
      expect(write.code, write.details).toBe(Code.UNAVAILABLE);
      expect(write.details).toMatch(/read-only/);
      await new Promise((r) => setTimeout(r, REFUSED_MS - (Date.now() - refusedAt)));
      expect(stream.acked.get(id)).toBe(20);
      expect(stream.rejections()).toEqual([]);
      expect(stream.error).toBeUndefined();
      expect(await checkHealth(fx.store.address, { deadlineMs: 5_000 })).toBe("NOT_SERVING");

      await setReadOnly(false);
      await stream.untilAcked(id, 60, 30_000);
      expect(stream.rejections()).toEqual([]);
      await waitFor("the store SERVING again", async () => (await checkHealth(fx.store.address, { deadlineMs: 5_000 })) === "SERVING");
    } finally {
      stream.close();
    }
    const events = await readHistory(fx.client, { sessionId: id });
    expect(historyBytes(events).equals(Buffer.concat(pieces))).toBe(true);
    expect(await storedChunkCounts(fx.dbUrl, id)).toEqual({ n: 60, d: 60 });
  }, 60_000);

  /** Makes PostgreSQL fail every insert of `sessionId`'s chunks with the given SQLSTATE. */
  async function refuseSession(sessionId: string, sqlState: string): Promise<void> {
    await admin.query(`
      CREATE OR REPLACE FUNCTION refuse_session() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.session_id = '${sessionId}' THEN
          RAISE EXCEPTION 'refused by the test' USING ERRCODE = '${sqlState}';
        END IF;
        RETURN NEW;
      END $$`);
    await admin.query("CREATE OR REPLACE TRIGGER refuse_session BEFORE INSERT ON output_chunks FOR EACH ROW EXECUTE FUNCTION refuse_session()");
  }

  it("retries an error about the database itself (a revoked privilege) until it goes away, refusing nothing", async () => {
    const id = (await register(fx.client)).session!.sessionId;
    await refuseSession(id, "42501");
    const stream = new AppendStream(fx.client);
    try {
      stream.write(chunksOf(id, [Buffer.from("kept")]));
      await new Promise((r) => setTimeout(r, REFUSED_MS));
      expect(stream.acked.get(id)).toBeUndefined();
      expect(stream.rejections()).toEqual([]);
      await admin.query("DROP TRIGGER refuse_session ON output_chunks");
      await stream.untilAcked(id, 1, 30_000);
      expect(stream.rejections()).toEqual([]);
    } finally {
      stream.close();
    }
    expect(historyBytes(await readHistory(fx.client, { sessionId: id })).toString()).toBe("kept");
  }, 60_000);
});
