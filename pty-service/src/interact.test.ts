/** The Interact window: credit by acks, waiting when full, the seq a cut viewer resumes from. */
import { describe, expect, it } from "vitest";
import { Code, ServiceError } from "@ptykeep/proto";
import { AckWindow } from "./interact.js";

const never = new AbortController().signal;

/** Whether admit resolves before the pending callbacks have run. */
async function admitted(p: Promise<void>): Promise<boolean> {
  let done = false;
  void p.then(() => (done = true));
  await new Promise((r) => setImmediate(r));
  return done;
}

describe("AckWindow", () => {
  it("counts each chunk's bytes plus 64 and holds back the chunk that would pass the window until an ack frees room", async () => {
    const w = new AckWindow(1000);
    await w.admit(1, 400 - 64, never);
    await w.admit(2, 400 - 64, never);
    expect(w.unackedBytes).toBe(800);
    const third = w.admit(3, 201 - 64, never);
    expect(await admitted(third)).toBe(false);
    expect(w.resumeSeq(3)).toBe(1);
    expect(w.describe()).toMatch(/800 bytes sent after seq 0 were not acknowledged \(PTY_INTERACT_WINDOW_BYTES=1000\)/);
    w.ack(1);
    expect(await admitted(third)).toBe(true);
    expect(w.unackedBytes).toBe(601);
    expect(w.resumeSeq(4)).toBe(2);
  });

  it("frees what an ack covers, ignores an older ack, refuses one beyond what was sent", async () => {
    const w = new AckWindow(1000);
    for (let seq = 10; seq < 14; seq++) await w.admit(seq, 250 - 64, never);
    w.ack(11);
    expect(w.unackedBytes).toBe(500);
    expect(w.resumeSeq(14)).toBe(12);
    w.ack(10);
    expect(w.unackedBytes).toBe(500);
    let refused: unknown;
    try {
      w.ack(14);
    } catch (err) {
      refused = err;
    }
    expect(refused).toBeInstanceOf(ServiceError);
    expect((refused as ServiceError).code).toBe(Code.INVALID_ARGUMENT);
    expect((refused as ServiceError).message).toMatch(/ack_seq 14 is beyond the last output sent on this stream \(seq 13\)/);
    w.ack(13);
    expect(w.unackedBytes).toBe(0);
    expect(w.resumeSeq(14)).toBe(14);
  });

  it("lets one chunk through when nothing is outstanding, however large", async () => {
    const w = new AckWindow(1000);
    await w.admit(1, 5000, never);
    const next = w.admit(2, 1, never);
    expect(await admitted(next)).toBe(false);
    w.ack(1);
    expect(await admitted(next)).toBe(true);
  });

  it("stops waiting when its signal fires", async () => {
    const w = new AckWindow(1000);
    await w.admit(1, 900, never);
    const stop = new AbortController();
    const waiting = w.admit(2, 900, stop.signal);
    stop.abort(new Error("viewer left"));
    await expect(waiting).rejects.toThrow("viewer left");
    expect(w.unackedBytes).toBe(964);
  });

  it("keeps its memory bounded across many acknowledged chunks", async () => {
    const w = new AckWindow(1000);
    for (let seq = 1; seq <= 100_000; seq++) {
      await w.admit(seq, 1, never);
      w.ack(seq);
    }
    expect((w as unknown as { sent: unknown[] }).sent.length).toBeLessThan(3000);
  });
});
