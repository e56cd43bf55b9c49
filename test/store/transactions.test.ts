/**
 * withTransaction (store-service/src/db/pool.ts), the one way the store runs a transaction: on a
 * connection of its own from the pool, or on a connection the caller holds (the one holding a
 * session's advisory lock), which then stays the caller's. Commits what fn did, rolls back and
 * rethrows on failure, and says so when the ROLLBACK itself fails.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type pg from "pg";
import { createLogger } from "@ptykeep/proto";
import { createPool, withTransaction } from "../../store-service/src/db/pool.js";
import { createTestDatabase } from "../support/postgres.js";
import { everyConnectionWorks } from "./helpers.js";

let db: { url: string; drop(): Promise<void> };
let pool: pg.Pool;

beforeAll(async () => {
  db = await createTestDatabase(inject("pgAdminUrl"), "transactions");
  pool = createPool({ databaseUrl: db.url, max: 2, connectTimeoutMs: 5_000, statementTimeoutMs: 10_000, log: createLogger("test") });
  await pool.query("CREATE TABLE t (n integer PRIMARY KEY)");
});
afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

const stored = async () => (await pool.query<{ n: number }>("SELECT n FROM t ORDER BY n")).rows.map((r) => r.n);
const backendPid = async (c: pg.ClientBase) => (await c.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]!.pid;


describe("withTransaction on the pool", () => {
  it("commits what fn did and returns its result", async () => {
    await pool.query("DELETE FROM t");
    expect(await withTransaction(pool, async (tx) => (await tx.query("INSERT INTO t VALUES (1), (2)")).rowCount)).toBe(2);
    expect(await stored()).toEqual([1, 2]);
  });

  it("rolls back everything fn did and rethrows its error", async () => {
    await pool.query("DELETE FROM t");
    const failure = new Error("refused by the caller");
    await expect(
      withTransaction(pool, async (tx) => {
        await tx.query("INSERT INTO t VALUES (1)");
        throw failure;
      }),
    ).rejects.toBe(failure);
    // A statement PostgreSQL refuses rolls back the rows before it too.
    await expect(withTransaction(pool, async (tx) => tx.query("INSERT INTO t VALUES (3), (3)"))).rejects.toMatchObject({ code: "23505" });
    expect(await stored()).toEqual([]);
    await everyConnectionWorks(pool);
  });

  it("gives no connection that failed back to the pool", async () => {
    await expect(withTransaction(pool, async (tx) => tx.query("SELECT pg_terminate_backend(pg_backend_pid())"))).rejects.toThrow(/terminating connection/);
    await everyConnectionWorks(pool);
  });
});

describe("withTransaction on a connection the caller holds", () => {
  it("runs on that connection, commits, and leaves it checked out and usable", async () => {
    await pool.query("DELETE FROM t");
    const client = await pool.connect();
    try {
      const pid = await backendPid(client);
      const inside = await withTransaction(client, async (tx) => {
        expect(tx).toBe(client);
        await tx.query("INSERT INTO t VALUES (5)");
        return backendPid(tx);
      });
      expect(inside).toBe(pid);
      expect(await stored()).toEqual([5]);
      // Not released: still this connection, and outside any transaction (inside one, now() would
      // be when it began, before the statement just run).
      expect(await backendPid(client)).toBe(pid);
      expect((await client.query<{ outside: boolean }>("SELECT now() = statement_timestamp() AS outside")).rows[0]!.outside).toBe(true);
    } finally {
      client.release();
    }
  });

  it("rolls back on failure, rethrows, and the connection carries on outside the transaction", async () => {
    await pool.query("DELETE FROM t");
    const client = await pool.connect();
    try {
      let rollbackFailed: Error | undefined;
      await expect(
        withTransaction(
          client,
          async (tx) => {
            await tx.query("INSERT INTO t VALUES (7)");
            await tx.query("SELECT 1 / 0");
          },
          { onRollbackError: (err) => (rollbackFailed = err) },
        ),
      ).rejects.toMatchObject({ code: "22012" });
      expect(rollbackFailed).toBeUndefined();
      expect(await stored()).toEqual([]);
      await client.query("INSERT INTO t VALUES (8)");
      expect(await stored()).toEqual([8]);
    } finally {
      client.release();
    }
  });

  it("tells the caller when the ROLLBACK fails too, and still throws the error that caused it", async () => {
    const client = await pool.connect();
    let rollbackFailed: Error | undefined;
    try {
      await expect(
        withTransaction(client, async (tx) => tx.query("SELECT pg_terminate_backend(pg_backend_pid())"), { onRollbackError: (err) => (rollbackFailed = err) }),
      ).rejects.toThrow(/terminating connection/);
      expect(rollbackFailed).toBeInstanceOf(Error);
    } finally {
      client.release(rollbackFailed);
    }
    await everyConnectionWorks(pool);
  });
});
