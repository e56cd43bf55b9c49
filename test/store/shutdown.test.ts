/**
 * Graceful shutdown with open AppendOutput streams, and back-pressure while PostgreSQL cannot
 * keep up.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import pg from "pg";
import { createTestDatabase } from "../support/postgres.js";
import { AppendStream, chunksOf, register, startStoreFixture } from "./helpers.js";

let db: { url: string; drop(): Promise<void> };
let sql: pg.Client;
beforeAll(async () => {
  db = await createTestDatabase(inject("pgAdminUrl"), "store_shutdown");
  sql = new pg.Client({ connectionString: db.url });
});
afterAll(async () => {
  await sql?.end().catch(() => {});
  await db?.drop();
});

const storedRows = async (sessionId: string) => {
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  try {
    return Number((await c.query("SELECT count(*) AS n FROM output_chunks WHERE session_id = $1", [sessionId])).rows[0].n);
  } finally {
    await c.end();
  }
};

describe("graceful shutdown", () => {
  it("writes and acks what streams sent, ends them, and returns in bounded time", async () => {
    // A long flush delay keeps the chunks queued until stop() forces the final flush.
    const fx = await startStoreFixture("unused", { STORE_FLUSH_MS: "30000" }, db.url);
    const id = (await register(fx.client)).session!.sessionId;
    const idle = new AppendStream(fx.client); // a stream that sends nothing must not hold the stop
    const s = new AppendStream(fx.client);
    const reqs = chunksOf(id, Array.from({ length: 50 }, () => randomBytes(2000)));
    s.write(reqs);
    // Wait until the server has read them all: the queued bytes are then the store's to write.
    await waitForServerToRead(fx.store, 50 * 2000);
    expect(s.acked.get(id)).toBeUndefined();

    const started = Date.now();
    await fx.store.stop(3_000);
    const took = Date.now() - started;
    expect(took).toBeLessThan(3_000 + 1_500);
    await s.until(() => s.ended || s.error !== undefined, "the stream to end");
    expect(s.error).toBeUndefined();
    expect(s.acked.get(id)).toBe(50);
    expect(await storedRows(id)).toBe(50);
    await idle.until(() => idle.ended || idle.error !== undefined, "the idle stream to end");
    fx.client.close();
  });
});

/** Waits (bounded) until the store has received `bytes` of output, per its own metrics. */
async function waitForServerToRead(store: { metrics: { registry: { getSingleMetric(name: string): unknown } } }, bytes: number): Promise<void> {
  const counter = store.metrics.registry.getSingleMetric("ptykeep_store_received_bytes_total") as { get(): Promise<{ values: Array<{ value: number }> }> };
  const deadline = Date.now() + 20_000;
  for (;;) {
    const received = (await counter.get()).values.reduce((sum, v) => sum + v.value, 0);
    if (received >= bytes) return;
    if (Date.now() > deadline) throw new Error(`the store received only ${received} of ${bytes} bytes`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("back-pressure", () => {
  it("stops reading while too many bytes wait for a commit, and loses nothing", async () => {
    const fx = await startStoreFixture("unused", { STORE_FLUSH_BYTES: "65536", STORE_MAX_PENDING_BYTES: "1048576" }, db.url);
    await sql.connect();
    try {
      const id = (await register(fx.client)).session!.sessionId;
      // Hold the session row so no flush can commit.
      await sql.query("BEGIN");
      await sql.query("SELECT 1 FROM sessions WHERE session_id = $1 FOR UPDATE", [id]);

      const s = new AppendStream(fx.client);
      const piece = randomBytes(64 * 1024);
      const total = 400; // 25 MiB: far beyond what the store and the transport may buffer
      let sent = 0;
      let offset = 0;
      const pump = new Promise<void>((resolve) => {
        const writeMore = () => {
          while (sent < total) {
            const ok = s.call.write({ chunk: { sessionId: id, seq: sent + 1, offset, ts: { seconds: 1, nanos: 0 }, data: piece } });
            sent++;
            offset += piece.length;
            if (!ok) return void s.call.once("drain", writeMore);
          }
          resolve();
        };
        writeMore();
      });
      // Bounded wait: the sender must stall well before it has sent everything.
      const stalledAt = await new Promise<number>((resolve) => {
        let last = -1;
        const check = setInterval(() => {
          if (sent === last) {
            clearInterval(check);
            resolve(sent);
          }
          last = sent;
        }, 500);
      });
      expect(stalledAt).toBeLessThan(total);
      expect(stalledAt * piece.length).toBeLessThan(12 * 1024 * 1024);
      expect(s.acked.get(id)).toBeUndefined();

      await sql.query("COMMIT");
      await pump;
      await s.untilAcked(id, total, 30_000);
      s.close();
      expect(await storedRows(id)).toBe(total);
    } finally {
      await sql.query("ROLLBACK").catch(() => {});
      await fx.close();
    }
  });
});
