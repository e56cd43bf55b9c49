/**
 * Compaction: raw rows become compressed segments and replays stay exact (bytes, chunk
 * boundaries, offsets, microsecond timestamps), across segment boundaries, while readers read,
 * when a compaction fails at any step, and with several compactors at once.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setImmediate as nextTurn } from "node:timers/promises";
import { uuidv7 } from "@ptykeep/proto";
import pg from "pg";
import { Compactor, COMPACTOR_TUNING, type CompactionStep } from "../../store-service/src/compactor.js";
import { appendPieces, expectedOutputs, layout, log, newSession, outputPieces, outputs, readHistory, sessionLocksHeld, startHistoryFixture, unaryCall, AppendStream, type HistoryFixture } from "./helpers.js";
import { historyEnd } from "../store/helpers.js";

let fx: HistoryFixture;
beforeAll(async () => {
  fx = await startHistoryFixture("hist_compact");
});
afterAll(async () => {
  await fx?.shutdown();
});

async function replayed(sessionId: string, req: { fromSeq?: number; toSeq?: number } = {}) {
  const events = await readHistory(fx.client, { sessionId, ...req });
  return { events, out: outputs(events), end: historyEnd(events) };
}

describe("Compactor", () => {
  it("packs rows into segments with the same bytes, boundaries and timing", async () => {
    const id = await newSession(fx);
    const pieces = outputPieces(300, 1);
    await appendPieces(fx, id, pieces);
    const before = await replayed(id);
    expect(before.out.map(({ tsUs: _, ...o }) => o)).toEqual(expectedOutputs(pieces));

    const compactor = fx.compactor();
    const pass = await compactor.runOnce();
    expect(pass.segments).toBeGreaterThan(5);
    const l = await layout(fx, id);
    expect(l.rawRows).toBe(0);
    expect(l.seqs).toEqual(pieces.map((_, i) => i + 1));
    // Segments respect the size bound and record their codec; random pieces are stored as they are.
    for (const g of l.segments) expect(g.byte_length).toBeLessThanOrEqual(64 * 1024);
    expect(new Set(l.segments.map((g) => g.codec))).toContain("zstd");
    const raw = l.segments.reduce((a, g) => a + g.byte_length, 0);
    const stored = l.segments.reduce((a, g) => a + g.stored, 0);
    expect(stored).toBeLessThan(raw);

    const after = await replayed(id);
    expect(after.out).toEqual(before.out);
    expect(after.events[0]!.start).toEqual(before.events[0]!.start);
    expect(after.end).toEqual(before.end);
    expect(after.end.reason).toBe("HISTORY_END_REASON_CAUGHT_UP");

    // Reads that start and stop inside segments.
    for (const [fromSeq, toSeq] of [
      [l.segments[1]!.first_seq + 1, l.segments[3]!.first_seq + 2],
      [l.segments[2]!.last_seq, 0],
      [l.segments[0]!.first_seq, l.segments[0]!.first_seq],
    ] as const) {
      const part = await replayed(id, { fromSeq, toSeq });
      const want = before.out.filter((o) => o.seq >= fromSeq && (toSeq === 0 || o.seq <= toSeq));
      expect(part.out).toEqual(want);
      expect(part.events[0]!.start!.offset).toBe(want[0]!.offset);
    }

    // More output after compaction, then a resend of compacted chunks: nothing stored twice.
    const more = outputPieces(40, 2);
    const { nextOffset } = await appendPieces(fx, id, more, { firstSeq: 301, firstOffset: before.end.nextOffset });
    await appendPieces(fx, id, pieces.slice(0, 50));
    expect((await layout(fx, id)).rawRows).toBe(40);
    await compactor.runOnce();
    const final = await replayed(id);
    expect(final.out.map(({ tsUs: _, ...o }) => o)).toEqual(expectedOutputs([...pieces, ...more]));
    expect(final.out.slice(0, 300)).toEqual(before.out);
    expect(final.end).toMatchObject({ lastSeq: 340, nextOffset });
    expect((await layout(fx, id)).seqs).toEqual([...pieces, ...more].map((_, i) => i + 1));
  });

  it("leaves hot output raw and writes a running session's partial segment only once it is quiet", async () => {
    const id = await newSession(fx);
    const now = Date.now() * 1000;
    // 1..20 an hour old, 21..30 just now.
    await appendPieces(fx, id, outputPieces(20, 3), { baseUs: now - 3_600_000_000 - 30 * 1_234_567 });
    const first = await replayed(id);
    await appendPieces(fx, id, outputPieces(10, 4), { firstSeq: 21, firstOffset: first.end.nextOffset, baseUs: now - 30 * 1_234_567 - 1_000_000 });
    const all = await replayed(id);

    const pass = await fx.compactor({ compactAfterMs: 60_000, segmentRawBytes: 1024 * 1024 }).runOnce();
    // 1..20 is cold but would make a partial segment of a session still writing: it waits, and
    // the session is not even a candidate (it must not crowd out sessions with work).
    expect((await layout(fx, id)).segments).toEqual([]);
    expect(pass.sessions).toBe(0);
    // With small segments the full ones among the cold rows are written, the rest waits.
    await fx.compactor({ compactAfterMs: 60_000, segmentRawBytes: 16 * 1024 }).runOnce();
    const l = await layout(fx, id);
    expect(l.segments.length).toBeGreaterThan(0);
    expect(l.segments[l.segments.length - 1]!.last_seq).toBeLessThan(21);
    // Quiet (everything older than the age): the partial segment is written too.
    await fx.compactor({ compactAfterMs: 1, segmentRawBytes: 1024 * 1024 }).runOnce();
    expect((await layout(fx, id)).rawRows).toBe(0);
    expect((await replayed(id)).out).toEqual(all.out);
  });

  it("writes an ended session's last partial segment", async () => {
    const id = await newSession(fx);
    await appendPieces(fx, id, outputPieces(5, 5), { baseUs: Date.now() * 1000 });
    await unaryCall(fx.client, "MarkRunning", { sessionId: id, pid: 42 });
    await unaryCall(fx.client, "MarkExited", { sessionId: id, exitCode: 0, signal: "", finalSeq: 5, reason: "END_REASON_EXITED" });
    const before = await replayed(id);
    await fx.compactor({ compactAfterMs: 3_600_000 }).runOnce();
    const l = await layout(fx, id);
    expect(l.rawRows).toBe(0);
    expect(l.segments.length).toBe(1);
    const after = await replayed(id);
    expect(after.events).toEqual(before.events);
    expect(after.end.reason).toBe("HISTORY_END_REASON_COMPLETE");
  });

  it("bounds the chunks per segment when output comes a byte at a time", async () => {
    const id = await newSession(fx);
    const n = COMPACTOR_TUNING.MAX_CHUNKS_PER_SEGMENT + 100;
    const pieces = Array.from({ length: n }, (_, i) => Buffer.from([i % 256]));
    await appendPieces(fx, id, pieces);
    await fx.compactor({ segmentRawBytes: 1024 * 1024 }).runOnce();
    const l = await layout(fx, id);
    expect(l.segments.map((g) => g.last_seq - g.first_seq + 1)).toEqual([COMPACTOR_TUNING.MAX_CHUNKS_PER_SEGMENT, 100]);
    const r = await replayed(id);
    expect(r.out.length).toBe(n);
    expect(Buffer.concat(r.out.map((o) => Buffer.from(o.hex, "hex")))).toEqual(Buffer.concat(pieces));
  });

  it("readers running during compaction always see the complete history", async () => {
    const id = await newSession(fx);
    const pieces = outputPieces(200, 6);
    await appendPieces(fx, id, pieces);
    const want = (await replayed(id)).out;
    let compacting = true;
    let reads = 0;
    const readers = Array.from({ length: 2 }, async () => {
      while (compacting) {
        const r = await replayed(id);
        expect(r.end.reason).toBe("HISTORY_END_REASON_CAUGHT_UP");
        expect(r.out).toEqual(want);
        reads++;
      }
    });
    // Segments of 16 KiB, with event-loop turns between steps so readers interleave.
    const compactor = fx.compactor({ segmentRawBytes: 16 * 1024, onStep: () => nextTurn() });
    await compactor.runOnce();
    compacting = false;
    await Promise.all(readers);
    expect(compactor.stats.segmentsWritten).toBeGreaterThan(20);
    expect(reads).toBeGreaterThan(3);
    expect((await layout(fx, id)).rawRows).toBe(0);
    expect((await replayed(id)).out).toEqual(want);
  });

  it("a compaction failing at any step leaves exact history, and the next pass finishes the job", async () => {
    const id = await newSession(fx);
    const pieces = outputPieces(120, 7);
    await appendPieces(fx, id, pieces);
    const want = (await replayed(id)).out;
    const steps: CompactionStep[] = ["read", "compressed", "inserted", "deleted"];
    for (const [i, failAt] of steps.entries()) {
      let seen = 0;
      let failed = false;
      const faulty = fx.compactor({
        segmentRawBytes: 32 * 1024,
        onStep: (step) => {
          // Let i segments through, then fail on the chosen step of the next one.
          if (step === failAt && seen++ === i) {
            failed = true;
            throw new Error(`injected failure at ${step}`);
          }
        },
      });
      // The pass logs the session's failure and carries on with other sessions.
      await faulty.runOnce();
      expect(failed).toBe(true);
      const l = await layout(fx, id);
      expect(l.seqs).toEqual(pieces.map((_, k) => k + 1));
      expect((await replayed(id)).out).toEqual(want);
    }
    await fx.compactor({ segmentRawBytes: 32 * 1024 }).runOnce();
    const l = await layout(fx, id);
    expect(l.rawRows).toBe(0);
    expect(l.seqs).toEqual(pieces.map((_, k) => k + 1));
    expect((await replayed(id)).out).toEqual(want);
    // No advisory lock outlives the failed passes: each went with its connection, which was
    // closed rather than returned to the pool (the server lets go once it sees the close).
    const deadline = Date.now() + 5_000;
    while ((await sessionLocksHeld(fx)).length > 0) {
      if (Date.now() > deadline) throw new Error("a failed pass left its session lock behind");
      await new Promise((r) => setTimeout(r, 20));
    }
  });

  it("a segment whose rows change under it is rolled back whole, and its connection goes back to the pool unlocked", async () => {
    const id = await newSession(fx);
    await appendPieces(fx, id, outputPieces(40, 9));
    let gone: number | undefined;
    const compactor = fx.compactor({
      segmentRawBytes: 32 * 1024,
      onStep: async (step, segment) => {
        // Inside the segment's open transaction, another writer removes one of its rows.
        if (step !== "inserted" || gone !== undefined) return;
        gone = segment.lastSeq;
        await fx.query("DELETE FROM output_chunks WHERE session_id = $1 AND seq = $2", [id, gone]);
      },
    });
    await compactor.runOnce();
    expect(gone).toBeDefined();
    expect(compactor.stats.segmentsAbandoned).toBe(1);
    expect(compactor.stats.segmentsWritten).toBe(0);
    // No segment, and every row but the removed one still raw.
    const l = await layout(fx, id);
    expect(l.segments).toEqual([]);
    expect(l.seqs).toEqual(Array.from({ length: 40 }, (_, k) => k + 1).filter((s) => s !== gone));
    // The session's lock was released on that connection, not left to a connection close.
    expect(await sessionLocksHeld(fx)).toEqual([]);
    // Its history now has a hole: gone, so that the other tests' compactors do not work on it.
    await unaryCall(fx.client, "DeleteSession", { sessionId: id, force: true });
  });

  it("three compactors at once handle each range once", async () => {
    const ids = await Promise.all(Array.from({ length: 6 }, () => newSession(fx)));
    const wants = new Map<string, ReturnType<typeof outputs>>();
    for (const [k, id] of ids.entries()) {
      await appendPieces(fx, id, outputPieces(150, 100 + k));
      wants.set(id, (await replayed(id)).out);
    }
    const compactors = [0, 1, 2].map(() => fx.compactor({ segmentRawBytes: 32 * 1024, onStep: () => nextTurn() }));
    await Promise.all(compactors.map((c) => c.runOnce()));
    // Another round finishes sessions a compactor skipped because another one held them.
    await Promise.all(compactors.map((c) => c.runOnce()));
    let segments = 0;
    for (const id of ids) {
      const l = await layout(fx, id);
      expect(l.rawRows).toBe(0);
      expect(l.seqs).toEqual(Array.from({ length: 150 }, (_, k) => k + 1));
      expect((await replayed(id)).out).toEqual(wants.get(id));
      segments += l.segments.length;
    }
    const written = compactors.reduce((a, c) => a + c.stats.segmentsWritten, 0);
    expect(written).toBe(segments);
    expect(compactors.reduce((a, c) => a + c.stats.segmentsAbandoned, 0)).toBe(0);
    // They did share the work.
    expect(compactors.filter((c) => c.stats.segmentsWritten > 0).length).toBeGreaterThan(1);
  });

  it("works on a plain pg.Pool (bigint values as strings)", async () => {
    const id = await newSession(fx);
    const pieces = outputPieces(60, 9);
    await appendPieces(fx, id, pieces);
    const want = (await replayed(id)).out;
    const plain = new pg.Pool({ connectionString: fx.dbUrl, max: 2 });
    try {
      const compactor = new Compactor({ pool: plain, log, compactAfterMs: 0, retentionBytes: 0, retentionMaxAgeMs: 0, segmentRawBytes: 32 * 1024 });
      expect((await compactor.runOnce()).segments).toBeGreaterThan(1);
    } finally {
      await plain.end();
    }
    expect((await layout(fx, id)).rawRows).toBe(0);
    expect((await replayed(id)).out).toEqual(want);
  });

  it("DeleteSession removes segments too", async () => {
    const id = await newSession(fx);
    await appendPieces(fx, id, outputPieces(30, 8));
    await fx.compactor().runOnce();
    expect((await layout(fx, id)).segments.length).toBeGreaterThan(0);
    await unaryCall(fx.client, "DeleteSession", { sessionId: id, force: true });
    expect((await layout(fx, id)).segments).toEqual([]);
    void uuidv7;
    void AppendStream;
  });
});
