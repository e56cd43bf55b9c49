/**
 * AppendOutput semantics: idempotent writes, acks only after COMMIT, gaps and the watermark,
 * per-session rejections that keep the stream open, malformed chunks that end it, and two
 * replicas writing the same session.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { Code, MAX_CHUNK_BYTES, toTimestamp, uuidv7, type StoreApi } from "@ptykeep/proto";
import { AppendStream, chunk, chunksOf, historyBytes, historyEnd, readHistory, register, startStoreFixture, unaryCall } from "./helpers.js";

const SEQ_WINDOW = 1000;
let fx: Awaited<ReturnType<typeof startStoreFixture>>;
let sql: pg.Client;

beforeAll(async () => {
  fx = await startStoreFixture("store_ingest", { STORE_SEQ_WINDOW: String(SEQ_WINDOW) });
  sql = new pg.Client({ connectionString: fx.dbUrl });
  await sql.connect();
});
afterAll(async () => {
  await sql?.end();
  await fx?.close();
  await fx?.dropDb();
});

const newSession = async () => (await register(fx.client)).session!.sessionId;
const get = (sessionId: string) => unaryCall<StoreApi.GetSessionRequest, StoreApi.GetSessionResponse__Output>(fx.client, "GetSession", { sessionId }).then((r) => r.session!);
const storedRows = async (sessionId: string) => Number((await sql.query("SELECT count(*) AS n FROM output_chunks WHERE session_id = $1", [sessionId])).rows[0].n);
const randomPieces = (n: number) => Array.from({ length: n }, () => randomBytes(1 + Math.floor(Math.random() * 3000)));

/** Polls until `cond` holds (bounded); for states only visible in PostgreSQL. */
async function pollUntil(cond: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("idempotency", () => {
  it("stores resent chunks once, acknowledged or not, and re-acks duplicates", async () => {
    const id = await newSession();
    const pieces = randomPieces(40);
    const reqs = chunksOf(id, pieces);
    const first = new AppendStream(fx.client);
    first.write(reqs.slice(0, 20));
    await first.untilAcked(id, 20);
    // Unacknowledged resend: chunks 15..40 twice over on two streams (the sender reconnected).
    first.write(reqs.slice(14));
    const second = new AppendStream(fx.client);
    second.write(reqs.slice(14));
    second.write(reqs.slice(0, 5)); // acknowledged long ago
    await first.untilAcked(id, 40);
    await second.untilAcked(id, 40);
    first.close();
    second.close();
    expect(await storedRows(id)).toBe(40);
    expect(historyBytes(await readHistory(fx.client, { sessionId: id })).equals(Buffer.concat(pieces))).toBe(true);
    expect(await get(id)).toMatchObject({ durableSeq: 40, durableBytes: Buffer.concat(pieces).length });
  });

  it("multiplexes many sessions on one stream", async () => {
    const ids = await Promise.all(Array.from({ length: 5 }, newSession));
    const data = new Map(ids.map((id) => [id, randomPieces(30)]));
    const s = new AppendStream(fx.client);
    // Interleave the sessions' chunks.
    const perSession = ids.map((id) => chunksOf(id, data.get(id)!));
    for (let i = 0; i < 30; i++) for (const reqs of perSession) s.write([reqs[i]!]);
    for (const id of ids) await s.untilAcked(id, 30);
    s.close();
    for (const id of ids) expect(historyBytes(await readHistory(fx.client, { sessionId: id })).equals(Buffer.concat(data.get(id)!))).toBe(true);
  });
});

describe("acks", () => {
  it("are sent only after COMMIT", async () => {
    const id = await newSession();
    // Make the flush transaction stop right after its last statement (the watermark update), so
    // its rows are inserted but not committed, until this test lets go of an advisory lock.
    await sql.query(`CREATE OR REPLACE FUNCTION hold_flush() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN PERFORM pg_advisory_xact_lock(4242); RETURN NEW; END $$`);
    await sql.query(`CREATE TRIGGER hold_flush BEFORE UPDATE ON sessions FOR EACH ROW
      WHEN (NEW.session_id = '${id}' AND NEW.durable_seq > 0) EXECUTE FUNCTION hold_flush()`);
    await sql.query("SELECT pg_advisory_lock(4242)");
    try {
      const s = new AppendStream(fx.client);
      s.write(chunksOf(id, [Buffer.from("durable?")]));
      await pollUntil(
        async () => (await sql.query("SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND wait_event = 'advisory' AND application_name = 'ptykeep-store'")).rowCount! > 0,
        "the flush to wait on the advisory lock",
      );
      // The flush has inserted the row and is waiting to commit: no ack yet, row not visible.
      expect(s.responses).toEqual([]);
      expect(await storedRows(id)).toBe(0);
      await sql.query("SELECT pg_advisory_unlock(4242)");
      await s.untilAcked(id, 1);
      expect(await storedRows(id)).toBe(1);
      s.close();
    } finally {
      await sql.query("SELECT pg_advisory_unlock_all()");
      await sql.query("DROP TRIGGER IF EXISTS hold_flush ON sessions");
    }
  });
});

describe("gaps", () => {
  it("holds the watermark at a gap, stops replay there, and jumps over stored chunks once filled", async () => {
    const id = await newSession();
    const pieces = randomPieces(8);
    const reqs = chunksOf(id, pieces);
    const s = new AppendStream(fx.client);
    s.write([reqs[0]!, reqs[1]!, reqs[3]!, reqs[4]!, reqs[6]!]);
    await s.untilAcked(id, 2);
    await pollUntil(async () => (await storedRows(id)) === 5, "beyond-gap chunks stored");
    expect(s.acked.get(id)).toBe(2);
    expect(await get(id)).toMatchObject({ durableSeq: 2 });

    const partial = await readHistory(fx.client, { sessionId: id });
    expect(partial.filter((e) => e.output).map((e) => e.output!.seq)).toEqual([1, 2]);
    expect(historyEnd(partial)).toMatchObject({ reason: "HISTORY_END_REASON_GAP", lastSeq: 2, nextSeq: 3, nextOffset: pieces[0]!.length + pieces[1]!.length });
    // Starting right at the gap says so at once.
    expect(historyEnd(await readHistory(fx.client, { sessionId: id, fromSeq: 3 })).reason).toBe("HISTORY_END_REASON_GAP");

    s.write([reqs[2]!]);
    await s.untilAcked(id, 5);
    expect(s.acked.get(id)).toBe(5);
    s.write([reqs[5]!, reqs[7]!]);
    await s.untilAcked(id, 8);
    s.close();
    const full = await readHistory(fx.client, { sessionId: id });
    expect(historyBytes(full).equals(Buffer.concat(pieces))).toBe(true);
    expect(await get(id)).toMatchObject({ durableSeq: 8, durableBytes: Buffer.concat(pieces).length });
  });

  it("says GAP when an ended session is missing output before its final seq", async () => {
    const id = await newSession();
    const s = new AppendStream(fx.client);
    s.write(chunksOf(id, [Buffer.from("a"), Buffer.from("b")]));
    await s.untilAcked(id, 2);
    s.close();
    await unaryCall(fx.client, "MarkExited", { sessionId: id, exitCode: 0, finalSeq: 3, reason: "END_REASON_EXITED" });
    const events = await readHistory(fx.client, { sessionId: id });
    expect(events.some((e) => e.exit)).toBe(false);
    expect(historyEnd(events)).toMatchObject({ reason: "HISTORY_END_REASON_GAP", lastSeq: 2 });
  });
});

describe("per-session rejections keep the stream open", () => {
  it("refuses unknown sessions, far-ahead seqs and offsets that do not follow", async () => {
    const id = await newSession();
    const unknown = uuidv7();
    const s = new AppendStream(fx.client);
    s.write([chunk(unknown, 1, 0, Buffer.from("?"))]);
    s.write([chunk(id, SEQ_WINDOW + 1, 0, Buffer.from("far"))]);
    s.write([chunk(id, 1, 7, Buffer.from("bad offset"))]);
    await s.until(() => s.rejections().length === 3, "three rejections");
    expect(s.rejections(unknown)[0]).toMatchObject({ code: Code.NOT_FOUND, seq: 1 });
    const mine = s.rejections(id).sort((a, b) => a.seq - b.seq);
    expect(mine[0]).toMatchObject({ code: Code.INVALID_ARGUMENT, seq: 1 });
    expect(mine[0]!.message).toMatch(/offset 7/);
    expect(mine[1]).toMatchObject({ code: Code.OUT_OF_RANGE, seq: SEQ_WINDOW + 1 });
    // The stream still works.
    s.write(chunksOf(id, [Buffer.from("good")]));
    await s.untilAcked(id, 1);
    expect(s.error).toBeUndefined();
    s.close();
    expect(await storedRows(id)).toBe(1);
  });
});

describe("a session whose chunks PostgreSQL refuses", () => {
  it("is refused with INTERNAL while the other sessions of the batch are written", async () => {
    const good = await newSession();
    const bad = await newSession();
    await sql.query(`CREATE OR REPLACE FUNCTION refuse_chunk() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'this chunk cannot be stored'; END $$`);
    await sql.query(`CREATE TRIGGER refuse_chunk BEFORE INSERT ON output_chunks FOR EACH ROW
      WHEN (NEW.session_id = '${bad}') EXECUTE FUNCTION refuse_chunk()`);
    try {
      const s = new AppendStream(fx.client);
      s.write([...chunksOf(bad, [Buffer.from("poison")]), ...chunksOf(good, [Buffer.from("fine")])]);
      await s.untilAcked(good, 1);
      await s.until(() => s.rejections(bad).length > 0, "the refusal");
      expect(s.rejections(bad)[0]).toMatchObject({ code: Code.INTERNAL, seq: 1 });
      expect(s.rejections(bad)[0]!.message).toMatch(/cannot be stored/);
      expect(s.acked.has(bad)).toBe(false);
      expect(s.error).toBeUndefined();
      s.close();
      expect(await storedRows(good)).toBe(1);
      expect(await storedRows(bad)).toBe(0);
    } finally {
      await sql.query("DROP TRIGGER IF EXISTS refuse_chunk ON output_chunks");
    }
  });
});

describe("malformed chunks end the stream with INVALID_ARGUMENT", () => {
  const cases: Array<[string, (id: string) => StoreApi.AppendOutputRequest, RegExp]> = [
    ["a malformed session id", () => chunk("nope", 1, 0, Buffer.from("x")), /session_id is not a UUID/],
    ["seq 0", (id) => chunk(id, 0, 0, Buffer.from("x")), /seq 0\): seq must be 1 or more/],
    ["a missing timestamp", (id) => ({ chunk: { sessionId: id, seq: 2, offset: 1, data: Buffer.from("x") } }), /ts is required/],
    ["a timestamp PostgreSQL cannot hold", (id) => ({ chunk: { sessionId: id, seq: 2, offset: 1, ts: { seconds: 1e15, nanos: 0 }, data: Buffer.from("x") } }), /ts must be between/],
    ["data over the limit", (id) => chunk(id, 2, 1, Buffer.alloc(MAX_CHUNK_BYTES + 1)), new RegExp(`data is ${MAX_CHUNK_BYTES + 1} bytes; the limit is ${MAX_CHUNK_BYTES}`)],
    ["no chunk at all", () => ({}), /without a chunk/],
  ];
  for (const [what, make, message] of cases) {
    it(`on ${what}, after writing what came before it`, async () => {
      const id = await newSession();
      const s = new AppendStream(fx.client);
      s.write([chunk(id, 1, 0, Buffer.from("x")), make(id)]);
      await s.until(() => s.error !== undefined, "the stream error");
      expect(s.error!.code).toBe(Code.INVALID_ARGUMENT);
      expect(s.error!.details).toMatch(message);
      expect(s.acked.get(id)).toBe(1);
      expect(await storedRows(id)).toBe(1);
    });
  }

  it("accepts a chunk of exactly the limit", async () => {
    const id = await newSession();
    const s = new AppendStream(fx.client);
    s.write([chunk(id, 1, 0, randomBytes(MAX_CHUNK_BYTES))]);
    await s.untilAcked(id, 1);
    s.close();
  });
});

describe("two replicas on one database", () => {
  it("store a session's chunks once when both receive them concurrently", async () => {
    const other = await startStoreFixture("unused", {}, fx.dbUrl);
    try {
      const id = await newSession();
      const pieces = randomPieces(300);
      const reqs = chunksOf(id, pieces);
      const a = new AppendStream(fx.client);
      const b = new AppendStream(other.client);
      // The same chunks to both replicas, in different orders of arrival.
      for (let i = 0; i < reqs.length; i += 10) {
        a.write(reqs.slice(i, i + 10));
        b.write(reqs.slice(Math.max(0, i - 20), i - 10 > 0 ? i - 10 : 0));
      }
      b.write(reqs.slice(reqs.length - 30));
      await a.untilAcked(id, 300);
      await b.untilAcked(id, 300);
      a.close();
      b.close();
      expect(await storedRows(id)).toBe(300);
      expect(historyBytes(await readHistory(other.client, { sessionId: id })).equals(Buffer.concat(pieces))).toBe(true);
      expect(await get(id)).toMatchObject({ durableSeq: 300 });
    } finally {
      await other.close();
    }
  });
});

// Silence "unused" for helpers used only in some builds of this file.
void toTimestamp;
