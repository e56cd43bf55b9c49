/** The flow budget: per-session and global marks, and waking sessions when there is room again. */
import { describe, expect, it } from "vitest";
import { FlowBudget, type FlowParticipant } from "./flow-control.js";

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
