/**
 * Reads with binary COPY (store-service/src/sql/copy-binary.ts): every field type the store reads
 * that way comes back as PostgreSQL holds it, and values that cannot be written into a COPY
 * statement safely are refused before anything is sent.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import pg from "pg";
import { createTestDatabase } from "../support/postgres.js";
import {
  byteaField,
  copyOut,
  int8Field,
  intArrayField,
  intLiteral,
  textField,
  timestampFieldMicros,
  uuidLiteral,
} from "../../store-service/src/sql/copy-binary.js";

describe("binary COPY reads", () => {
  let db: { url: string; drop(): Promise<void> };
  let pool: pg.Pool;
  beforeAll(async () => {
    db = await createTestDatabase(inject("pgAdminUrl"), "copyread");
    pool = new pg.Pool({ connectionString: db.url, max: 2 });
  });
  afterAll(async () => {
    await pool.end();
    await db.drop();
  });

  it("returns bytea, int8, int4[], int8[], text and timestamptz as stored", async () => {
    const big = randomBytes(300 * 1024);
    await pool.query(
      `CREATE TABLE v (id int PRIMARY KEY, data bytea, n bigint, a integer[], b bigint[], t text, ts timestamptz)`,
    );
    await pool.query(`INSERT INTO v VALUES ($1, $2, $3, $4, $5, $6, 'epoch'::timestamptz + $7::bigint * interval '1 microsecond')`, [
      1, big, -5_000_000_000, [1, -2, 2_000_000_000], [-1, 0, 9_007_199_254_740_991], "zstd", 1_764_000_000_123_456,
    ]);
    await pool.query(`INSERT INTO v VALUES (2, '\\x', 0, '{}', '{}', '', 'epoch'::timestamptz - interval '1 microsecond')`);
    await pool.query(`INSERT INTO v (id) VALUES (3)`);

    const rows = await copyOut(pool, `SELECT data, n, a, b, t, ts FROM v ORDER BY id`);
    expect(rows).toHaveLength(3);
    const [r1, r2, r3] = rows as [NonNullable<(typeof rows)[0]>, NonNullable<(typeof rows)[0]>, NonNullable<(typeof rows)[0]>];
    expect(byteaField(r1[0]).equals(big)).toBe(true);
    expect(int8Field(r1[1])).toBe(-5_000_000_000);
    expect(intArrayField(r1[2])).toEqual([1, -2, 2_000_000_000]);
    expect(intArrayField(r1[3])).toEqual([-1, 0, 9_007_199_254_740_991]);
    expect(textField(r1[4])).toBe("zstd");
    expect(timestampFieldMicros(r1[5])).toBe(1_764_000_000_123_456);

    expect(byteaField(r2[0])).toHaveLength(0);
    expect(int8Field(r2[1])).toBe(0);
    expect(intArrayField(r2[2])).toEqual([]);
    expect(textField(r2[4])).toBe("");
    expect(timestampFieldMicros(r2[5])).toBe(-1);

    expect(r3[0]).toBeNull();
    expect(() => byteaField(r3[0])).toThrow(/NULL/);
  });

  it("runs on a connection of the caller's, and on a pool returns the connection", async () => {
    const client = await pool.connect();
    try {
      expect((await copyOut(client, `SELECT 42::bigint`)).map((r) => int8Field(r[0]))).toEqual([42]);
    } finally {
      client.release();
    }
    await expect(copyOut(pool, `SELECT 1/0`)).rejects.toThrow(/division by zero/);
    // The failed COPY did not leave the pool without connections or with a broken one.
    for (let i = 0; i < 3; i++) expect((await copyOut(pool, `SELECT ${i}::bigint`)).map((r) => int8Field(r[0]))).toEqual([i]);
    expect(pool.totalCount).toBeLessThanOrEqual(2);
  });

  it("gives up on a server that does not answer within the pool's query_timeout, like any query", async () => {
    // The store's pool sets query_timeout so that a frozen PostgreSQL fails a replay (UNAVAILABLE)
    // instead of hanging it; a COPY read must keep that, and must not fail late after succeeding.
    const timed = new pg.Pool({ connectionString: db.url, max: 1, query_timeout: 500 });
    const late: unknown[] = [];
    timed.on("error", (err) => late.push(err));
    try {
      expect((await copyOut(timed, `SELECT 7::bigint`)).map((r) => int8Field(r[0]))).toEqual([7]);
      await expect(copyOut(timed, `SELECT pg_sleep(5)::text`)).rejects.toThrow(/Query read timeout/);
      // Past the timeout of the first, successful read: nothing fails afterwards.
      expect((await copyOut(timed, `SELECT 8::bigint`)).map((r) => int8Field(r[0]))).toEqual([8]);
      expect(late).toEqual([]);
    } finally {
      await timed.end();
    }
  });

  it("writes only canonical uuids and safe integers into a statement", () => {
    expect(uuidLiteral("0190d2a6-1c2b-7c3d-8e4f-5a6b7c8d9e0f")).toBe("'0190d2a6-1c2b-7c3d-8e4f-5a6b7c8d9e0f'::uuid");
    expect(() => uuidLiteral("x'; DROP TABLE v; --")).toThrow(RangeError);
    expect(() => uuidLiteral("0190d2a6-1c2b-7c3d-8e4f-5a6b7c8d9e0f'")).toThrow(RangeError);
    expect(intLiteral(-3)).toBe("-3::bigint");
    expect(() => intLiteral(1.5)).toThrow(RangeError);
    expect(() => intLiteral(Number.NaN)).toThrow(RangeError);
    expect(() => intLiteral(2 ** 53)).toThrow(RangeError);
  });
});
