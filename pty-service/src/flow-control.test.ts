/** The flow budget: per-session and global marks, and waking sessions when there is room again. */
import { describe, expect, it } from "vitest";
import { FlowBudget, SessionFlow, type FlowParticipant } from "./flow-control.js";
import { OutputLog, chunkCredit } from "./output-log.js";

function participant(): FlowParticipant & { relieved: number } {
  return {
    relieved: 0,
    onGlobalRelief() {
      this.relieved++;
    },
  };
}

describe("FlowBudget", () => {
  it("pauses above a session's high-water mark and resumes below its low-water mark", () => {
    const flow = new FlowBudget({ sessionHighWaterBytes: 100, sessionLowWaterBytes: 25, totalHighWaterBytes: 1000 });
    const p = participant();
    expect(flow.shouldPause(100, p)).toBe(false);
    expect(flow.shouldPause(101, p)).toBe(true);
    expect(flow.mayResume(26, p)).toBe(false);
    expect(flow.mayResume(25, p)).toBe(true);
  });

  it("pauses everyone above the global mark and wakes them once the total falls below half of it", () => {
    const flow = new FlowBudget({ sessionHighWaterBytes: 1000, sessionLowWaterBytes: 10, totalHighWaterBytes: 100 });
    const a = participant();
    const b = participant();
    flow.add(150);
    expect(flow.shouldPause(5, a)).toBe(true);
    expect(flow.mayResume(5, b)).toBe(false);
    flow.release(60); // 90: still above 50
    expect(a.relieved + b.relieved).toBe(0);
    flow.release(40); // 50
    expect([a.relieved, b.relieved]).toEqual([1, 1]);
    expect(flow.mayResume(5, a)).toBe(true);
    expect(flow.unackedBytes).toBe(50);
  });
});

describe("SessionFlow with a session's output log", () => {
  /** A session as the actor runs it: its output log, counted in a budget, and its pause state. */
  function session(limits: { sessionHighWaterBytes: number; sessionLowWaterBytes: number; totalHighWaterBytes: number }, flow = new FlowBudget(limits)) {
    const log = new OutputLog({ ringBytes: 0, maxChunkBytes: 1 << 20 });
    const p = participant();
    const pause = new SessionFlow(flow, p);
    return {
      flow,
      log,
      p,
      pause,
      /** Appends n bytes; true when the PTY was told to pause by this output. */
      write(n: number): boolean {
        for (const c of log.append(Buffer.alloc(n), 0)) flow.add(chunkCredit(c.data.length));
        return pause.pauseNow(log.unackedCreditBytes);
      },
      /** Acks up to seq; true when the PTY was told to resume by this ack. */
      ack(seq: number): boolean {
        flow.release(log.ack(seq));
        return pause.resumeNow(log.unackedCreditBytes, false);
      },
    };
  }

  it("pauses once the unacknowledged bytes plus per-chunk overhead pass the high-water mark, and only once", () => {
    const high = 10 * chunkCredit(100);
    const s = session({ sessionHighWaterBytes: high, sessionLowWaterBytes: high / 4, totalHighWaterBytes: 1 << 30 });
    for (let i = 0; i < 10; i++) expect(s.write(100)).toBe(false); // exactly at the mark: still running
    expect(s.pause.paused).toBe(false);
    expect(s.write(1)).toBe(true);
    expect(s.pause.paused).toBe(true);
    expect(s.write(100)).toBe(false); // already paused: not paused twice
  });

  it("counts the overhead of small chunks: many one-byte chunks pause too", () => {
    const s = session({ sessionHighWaterBytes: 1000, sessionLowWaterBytes: 250, totalHighWaterBytes: 1 << 30 });
    let chunks = 0;
    while (!s.write(1)) chunks++;
    expect(chunks + 1).toBe(Math.floor(1000 / chunkCredit(1)) + 1);
  });

  it("resumes only once the acks bring it to the low-water mark", () => {
    const c = chunkCredit(100);
    const s = session({ sessionHighWaterBytes: 8 * c, sessionLowWaterBytes: 2 * c, totalHighWaterBytes: 1 << 30 });
    for (let i = 0; i < 9; i++) s.write(100);
    expect(s.pause.paused).toBe(true);
    expect(s.ack(6)).toBe(false); // 3 chunks left: above the low-water mark
    expect(s.ack(7)).toBe(true); // 2 chunks: at the mark
    expect(s.pause.paused).toBe(false);
    expect(s.ack(9)).toBe(false); // not paused: nothing to resume
  });

  it("waits for the total to fall under half the global mark, then is woken and resumes", () => {
    const c = chunkCredit(100);
    const limits = { sessionHighWaterBytes: 100 * c, sessionLowWaterBytes: 50 * c, totalHighWaterBytes: 4 * c };
    const flow = new FlowBudget(limits);
    const a = session(limits, flow);
    const b = session(limits, flow);
    for (let i = 0; i < 3; i++) a.write(100);
    expect(b.write(100)).toBe(false); // 4 chunks in all: at the global mark
    expect(b.write(100)).toBe(true); // 5: above it, though b alone is far below its own mark
    expect(a.ack(1)).toBe(false); // 4 left: still above half the global mark
    expect(b.p.relieved).toBe(0);
    a.ack(3); // 2 left: at half of it
    expect(b.p.relieved).toBe(1);
    expect(b.pause.resumeNow(b.log.unackedCreditBytes, false)).toBe(true);
  });

  it("lets an ended session's PTY go, whatever is unacknowledged, and forgets it", () => {
    const s = session({ sessionHighWaterBytes: 10, sessionLowWaterBytes: 5, totalHighWaterBytes: 1 << 30 });
    expect(s.write(100)).toBe(true);
    expect(s.pause.resumeNow(s.log.unackedCreditBytes, true)).toBe(true);
    s.write(100);
    s.pause.end();
    expect(s.pause.paused).toBe(false);
  });
});
