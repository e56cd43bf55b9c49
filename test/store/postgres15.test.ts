/**
 * The store on the oldest PostgreSQL it supports (15, README): migrations, ingest, replay and
 * compaction, byte-exact, on a server of Debian's postgresql-15 binaries started for this file.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MIN_POSTGRES_VERSION_NUM } from "../../store-service/src/db/migrate.js";
import { createTestDatabase, startPostgres15, type PostgresServer } from "../support/postgres.js";
import { appendPieces, expectedOutputs, layout, newSession, outputPieces, outputs, readHistory, startHistoryFixture, type HistoryFixture } from "../history/helpers.js";
import { historyEnd } from "./helpers.js";

let server: PostgresServer | undefined;
let fx: HistoryFixture | undefined;
beforeAll(async () => {
  server = await startPostgres15();
  const db = await createTestDatabase(server.adminUrl, "pg15");
  fx = await startHistoryFixture("pg15", {}, db.url);
});
afterAll(async () => {
  await fx?.shutdown();
  await server?.dispose();
});

describe("PostgreSQL 15", () => {
  it("migrates, ingests, replays and compacts byte-exact", async () => {
    const f = fx!;
    const v = (await f.query<{ v: string }>("SELECT current_setting('server_version_num') AS v"))[0]!.v;
    expect(Math.floor(Number(v) / 10000)).toBe(MIN_POSTGRES_VERSION_NUM / 10000);
    expect((await f.query<{ n: string }>("SELECT count(*) AS n FROM schema_migrations"))[0]!.n).not.toBe("0");

    const id = await newSession(f);
    const pieces = outputPieces(200, 15);
    await appendPieces(f, id, pieces);
    const before = await readHistory(f.client, { sessionId: id });
    expect(outputs(before).map(({ tsUs: _, ...o }) => o)).toEqual(expectedOutputs(pieces));

    const pass = await f.compactor().runOnce();
    expect(pass.segments).toBeGreaterThan(0);
    expect((await layout(f, id)).rawRows).toBe(0);
    const after = await readHistory(f.client, { sessionId: id });
    expect(outputs(after)).toEqual(outputs(before));
    expect(historyEnd(after)).toEqual(historyEnd(before));

    // Output after compaction, and a resend of compacted chunks: stored once, replayed in order.
    const more = outputPieces(30, 16);
    await appendPieces(f, id, more, { firstSeq: 201, firstOffset: historyEnd(before).nextOffset });
    await appendPieces(f, id, pieces.slice(0, 20));
    const final = await readHistory(f.client, { sessionId: id });
    expect(outputs(final).map(({ tsUs: _, ...o }) => o)).toEqual(expectedOutputs([...pieces, ...more]));
    expect((await layout(f, id)).seqs).toEqual([...pieces, ...more].map((_, i) => i + 1));
  });
});
