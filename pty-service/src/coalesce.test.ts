/** Which reads go out at once and which are gathered into a larger chunk. */
import { describe, expect, it } from "vitest";
import { Gatherer, sendAtOnce } from "./coalesce.js";
import { TUNING } from "./config.js";

const SILENCE = TUNING.COALESCE_DELAY_MS;

describe("sendAtOnce", () => {
  it("sends a short read after a silence at once (a keystroke's echo pays no delay)", () => {
    expect(sendAtOnce({ readBytes: 1, pendingBytes: 1, msSinceLastChunk: SILENCE })).toBe(true);
    expect(sendAtOnce({ readBytes: 2000, pendingBytes: 2000, msSinceLastChunk: 1000 })).toBe(true);
  });

  it("gathers a full PTY read even after a silence: more output is already waiting", () => {
    expect(sendAtOnce({ readBytes: TUNING.FULL_READ_BYTES, pendingBytes: TUNING.FULL_READ_BYTES, msSinceLastChunk: 1000 })).toBe(false);
  });

  it("gathers reads that follow the last chunk closely, and reads joining waiting ones", () => {
    expect(sendAtOnce({ readBytes: 10, pendingBytes: 10, msSinceLastChunk: SILENCE - 1 })).toBe(false);
    expect(sendAtOnce({ readBytes: 10, pendingBytes: 500, msSinceLastChunk: 1000 })).toBe(false);
  });

  it("cuts a chunk once COALESCE_BYTES are gathered", () => {
    expect(sendAtOnce({ readBytes: 4095, pendingBytes: TUNING.COALESCE_BYTES, msSinceLastChunk: 0 })).toBe(true);
  });
});

describe("Gatherer", () => {
  it("cuts the waiting reads into one buffer of their own, stamped with the first read's time", () => {
    const g = new Gatherer();
    const pool = Buffer.from("..hello, world..");
    expect(g.add(pool.subarray(2, 8), 100)).toBe(true); // a short read after a silence
    g.add(pool.subarray(8, 14), 101);
    expect(g.pendingBytes).toBe(12);
    const cut = g.cut(102)!;
    expect(cut.data.toString("latin1")).toBe("hello, world");
    expect(cut.ts).toBe(100);
    // Its own memory: neither a view into the reads' buffer nor shared with it.
    expect(cut.data.buffer).not.toBe(pool.buffer);
    expect(cut.data.byteLength).toBe(cut.data.buffer.byteLength);
    expect(g.pendingBytes).toBe(0);
    expect(g.cut(103)).toBeUndefined();
  });

  it("times the silence from the last cut: a read right after it is gathered, one after a silence is not", () => {
    const g = new Gatherer();
    g.add(Buffer.from("a"), 1000);
    g.cut(1000);
    expect(g.add(Buffer.from("b"), 1000 + SILENCE - 1)).toBe(false);
    g.cut(1000 + SILENCE);
    expect(g.add(Buffer.from("c"), 1000 + 2 * SILENCE)).toBe(true);
    expect(g.cut(1000 + 2 * SILENCE)!.ts).toBe(1000 + 2 * SILENCE);
  });

  it("asks for a cut once COALESCE_BYTES are waiting", () => {
    const g = new Gatherer();
    const read = Buffer.alloc(TUNING.FULL_READ_BYTES);
    let reads = 0;
    while (!g.add(read, 0)) reads++;
    expect(g.pendingBytes).toBeGreaterThanOrEqual(TUNING.COALESCE_BYTES);
    expect(g.pendingBytes - read.length).toBeLessThan(TUNING.COALESCE_BYTES);
    expect(reads).toBeGreaterThan(0);
  });
});
