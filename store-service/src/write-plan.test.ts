// The batch writer's per-session decision without a database: what a flush stores, refuses and
// acknowledges, and where the watermark goes (resends, gaps, the seq window, the final seq).
import { describe, expect, it } from "vitest";
import { Code } from "@ptykeep/proto";
import type { WriteState } from "./sql/sessions.js";
import { planWrite, type SentChunk } from "./write-plan.js";

const ID = "0b6c3f5e-8d4e-4f5a-9a51-3f1f2f4c5d6e";
const WINDOW = 100;

function state(over: Partial<WriteState> = {}): WriteState {
  return { session_id: ID, state: "running", durable_seq: 0, durable_bytes: 0, max_seq: 0, final_seq: null, ...over };
}

/** Chunk `seq` of `size` bytes at `offset`, from sender `link`. */
function chunk(seq: number, offset: number, size: number, link = "a"): SentChunk<string> {
  return { sessionId: ID, seq, offset, tsMicros: 1_000 + seq, data: Buffer.alloc(size, seq), link };
}

/** Contiguous chunks from seq `from` at `offset`, `size` bytes each. */
function run(from: number, count: number, offset: number, size: number, link = "a"): Array<SentChunk<string>> {
  return Array.from({ length: count }, (_, i) => chunk(from + i, offset + i * size, size, link));
}

const seqs = (keep: Array<{ seq: number }>) => keep.map((c) => c.seq);

describe("planWrite", () => {
  it("stores a contiguous run and moves the watermark over it", () => {
    const plan = planWrite(ID, run(1, 3, 0, 10), state(), WINDOW);
    expect(seqs(plan.keep)).toEqual([1, 2, 3]);
    expect(plan.keep.every((c) => !("link" in c))).toBe(true);
    expect(plan.watermark).toEqual({ sessionId: ID, durableSeq: 3, durableBytes: 30, maxSeq: 3, needsGapScan: false });
    expect(plan.outcome.durableSeq).toBe(3);
    expect([...plan.outcome.ackTo]).toEqual(["a"]);
    expect(plan.outcome.rejections.size).toBe(0);
  });

  it("sorts the chunks by seq, whatever order they came in", () => {
    const [c1, c2, c3] = run(1, 3, 0, 10);
    const plan = planWrite(ID, [c3!, c1!, c2!], state(), WINDOW);
    expect(seqs(plan.keep)).toEqual([1, 2, 3]);
    expect(plan.watermark?.durableSeq).toBe(3);
  });

  it("drops resends at or below the watermark and chunks sent twice, acknowledging their senders", () => {
    const plan = planWrite(ID, [...run(1, 2, 0, 10, "old"), ...run(3, 1, 20, 10, "a"), ...run(3, 1, 20, 10, "b")], state({ durable_seq: 2, durable_bytes: 20, max_seq: 2 }), WINDOW);
    expect(seqs(plan.keep)).toEqual([3]);
    expect(plan.watermark).toEqual({ sessionId: ID, durableSeq: 3, durableBytes: 30, maxSeq: 3, needsGapScan: false });
    expect(new Set(plan.outcome.ackTo)).toEqual(new Set(["old", "a", "b"]));
  });

  it("leaves the watermarks alone when everything was stored already", () => {
    const plan = planWrite(ID, run(1, 2, 0, 10), state({ durable_seq: 2, durable_bytes: 20, max_seq: 2 }), WINDOW);
    expect(plan.keep).toEqual([]);
    expect(plan.watermark).toBeUndefined();
    expect(plan.outcome.durableSeq).toBe(2);
    expect([...plan.outcome.ackTo]).toEqual(["a"]);
  });

  it("plans nothing for no chunks", () => {
    const plan = planWrite(ID, [], state({ durable_seq: 4, durable_bytes: 40, max_seq: 4 }), WINDOW);
    expect(plan).toEqual({ outcome: { durableSeq: 4, ackTo: new Set(), rejections: new Map() }, keep: [], watermark: undefined });
  });

  it("stores chunks beyond a gap without moving the watermark over them, and asks for a gap scan", () => {
    const plan = planWrite(ID, [chunk(1, 0, 10), chunk(3, 20, 10)], state(), WINDOW);
    expect(seqs(plan.keep)).toEqual([1, 3]);
    expect(plan.watermark).toEqual({ sessionId: ID, durableSeq: 1, durableBytes: 10, maxSeq: 3, needsGapScan: true });
    // The sender is acknowledged up to the gap only.
    expect(plan.outcome.durableSeq).toBe(1);
  });

  it("fills a gap: the watermark moves to its end, and the scan carries it over what was stored beyond", () => {
    const plan = planWrite(ID, [chunk(2, 10, 10)], state({ durable_seq: 1, durable_bytes: 10, max_seq: 3 }), WINDOW);
    expect(seqs(plan.keep)).toEqual([2]);
    expect(plan.watermark).toEqual({ sessionId: ID, durableSeq: 2, durableBytes: 20, maxSeq: 3, needsGapScan: true });
  });

  it("refuses the next chunk when it does not start where the stored output ends", () => {
    const plan = planWrite(ID, [chunk(1, 5, 10), chunk(2, 15, 10)], state(), WINDOW);
    expect(plan.outcome.rejections.get("a")).toEqual(
      new Map([[Code.INVALID_ARGUMENT, { code: Code.INVALID_ARGUMENT, seq: 1, message: `chunk seq 1 of session ${ID} has offset 5; the output before it ends at byte 0` }]]),
    );
    // The chunk after it is beyond a gap now: stored, the watermark stays.
    expect(seqs(plan.keep)).toEqual([2]);
    expect(plan.watermark).toEqual({ sessionId: ID, durableSeq: 0, durableBytes: 0, maxSeq: 2, needsGapScan: true });
  });

  it("accepts a chunk exactly seqWindow ahead of the watermark and refuses the one after", () => {
    const plan = planWrite(ID, [chunk(15, 500, 10), chunk(16, 510, 10)], state({ durable_seq: 10, durable_bytes: 100, max_seq: 10 }), 5);
    expect(seqs(plan.keep)).toEqual([15]);
    const refused = plan.outcome.rejections.get("a")!.get(Code.OUT_OF_RANGE);
    expect(refused?.seq).toBe(16);
    expect(refused?.message).toBe(`chunk seq 16 of session ${ID} is more than 5 ahead of the stored history (durable seq 10)`);
  });

  it("accepts the final chunk of an ended session and refuses what comes after it", () => {
    const plan = planWrite(ID, run(1, 4, 0, 10), state({ state: "exited", final_seq: 2 }), WINDOW);
    expect(seqs(plan.keep)).toEqual([1, 2]);
    expect(plan.watermark?.durableSeq).toBe(2);
    const byCode = plan.outcome.rejections.get("a")!;
    expect([...byCode.keys()]).toEqual([Code.FAILED_PRECONDITION]);
    expect(byCode.get(Code.FAILED_PRECONDITION)).toEqual({ code: Code.FAILED_PRECONDITION, seq: 3, message: `session ${ID} ended with final seq 2; chunk seq 3 comes after it` });
  });

  it("tells each sender of the first refused chunk of each kind only", () => {
    const chunks = [...run(1, 3, 0, 10, "a"), ...run(1, 3, 0, 10, "b")].reverse();
    const plan = planWrite(ID, chunks, undefined, WINDOW);
    expect(plan.keep).toEqual([]);
    expect(plan.watermark).toBeUndefined();
    expect(plan.outcome.durableSeq).toBeUndefined();
    expect(plan.outcome.ackTo.size).toBe(0);
    for (const link of ["a", "b"]) {
      const byCode = plan.outcome.rejections.get(link)!;
      expect([...byCode.keys()]).toEqual([Code.NOT_FOUND]);
      expect(byCode.get(Code.NOT_FOUND)!.message).toBe(`session ${ID} does not exist (never registered, or deleted)`);
    }
  });

  it("keeps one huge chunk whole", () => {
    const plan = planWrite(ID, [chunk(1, 0, 4 * 1024 * 1024)], state(), WINDOW);
    expect(plan.keep[0]!.data.length).toBe(4 * 1024 * 1024);
    expect(plan.watermark).toEqual({ sessionId: ID, durableSeq: 1, durableBytes: 4 * 1024 * 1024, maxSeq: 1, needsGapScan: false });
  });
});
