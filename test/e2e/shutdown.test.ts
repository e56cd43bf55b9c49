/**
 * Stopping the pty-service ends its sessions cleanly: every program is gone, its output is
 * stored to the last byte and it is recorded as KILLED, within the grace period.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { processesInSession } from "../../pty-service/src/signals.js";
import { contiguous, getSession, readHistory, spawn, startSystem, waitFor, type System } from "./helpers.js";
import { Programs } from "./programs.js";

let sys: System;
const programs = new Programs();

beforeAll(async () => {
  sys = await startSystem("e2e_shutdown", { ptyEnv: { PTY_KILL_GRACE_MS: "300" } });
});

afterAll(async () => {
  await sys?.close();
  programs.remove();
});

describe("shutdown", () => {
  it("kills every session, stores its output and records it as KILLED", async () => {
    const sleeper = await spawn(sys, { command: "sleep", args: ["1000"] });
    const stubborn = await spawn(sys, { command: "/bin/sh", args: ["-c", 'trap "" HUP TERM; echo ready; while :; do sleep 1; done'] });
    const writer = await spawn(sys, programs.counter(10_000_000, 500, 5));
    await waitFor("stubborn ready", async () => (await readHistory(sys, stubborn.sessionId)).bytes.toString().includes("ready"));
    await waitFor("writer writing", async () => (await readHistory(sys, writer.sessionId)).chunks.length > 3);

    const started = Date.now();
    await sys.pty.stop(5_000);
    const ms = Date.now() - started;
    expect(ms).toBeLessThan(5_000);

    for (const { sessionId, pid } of [sleeper, stubborn, writer]) {
      expect(processesInSession(pid)).toEqual([]);
      const s = await getSession(sys, sessionId);
      expect(s.state).toBe("SESSION_STATE_KILLED");
      expect(s.durableSeq).toBe(s.finalSeq);
    }
    // The writer's output up to its end is stored whole: a prefix of what it would have written.
    const history = await readHistory(sys, writer.sessionId);
    const bytes = contiguous(history.chunks);
    expect(bytes.equals(Programs.counterOutput(Math.ceil(bytes.length / 9)).subarray(0, bytes.length))).toBe(true);
    expect(history.end?.reason).toBe("HISTORY_END_REASON_COMPLETE");
  });
});
