/** One session's send cursor: in order, each chunk once per stream, resent from the last ack after a break. */
import { describe, expect, it } from "vitest";
import { SendCursor } from "./send-cursor.js";

/** Writes everything unsent, as the link's pump does, and returns the seqs written. */
function drain(cursor: SendCursor): number[] {
  const written: number[] = [];
  while (cursor.hasUnsent) {
    written.push(cursor.nextSeq);
    cursor.wrote(cursor.nextSeq);
  }
  return written;
}

describe("SendCursor", () => {
  it("writes each produced chunk once, in order", () => {
    const c = new SendCursor();
    expect(c.hasUnsent).toBe(false);
    c.produce(3);
    expect(drain(c)).toEqual([1, 2, 3]);
    c.produce(5);
    expect(drain(c)).toEqual([4, 5]);
    expect(drain(c)).toEqual([]);
  });

  it("after a break, writes again exactly the unacknowledged chunks, in order, each once", () => {
    const c = new SendCursor();
    c.produce(10);
    drain(c);
    expect(c.ack(4)).toBe(true);
    c.rewind();
    c.produce(12);
    expect(drain(c)).toEqual([5, 6, 7, 8, 9, 10, 11, 12]);
    // A second break before any further ack: the same chunks again, still from the ack.
    c.rewind();
    expect(drain(c)).toEqual([5, 6, 7, 8, 9, 10, 11, 12]);
  });

  it("takes only newer acks as news, and is done once everything produced is acknowledged", () => {
    const c = new SendCursor();
    c.produce(6);
    drain(c);
    expect(c.ack(6)).toBe(true);
    expect(c.ack(6)).toBe(false);
    expect(c.ack(2)).toBe(false);
    expect([c.durableSeq, c.hasUnacked]).toEqual([6, false]);
    c.rewind();
    expect(drain(c)).toEqual([]);
  });

  it("does not write again what the store acknowledges beyond this stream's writes (it kept them from the broken one)", () => {
    // The store committed 1..10 from the first stream, but only the ack for 3 arrived before it
    // broke. On the next stream it answers the resent 4 with durable_seq 10: the session may have
    // dropped 5..10 from memory by then, so they must not be asked for again.
    const c = new SendCursor();
    c.produce(10);
    drain(c);
    c.ack(3);
    c.rewind();
    c.produce(12);
    expect(c.nextSeq).toBe(4);
    c.wrote(4);
    c.ack(10);
    expect(drain(c)).toEqual([11, 12]);
  });
});
