/**
 * Retention: the per-session cap drops whole oldest segments and the session says where its kept
 * history starts (ReadHistory from older seqs is flagged truncated); ended sessions past the
 * maximum age are deleted with everything they had.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StoreApi } from "@ptykeep/proto";
import { appendPieces, layout, newSession, outputPieces, outputs, readHistory, startHistoryFixture, unaryCall, type HistoryFixture } from "./helpers.js";
import { historyEnd } from "../store/helpers.js";

let fx: HistoryFixture;
beforeAll(async () => {
  fx = await startHistoryFixture("hist_retention");
});
afterAll(async () => {
  await fx?.shutdown();
});

const get = (sessionId: string) => unaryCall<StoreApi.GetSessionRequest, StoreApi.GetSessionResponse__Output>(fx.client, "GetSession", { sessionId }).then((r) => r.session!);

describe("retention", () => {
  it("trims to the cap by whole oldest segments and reports the first kept seq", async () => {
    const id = await newSession(fx);
    const pieces = outputPieces(400, 11);
    await appendPieces(fx, id, pieces);
    const full = outputs(await readHistory(fx.client, { sessionId: id }));
    const total = pieces.reduce((a, p) => a + p.length, 0);
    const cap = Math.floor(total / 3);
    const segmentBytes = 32 * 1024;

    // Over the cap, with output that is not cold yet: retention compacts it first, then trims.
    const compactor = fx.compactor({ compactAfterMs: 3_600_000 * 24 * 365, segmentRawBytes: segmentBytes, retentionBytes: cap });
    await compactor.runOnce();
    const l = await layout(fx, id);
    const s = await get(id);
    expect(s.firstKeptSeq).toBeGreaterThan(1);
    const kept = total - full.find((o) => o.seq === s.firstKeptSeq)!.offset;
    expect(kept).toBeLessThanOrEqual(cap);
    expect(kept).toBeGreaterThan(cap - segmentBytes);
    // Kept history starts exactly at the oldest remaining segment.
    expect(l.segments[0]!.first_seq).toBe(s.firstKeptSeq);
    const [row] = await fx.query<{ first_kept_offset: number }>("SELECT first_kept_offset FROM sessions WHERE session_id = $1", [id]);
    expect(row!.first_kept_offset).toBe(l.segments[0]!.first_offset);
    expect(compactor.stats.segmentsDropped).toBeGreaterThan(0);
    // Output that is not cold is packed into full segments only: the tail stays raw.
    expect(l.rawRows).toBeGreaterThan(0);

    // From seq 1: starts at the first kept seq, flagged.
    const fromOne = await readHistory(fx.client, { sessionId: id, fromSeq: 1 });
    expect(fromOne[0]!.start).toMatchObject({ fromSeq: s.firstKeptSeq, truncated: true, offset: row!.first_kept_offset });
    expect(outputs(fromOne)).toEqual(full.filter((o) => o.seq >= s.firstKeptSeq));
    expect(historyEnd(fromOne)).toMatchObject({ reason: "HISTORY_END_REASON_CAUGHT_UP", lastSeq: 400 });
    // From 0 ("the oldest kept"): the same output, not flagged.
    const oldest = await readHistory(fx.client, { sessionId: id, fromSeq: 0 });
    expect(oldest[0]!.start).toMatchObject({ fromSeq: s.firstKeptSeq, truncated: false });
    expect(outputs(oldest)).toEqual(outputs(fromOne));
    // From a kept seq: nothing flagged.
    const later = await readHistory(fx.client, { sessionId: id, fromSeq: s.firstKeptSeq + 1 });
    expect(later[0]!.start).toMatchObject({ fromSeq: s.firstKeptSeq + 1, truncated: false });

    // A second pass has nothing more to drop; more output moves the start on again.
    await compactor.runOnce();
    expect((await get(id)).firstKeptSeq).toBe(s.firstKeptSeq);
    await appendPieces(fx, id, outputPieces(200, 12), { firstSeq: 401, firstOffset: total });
    await compactor.runOnce();
    const s2 = await get(id);
    expect(s2.firstKeptSeq).toBeGreaterThan(s.firstKeptSeq);
    const kept2 = Number(s2.durableBytes) - (await fx.query<{ o: number }>("SELECT first_kept_offset AS o FROM sessions WHERE session_id = $1", [id]))[0]!.o;
    expect(kept2).toBeLessThanOrEqual(cap);
    const l2 = await layout(fx, id);
    expect(l2.seqs).toEqual(Array.from({ length: 600 - s2.firstKeptSeq + 1 }, (_, k) => s2.firstKeptSeq + k));
  });

  it("a session under the cap keeps everything", async () => {
    const id = await newSession(fx);
    await appendPieces(fx, id, outputPieces(50, 13));
    await fx.compactor({ retentionBytes: 50 * 1024 * 1024 }).runOnce();
    expect((await get(id)).firstKeptSeq).toBe(1);
    expect((await layout(fx, id)).seqs[0]).toBe(1);
  });

  it("deletes ended sessions older than the maximum age, with their history", async () => {
    const old = await newSession(fx);
    const recent = await newSession(fx);
    const running = await newSession(fx);
    for (const id of [old, recent, running]) {
      await appendPieces(fx, id, outputPieces(20, 14));
      await unaryCall(fx.client, "MarkRunning", { sessionId: id, pid: 7 });
    }
    for (const id of [old, recent]) await unaryCall(fx.client, "MarkExited", { sessionId: id, exitCode: 0, signal: "", finalSeq: 20, reason: "END_REASON_EXITED" });
    await unaryCall(fx.client, "UpdateSize", { sessionId: old, rows: 30, cols: 90, atSeq: 3, changeNo: 1 });
    await fx.compactor().runOnce();
    await fx.query("UPDATE sessions SET ended_at = now() - interval '2 days' WHERE session_id = $1", [old]);
    await fx.query("UPDATE sessions SET created_at = now() - interval '3 days' WHERE session_id = $1", [running]);

    const compactor = fx.compactor({ retentionMaxAgeMs: 86_400_000 });
    await compactor.runOnce();
    expect(compactor.stats.sessionsExpired).toBe(1);
    const left = await fx.query<{ session_id: string }>("SELECT session_id::text FROM sessions WHERE session_id = ANY($1::uuid[])", [[old, recent, running]]);
    expect(left.map((r) => r.session_id).sort()).toEqual([recent, running].sort());
    const traces = await fx.query<{ n: number }>(
      `SELECT (SELECT count(*) FROM output_segments WHERE session_id = $1) + (SELECT count(*) FROM output_chunks WHERE session_id = $1)
            + (SELECT count(*) FROM size_events WHERE session_id = $1) AS n`,
      [old],
    );
    expect(Number(traces[0]!.n)).toBe(0);
    expect((await layout(fx, recent)).seqs.length).toBe(20);
  });
});
