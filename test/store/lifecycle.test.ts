/** Session lifecycle and size RPCs, and how they show up in GetSession and ReadHistory. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { Code, uuidv7, type StoreApi } from "@ptykeep/proto";
import { AppendStream, chunksOf, codeOf, historyEnd, readHistory, register, startStoreFixture, unaryCall } from "./helpers.js";

let fx: Awaited<ReturnType<typeof startStoreFixture>>;
let sql: pg.Client;

beforeAll(async () => {
  fx = await startStoreFixture("store_lifecycle");
  sql = new pg.Client({ connectionString: fx.dbUrl });
  await sql.connect();
});
afterAll(async () => {
  await sql?.end();
  await fx?.close();
  await fx?.dropDb();
});

const get = (sessionId: string) => unaryCall<StoreApi.GetSessionRequest, StoreApi.GetSessionResponse__Output>(fx.client, "GetSession", { sessionId }).then((r) => r.session!);
const markRunning = (sessionId: string, pid: number) => unaryCall(fx.client, "MarkRunning", { sessionId, pid });
const markExited = (req: StoreApi.MarkExitedRequest) => unaryCall(fx.client, "MarkExited", req);
const updateSize = (req: StoreApi.UpdateSizeRequest) => unaryCall(fx.client, "UpdateSize", req);
const del = (sessionId: string, force = false) => unaryCall(fx.client, "DeleteSession", { sessionId, force });

async function writeChunks(sessionId: string, pieces: Buffer[], firstSeq = 1, firstOffset = 0) {
  const s = new AppendStream(fx.client);
  s.write(chunksOf(sessionId, pieces, firstSeq, firstOffset));
  await s.untilAcked(sessionId, firstSeq + pieces.length - 1);
  s.close();
  return s;
}

describe("RegisterSession", () => {
  it("stores the session and is idempotent on id", async () => {
    const id = uuidv7();
    const req = { sessionId: id, command: "claude", args: ["--x", ""], cwd: "/home/u", ptyNode: "127.0.0.1:50051", rows: 40, cols: 120, labels: { user: "ann", "app.io/kind": "agent" }, envNames: ["HOME", "TERM"] };
    const first = await register(fx.client, req);
    expect(first.session).toMatchObject({ ...req, state: "SESSION_STATE_STARTING", durableSeq: 0, durableBytes: 0, finalSeq: 0, firstKeptSeq: 1, pid: 0 });
    expect(first.session!.createdAt).not.toBeNull();
    expect(first.session!.exitCode).toBeUndefined();
    const again = await register(fx.client, req);
    expect(again.session).toEqual(first.session);
  });

  it("refuses the same id with a different command or node (ALREADY_EXISTS naming the conflict)", async () => {
    const { session } = await register(fx.client);
    const a = await codeOf(register(fx.client, { sessionId: session!.sessionId, command: "zsh" }));
    expect(a.code).toBe(Code.ALREADY_EXISTS);
    expect(a.details).toMatch(/command/);
    const b = await codeOf(register(fx.client, { sessionId: session!.sessionId, ptyNode: "127.0.0.1:1" }));
    expect(b.code).toBe(Code.ALREADY_EXISTS);
    expect(b.details).toMatch(/pty_node/);
  });
});

describe("MarkRunning / MarkExited", () => {
  it("moves starting → running → exited, idempotently", async () => {
    const id = (await register(fx.client)).session!.sessionId;
    await markRunning(id, 4242);
    await markRunning(id, 4242);
    expect(await get(id)).toMatchObject({ state: "SESSION_STATE_RUNNING", pid: 4242 });
    expect((await get(id)).startedAt).not.toBeNull();

    await writeChunks(id, [Buffer.from("hello "), Buffer.from("world")]);
    const exit = { sessionId: id, exitCode: 3, signal: "", finalSeq: 2, reason: "END_REASON_EXITED" as const };
    await markExited(exit);
    await markExited(exit);
    const s = await get(id);
    expect(s).toMatchObject({ state: "SESSION_STATE_EXITED", exitCode: 3, finalSeq: 2, durableSeq: 2 });
    expect(s.endedAt).not.toBeNull();

    // A different record of the end is refused, and so is starting again.
    expect((await codeOf(markExited({ ...exit, exitCode: 4 }))).code).toBe(Code.FAILED_PRECONDITION);
    expect((await codeOf(markRunning(id, 1))).code).toBe(Code.FAILED_PRECONDITION);

    const events = await readHistory(fx.client, { sessionId: id });
    const exitEvent = events.find((e) => e.exit)!.exit!;
    expect(exitEvent).toMatchObject({ state: "SESSION_STATE_EXITED", exitCode: 3, finalSeq: 2 });
    expect(events[events.length - 2]!.exit).toBeTruthy();
    expect(historyEnd(events)).toMatchObject({ reason: "HISTORY_END_REASON_COMPLETE", lastSeq: 2, nextSeq: 3, nextOffset: 11 });
  });

  it("records a kill by signal without an exit code", async () => {
    const id = (await register(fx.client)).session!.sessionId;
    await markRunning(id, 7);
    await markExited({ sessionId: id, signal: "SIGKILL", finalSeq: 0, reason: "END_REASON_KILLED" });
    const s = await get(id);
    expect(s).toMatchObject({ state: "SESSION_STATE_KILLED", exitSignal: "SIGKILL", finalSeq: 0 });
    expect(s.exitCode).toBeUndefined();
    const events = await readHistory(fx.client, { sessionId: id });
    expect(events.map((e) => e.event)).toEqual(["start", "exit", "end"]);
    expect(historyEnd(events).reason).toBe("HISTORY_END_REASON_COMPLETE");
  });

  it("accepts the exit of a session already declared lost", async () => {
    const id = (await register(fx.client)).session!.sessionId;
    await markRunning(id, 9);
    await sql.query("UPDATE sessions SET state = 'lost', end_reason = 'node unreachable', ended_at = now() WHERE session_id = $1", [id]);
    await markExited({ sessionId: id, exitCode: 0, signal: "", finalSeq: 0, reason: "END_REASON_EXITED" });
    // The real record wins, and the reason it was thought lost no longer applies.
    expect(await get(id)).toMatchObject({ state: "SESSION_STATE_EXITED", exitCode: 0, endReason: "" });
  });

  it("refuses a final_seq below output already stored", async () => {
    const id = (await register(fx.client)).session!.sessionId;
    await writeChunks(id, [Buffer.from("a"), Buffer.from("b"), Buffer.from("c")]);
    const r = await codeOf(markExited({ sessionId: id, exitCode: 0, finalSeq: 2, reason: "END_REASON_EXITED" }));
    expect(r.code).toBe(Code.FAILED_PRECONDITION);
    expect(r.details).toMatch(/final_seq/);
  });

  it("refuses chunks after the final seq, without ending the stream", async () => {
    const id = (await register(fx.client)).session!.sessionId;
    const other = (await register(fx.client)).session!.sessionId;
    await writeChunks(id, [Buffer.from("a")]);
    await markExited({ sessionId: id, exitCode: 0, finalSeq: 1, reason: "END_REASON_EXITED" });
    const s = new AppendStream(fx.client);
    s.write(chunksOf(id, [Buffer.from("late")], 2, 1));
    s.write(chunksOf(other, [Buffer.from("fine")]));
    await s.until(() => s.rejections(id).length > 0, "rejection");
    await s.untilAcked(other, 1);
    expect(s.rejections(id)[0]).toMatchObject({ code: Code.FAILED_PRECONDITION, seq: 2 });
    expect(s.error).toBeUndefined();
    s.close();
  });
});

describe("UpdateSize", () => {
  it("keeps the newest size and replays resizes right after the chunk they followed", async () => {
    const id = (await register(fx.client, { rows: 24, cols: 80 })).session!.sessionId;
    await updateSize({ sessionId: id, rows: 30, cols: 100, atSeq: 0, changeNo: 1 });
    await writeChunks(id, [Buffer.from("one"), Buffer.from("two"), Buffer.from("three")]);
    await updateSize({ sessionId: id, rows: 50, cols: 150, atSeq: 2, changeNo: 3 });
    // An older change arriving late is recorded but does not override the current size.
    await updateSize({ sessionId: id, rows: 40, cols: 120, atSeq: 2, changeNo: 2 });
    // A retry is harmless.
    await updateSize({ sessionId: id, rows: 40, cols: 120, atSeq: 2, changeNo: 2 });
    expect(await get(id)).toMatchObject({ rows: 50, cols: 150 });

    const events = await readHistory(fx.client, { sessionId: id });
    const shape = events.map((e) => (e.output ? `out${e.output.seq}` : e.resize ? `resize${e.resize.rows}x${e.resize.cols}@${e.resize.atSeq}` : e.event));
    // Replay from the start: the at_seq 0 resize is already in force at seq 1.
    expect(events[0]!.start).toMatchObject({ fromSeq: 1, rows: 30, cols: 100 });
    expect(shape).toEqual(["start", "out1", "out2", "resize40x120@2", "resize50x150@2", "out3", "end"]);

    // From seq 3 the size in force is the last change after chunk 2.
    const later = await readHistory(fx.client, { sessionId: id, fromSeq: 3 });
    expect(later[0]!.start).toMatchObject({ fromSeq: 3, rows: 50, cols: 150, offset: 6 });
    expect(later.map((e) => e.event)).toEqual(["start", "output", "end"]);
  });

  it("is NOT_FOUND for an unknown session and INVALID_ARGUMENT for bad sizes", async () => {
    expect((await codeOf(updateSize({ sessionId: uuidv7(), rows: 1, cols: 1, atSeq: 0, changeNo: 1 }))).code).toBe(Code.NOT_FOUND);
    const id = (await register(fx.client)).session!.sessionId;
    const r = await codeOf(updateSize({ sessionId: id, rows: 0, cols: 80, atSeq: 0, changeNo: 1 }));
    expect(r).toMatchObject({ code: Code.INVALID_ARGUMENT });
    expect(r.details).toMatch(/rows/);
    expect((await codeOf(updateSize({ sessionId: id, rows: 10, cols: 1001, atSeq: 0, changeNo: 1 }))).details).toMatch(/cols/);
    expect((await codeOf(updateSize({ sessionId: id, rows: 10, cols: 10, atSeq: 0, changeNo: 0 }))).details).toMatch(/change_no/);
  });
});

describe("ReadHistory ranges", () => {
  it("honours from_seq and to_seq", async () => {
    const id = (await register(fx.client)).session!.sessionId;
    await writeChunks(id, ["a", "bb", "ccc", "dddd"].map((s) => Buffer.from(s)));
    const mid = await readHistory(fx.client, { sessionId: id, fromSeq: 2, toSeq: 3 });
    expect(mid[0]!.start).toMatchObject({ fromSeq: 2, offset: 1 });
    expect(mid.filter((e) => e.output).map((e) => e.output!.data.toString())).toEqual(["bb", "ccc"]);
    expect(historyEnd(mid)).toMatchObject({ reason: "HISTORY_END_REASON_TO_SEQ", lastSeq: 3, nextSeq: 4, nextOffset: 6 });
    const beyond = await readHistory(fx.client, { sessionId: id, fromSeq: 5 });
    expect(beyond[0]!.start).toMatchObject({ fromSeq: 5, offset: 10 });
    expect(historyEnd(beyond)).toMatchObject({ reason: "HISTORY_END_REASON_CAUGHT_UP", lastSeq: 4, nextSeq: 5, nextOffset: 10 });
    expect((await codeOf(readHistory(fx.client, { sessionId: id, fromSeq: 3, toSeq: 2 }))).code).toBe(Code.INVALID_ARGUMENT);
    expect((await codeOf(readHistory(fx.client, { sessionId: uuidv7() }))).code).toBe(Code.NOT_FOUND);
  });

  it("says when the requested start was removed by retention", async () => {
    const id = (await register(fx.client)).session!.sessionId;
    await writeChunks(id, ["a", "bb", "ccc", "dddd"].map((s) => Buffer.from(s)));
    // What retention does: drop the oldest chunks and record where history now starts.
    await sql.query("DELETE FROM output_chunks WHERE session_id = $1 AND seq < 3", [id]);
    await sql.query("UPDATE sessions SET first_kept_seq = 3, first_kept_offset = 3 WHERE session_id = $1", [id]);
    const fromOne = await readHistory(fx.client, { sessionId: id, fromSeq: 1 });
    expect(fromOne[0]!.start).toMatchObject({ fromSeq: 3, truncated: true, offset: 3 });
    expect(fromOne.filter((e) => e.output).map((e) => e.output!.data.toString())).toEqual(["ccc", "dddd"]);
    const oldest = await readHistory(fx.client, { sessionId: id });
    expect(oldest[0]!.start).toMatchObject({ fromSeq: 3, truncated: false, offset: 3 });
    expect(historyEnd(oldest)).toMatchObject({ reason: "HISTORY_END_REASON_CAUGHT_UP", lastSeq: 4, nextOffset: 10 });
  });

  it("streams a long history in bounded pages", async () => {
    const id = (await register(fx.client)).session!.sessionId;
    // ~6 MiB in 64 KiB chunks: several pages of PAGE_BYTES.
    const pieces = Array.from({ length: 96 }, (_, i) => Buffer.alloc(64 * 1024, i));
    await writeChunks(id, pieces);
    const events = await readHistory(fx.client, { sessionId: id });
    expect(events.filter((e) => e.output).map((e) => e.output!.seq)).toEqual(pieces.map((_, i) => i + 1));
    expect(Buffer.concat(events.filter((e) => e.output).map((e) => e.output!.data)).equals(Buffer.concat(pieces))).toBe(true);
  });
});

describe("DeleteSession", () => {
  it("refuses a running session unless forced, removes everything, then refuses its chunks", async () => {
    const id = (await register(fx.client)).session!.sessionId;
    await markRunning(id, 11);
    await writeChunks(id, [Buffer.from("x")]);
    await updateSize({ sessionId: id, rows: 10, cols: 10, atSeq: 1, changeNo: 1 });
    const refused = await codeOf(del(id));
    expect(refused.code).toBe(Code.FAILED_PRECONDITION);
    expect(refused.details).toMatch(/force/);
    await del(id, true);
    expect((await codeOf(get(id))).code).toBe(Code.NOT_FOUND);
    const left = await sql.query("SELECT (SELECT count(*) FROM output_chunks WHERE session_id = $1) + (SELECT count(*) FROM size_events WHERE session_id = $1) AS n", [id]);
    expect(Number(left.rows[0].n)).toBe(0);
    expect((await codeOf(del(id))).code).toBe(Code.NOT_FOUND);

    const s = new AppendStream(fx.client);
    s.write(chunksOf(id, [Buffer.from("y")], 2, 1));
    await s.until(() => s.rejections(id).length > 0, "rejection");
    expect(s.rejections(id)[0]).toMatchObject({ code: Code.NOT_FOUND, seq: 2 });
    s.close();
  });

  it("deletes an ended session without force", async () => {
    const id = (await register(fx.client)).session!.sessionId;
    await markExited({ sessionId: id, exitCode: 0, finalSeq: 0, reason: "END_REASON_EXITED" });
    await del(id);
    expect((await codeOf(get(id))).code).toBe(Code.NOT_FOUND);
  });
});
