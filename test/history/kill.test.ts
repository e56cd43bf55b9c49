/**
 * A compactor process SIGKILLed in the middle of its work (between reading and writing, inside
 * a segment's transaction after the insert, and after the delete before COMMIT): history stays
 * exact, nothing is half-moved, no lock outlives the process, and a re-run finishes the job.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CompactionStep } from "../../store-service/src/compactor.js";
import { appendPieces, layout, newSession, outputPieces, outputs, readHistory, runUntilKilled, startHistoryFixture, untilSessionLocksReleased, type HistoryFixture } from "./helpers.js";

const CHILD_TIMEOUT_MS = 45_000;

let fx: HistoryFixture;
beforeAll(async () => {
  fx = await startHistoryFixture("hist_kill");
});
afterAll(async () => {
  await fx?.shutdown();
});

/** Runs the compactor child and SIGKILLs it at the nth occurrence of `step`; resolves with what it printed. */
function compactUntilKilled(killAt: CompactionStep, nth: number): Promise<string[]> {
  return runUntilKilled({
    script: "test/history/compact-child.ts",
    env: { DATABASE_URL: fx.dbUrl, SEGMENT_BYTES: "32768", STEP_PAUSE_MS: "50" },
    name: "compactor child",
    step: killAt,
    linePrefix: `${killAt} `,
    nth,
    timeoutMs: CHILD_TIMEOUT_MS,
  });
}

describe("compactor killed mid-compaction", () => {
  it("leaves exact history at every kill point, and a re-run completes it", async () => {
    const id = await newSession(fx);
    const pieces = outputPieces(150, 21);
    await appendPieces(fx, id, pieces);
    const want = outputs(await readHistory(fx.client, { sessionId: id }));
    const all = pieces.map((_, i) => i + 1);

    let segmentsBefore = 0;
    for (const killAt of ["compressed", "inserted", "deleted"] as const) {
      const lines = await compactUntilKilled(killAt, 2);
      const killedSeq = Number(lines.filter((l) => l.startsWith(`${killAt} `)).pop()!.split(" ")[1]);
      // The server notices the dropped connection, rolls back, and releases the session lock.
      await untilSessionLocksReleased(fx, "advisory lock still held after the compactor was killed");
      const l = await layout(fx, id);
      expect(l.seqs).toEqual(all);
      // The killed segment's move did not happen; the one before it did.
      expect(l.segments.some((g) => g.first_seq === killedSeq)).toBe(false);
      expect(l.segments.length).toBeGreaterThan(segmentsBefore);
      segmentsBefore = l.segments.length;
      expect(outputs(await readHistory(fx.client, { sessionId: id }))).toEqual(want);
    }

    await fx.compactor({ segmentRawBytes: 32 * 1024 }).runOnce();
    const l = await layout(fx, id);
    expect(l.rawRows).toBe(0);
    expect(l.seqs).toEqual(all);
    expect(outputs(await readHistory(fx.client, { sessionId: id }))).toEqual(want);
  });
});
