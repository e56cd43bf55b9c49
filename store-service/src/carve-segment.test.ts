// The compactor's segment carving without a database: where a segment ends (bytes, chunks, hot
// rows), when a partial one is written or waits, and rows that do not follow each other.
import { describe, expect, it } from "vitest";
import { carveSegment, type CarveRow, type CarveRules } from "./carve-segment.js";

const COLD_BEFORE_US = 1_000_000;
const COLD = COLD_BEFORE_US - 1;
const HOT = COLD_BEFORE_US;

/** Contiguous rows from seq 1, offset 0, with these lengths, all cold unless ts says otherwise. */
function rows(lengths: number[], ts: (i: number) => number = () => COLD): CarveRow[] {
  let offset = 0;
  return lengths.map((length, i) => {
    const row = { seq: i + 1, byte_offset: offset, ts_us: ts(i), length };
    offset += length;
    return row;
  });
}

/** A running session, not over its cap, whose durable output ends at the last of `input`. */
function rules(input: CarveRow[], over: Partial<CarveRules> = {}): CarveRules {
  return { maxRawBytes: 100, maxChunks: 1_000, coldBeforeUs: COLD_BEFORE_US, ended: false, overCap: false, durableSeq: input.at(-1)?.seq ?? 0, ...over };
}

describe("carveSegment", () => {
  it("waits on no rows", () => {
    expect(carveSegment([], rules([]))).toEqual({ action: "wait" });
    expect(carveSegment([], rules([], { ended: true, durableSeq: 5 }))).toEqual({ action: "wait" });
  });

  it("fills a segment to exactly maxRawBytes, and the next byte starts another", () => {
    const exact = rows([40, 60, 1]);
    expect(carveSegment(exact, rules(exact))).toEqual({ action: "write", chunks: 2, rawBytes: 100, full: true });
    const over = rows([40, 61]);
    expect(carveSegment(over, rules(over))).toEqual({ action: "write", chunks: 1, rawBytes: 40, full: true });
  });

  it("gives one chunk larger than a segment a segment of its own", () => {
    const alone = rows([500]);
    expect(carveSegment(alone, rules(alone))).toEqual({ action: "write", chunks: 1, rawBytes: 500, full: false });
    const first = rows([500, 1]);
    expect(carveSegment(first, rules(first))).toEqual({ action: "write", chunks: 1, rawBytes: 500, full: true });
    const second = rows([10, 500]);
    expect(carveSegment(second, rules(second))).toEqual({ action: "write", chunks: 1, rawBytes: 10, full: true });
  });

  it("bounds the chunks per segment", () => {
    const many = rows([1, 1, 1, 1]);
    expect(carveSegment(many, rules(many, { maxChunks: 3 }))).toEqual({ action: "write", chunks: 3, rawBytes: 3, full: true });
    // Exactly maxChunks rows and nothing after them: not full, written because the session is quiet.
    const exact = rows([1, 1, 1]);
    expect(carveSegment(exact, rules(exact, { maxChunks: 3 }))).toEqual({ action: "write", chunks: 3, rawBytes: 3, full: false });
  });

  it("writes a running session's partial segment only when every durable row is in it and cold", () => {
    const partial = rows([10, 10]);
    expect(carveSegment(partial, rules(partial))).toEqual({ action: "write", chunks: 2, rawBytes: 20, full: false });
    // Durable rows beyond these (not read yet, or not stored raw): wait for them.
    expect(carveSegment(partial, rules(partial, { durableSeq: 3 }))).toEqual({ action: "wait" });
    // A hot row behind cold ones: the session is still writing.
    const warm = rows([10, 10, 10], (i) => (i === 2 ? HOT : COLD));
    expect(carveSegment(warm, rules(warm))).toEqual({ action: "wait" });
    // The first row hot: nothing to carve.
    const hot = rows([10], () => HOT);
    expect(carveSegment(hot, rules(hot))).toEqual({ action: "wait" });
  });

  it("takes a row stamped exactly at the cold bound as hot", () => {
    const edge = rows([10, 10], (i) => (i === 0 ? COLD : HOT));
    expect(carveSegment(edge, rules(edge))).toEqual({ action: "wait" });
    const justCold = rows([10, 10], () => COLD);
    expect(carveSegment(justCold, rules(justCold))).toEqual({ action: "write", chunks: 2, rawBytes: 20, full: false });
  });

  it("writes an ended session's rows at once, hot or partial", () => {
    const hot = rows([10, 10], () => HOT);
    expect(carveSegment(hot, rules(hot, { ended: true }))).toEqual({ action: "write", chunks: 2, rawBytes: 20, full: false });
    expect(carveSegment(hot, rules(hot, { ended: true, durableSeq: 9 }))).toEqual({ action: "write", chunks: 2, rawBytes: 20, full: false });
  });

  it("over the retention cap, packs hot rows into full segments only", () => {
    const hotFull = rows([60, 60], () => HOT);
    expect(carveSegment(hotFull, rules(hotFull, { overCap: true }))).toEqual({ action: "write", chunks: 1, rawBytes: 60, full: true });
    const hotPartial = rows([60, 30], () => HOT);
    expect(carveSegment(hotPartial, rules(hotPartial, { overCap: true }))).toEqual({ action: "wait" });
  });

  it("stops at a row whose seq or offset does not follow the one before", () => {
    const seqGap = rows([10, 10, 10]);
    seqGap[2] = { ...seqGap[2]!, seq: 4 };
    expect(carveSegment(seqGap, rules(seqGap, { ended: true }))).toEqual({ action: "stop", brokenAtSeq: 4 });
    const offsetGap = rows([10, 10, 10]);
    offsetGap[1] = { ...offsetGap[1]!, byte_offset: 11 };
    expect(carveSegment(offsetGap, rules(offsetGap, { ended: true }))).toEqual({ action: "stop", brokenAtSeq: 2 });
    // A gap beyond a full segment is not looked at yet: that segment is written.
    const afterFull = rows([60, 40, 10]);
    afterFull[2] = { ...afterFull[2]!, seq: 7 };
    expect(carveSegment(afterFull, rules(afterFull))).toEqual({ action: "write", chunks: 2, rawBytes: 100, full: true });
  });
});
