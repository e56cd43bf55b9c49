/**
 * The session's output log: seq/offset assignment, the outbox that keeps every unacknowledged
 * chunk, the ring bounded in bytes, what a resuming viewer finds in memory, and ack accounting.
 */
import { describe, expect, it } from "vitest";
import { CHUNK_OVERHEAD_BYTES, OutputLog, chunkCredit } from "./output-log.js";

const bytes = (n: number, fill = 0x61) => Buffer.alloc(n, fill);

/** Appends one chunk per size, with distinct contents, and returns the log. */
function logWith(sizes: number[], opts = { ringBytes: 1000, maxChunkBytes: 1000 }): OutputLog {
  const log = new OutputLog(opts);
  sizes.forEach((n, i) => log.append(bytes(n, 0x41 + (i % 26)), 1000 + i));
  return log;
}

const seqs = (log: OutputLog) => log.held().map((c) => c.seq);

describe("OutputLog: seq and offset", () => {
  it("numbers chunks from 1 without gaps and gives each the offset of its first byte", () => {
    const log = logWith([3, 5, 1]);
    expect(log.held().map((c) => [c.seq, c.offset, c.data.length])).toEqual([
      [1, 0, 3],
      [2, 3, 5],
      [3, 8, 1],
    ]);
    expect(log.lastSeq).toBe(3);
    expect(log.nextOffset).toBe(9);
  });

  it("cuts output longer than the chunk limit into full chunks and a rest, bytes unchanged", () => {
    const log = new OutputLog({ ringBytes: 0, maxChunkBytes: 4 });
    const data = Buffer.from("0123456789");
    const chunks = log.append(data, 7);
    expect(chunks.map((c) => c.data.toString("latin1"))).toEqual(["0123", "4567", "89"]);
    expect(chunks.map((c) => [c.seq, c.offset, c.ts])).toEqual([
      [1, 0, 7],
      [2, 4, 7],
      [3, 8, 7],
    ]);
    expect(Buffer.concat(log.held().map((c) => c.data)).equals(data)).toBe(true);
    // Exactly the limit is one chunk, and nothing appended is no chunk.
    expect(log.append(bytes(4), 8).map((c) => c.seq)).toEqual([4]);
    expect(log.append(Buffer.alloc(0), 9)).toEqual([]);
    expect([log.lastSeq, log.nextOffset]).toEqual([4, 14]);
  });
});

describe("OutputLog: outbox and ring", () => {
  it("holds every unacknowledged chunk, whatever the ring budget", () => {
    const log = logWith([600, 600, 600], { ringBytes: 0, maxChunkBytes: 1000 });
    expect(seqs(log)).toEqual([1, 2, 3]);
    log.ack(1);
    expect(seqs(log)).toEqual([2, 3]);
  });

  it("keeps the newest acknowledged chunks up to the byte budget and drops whole chunks, oldest first", () => {
    const log = logWith([100, 100, 100, 100, 100], { ringBytes: 250, maxChunkBytes: 1000 });
    log.ack(5);
    // 500 durable bytes: the oldest go until at most 250 remain (two whole chunks, not two and a half).
    expect(seqs(log)).toEqual([4, 5]);
    expect(log.firstHeldSeq).toBe(4);
  });

  it("keeps a ring exactly at its budget, and drops the oldest once one byte over", () => {
    const log = logWith([100, 100], { ringBytes: 200, maxChunkBytes: 1000 });
    log.ack(2);
    expect(seqs(log)).toEqual([1, 2]);
    log.append(bytes(1), 2000);
    log.ack(3);
    expect(seqs(log)).toEqual([2, 3]);
  });

  it("counts only acknowledged bytes against the ring: unacknowledged ones do not push durable ones out", () => {
    const log = logWith([100, 100, 500], { ringBytes: 200, maxChunkBytes: 1000 });
    log.ack(2);
    expect(seqs(log)).toEqual([1, 2, 3]);
  });

  it("keeps no acknowledged chunk once the ring is dropped (the store holds the whole session)", () => {
    const log = logWith([10, 10, 10], { ringBytes: 1000, maxChunkBytes: 1000 });
    log.ack(2);
    log.dropRing();
    expect(seqs(log)).toEqual([3]);
    log.ack(3);
    expect(seqs(log)).toEqual([]);
    expect(log.firstHeldSeq).toBe(4);
  });

  it("still finds every held chunk after thousands were dropped (the deque compacts)", () => {
    const log = new OutputLog({ ringBytes: 10, maxChunkBytes: 1000 });
    for (let i = 1; i <= 5000; i++) {
      log.append(Buffer.from([i % 256]), i);
      log.ack(i - 1);
    }
    expect(seqs(log)).toEqual([4990, 4991, 4992, 4993, 4994, 4995, 4996, 4997, 4998, 4999, 5000]);
    for (const seq of [4990, 4995, 5000]) expect(log.chunkAt(seq)!.data[0]).toBe(seq % 256);
    expect(log.chunkAt(4989)).toBeUndefined();
    expect(log.chunkAt(5001)).toBeUndefined();
  });
});

describe("OutputLog: what a resuming viewer finds in memory", () => {
  it("serves from the first held seq on, contiguously; anything older is durable, for the store to replay", () => {
    const log = logWith([100, 100, 100, 100, 100, 100], { ringBytes: 200, maxChunkBytes: 1000 });
    log.ack(4);
    const first = log.firstHeldSeq;
    const held = log.held();
    expect(first).toBe(3);
    // Memory: seq first..last without a gap, each at the offset that follows its predecessor.
    expect(held.map((c) => c.seq)).toEqual([3, 4, 5, 6]);
    for (let i = 1; i < held.length; i++) expect(held[i]!.offset).toBe(held[i - 1]!.offset + held[i - 1]!.data.length);
    // A viewer resuming at seq 5 is served from memory, starting at that chunk's offset.
    expect(held[5 - first]).toBe(log.chunkAt(5));
    expect(log.chunkAt(5)!.offset).toBe(400);
    // A viewer resuming at seq 2 needs 2..first-1 from the store: all of it already durable.
    expect(log.chunkAt(2)).toBeUndefined();
    expect(first - 1).toBeLessThanOrEqual(log.durableSeq);
  });

  it("holds nothing before any output: the live edge is seq 1 at offset 0", () => {
    const log = new OutputLog({ ringBytes: 100, maxChunkBytes: 100 });
    expect([log.firstHeldSeq, log.lastSeq, log.nextOffset, log.held()]).toEqual([1, 0, 0, []]);
  });
});

describe("OutputLog: acks", () => {
  it("releases exactly the credit of the chunks an ack covers, and nothing for an old ack", () => {
    const log = logWith([10, 20, 30, 40]);
    expect(log.unackedBytes).toBe(100);
    expect(log.unackedCreditBytes).toBe(100 + 4 * CHUNK_OVERHEAD_BYTES);
    expect(log.ack(2)).toBe(chunkCredit(10) + chunkCredit(20));
    expect([log.durableSeq, log.unackedBytes, log.unackedCreditBytes]).toEqual([2, 70, chunkCredit(30) + chunkCredit(40)]);
    expect(log.ack(2)).toBe(0);
    expect(log.ack(1)).toBe(0);
    expect(log.durableSeq).toBe(2);
    expect(log.ack(4)).toBe(chunkCredit(30) + chunkCredit(40));
    expect([log.unackedBytes, log.unackedCreditBytes]).toEqual([0, 0]);
  });

  it("adds up to what was appended, however the acks are split", () => {
    const sizes = [1, 7, 300, 2, 2, 50, 999, 4];
    const log = logWith(sizes);
    let released = 0;
    for (const seq of [3, 4, 8]) released += log.ack(seq);
    expect(released).toBe(sizes.reduce((sum, n) => sum + chunkCredit(n), 0));
  });
});

describe("OutputLog: resending after the store reconnects", () => {
  it("still holds every unacknowledged chunk, in order and with its bytes, however long the store was away", () => {
    const log = new OutputLog({ ringBytes: 0, maxChunkBytes: 8 });
    const written: Buffer[] = [];
    for (let i = 0; i < 40; i++) {
      const data = Buffer.from(`line ${i}\n`);
      written.push(data);
      log.append(data, i);
      if (i === 9) log.ack(6);
    }
    const resent: Buffer[] = [];
    for (let seq = log.durableSeq + 1; seq <= log.lastSeq; seq++) resent.push(log.chunkAt(seq)!.data);
    const acked = log.held()[0]!.offset;
    expect(Buffer.concat(resent).equals(Buffer.concat(written).subarray(acked))).toBe(true);
    expect(log.held()[0]!.seq).toBe(7);
  });
});
