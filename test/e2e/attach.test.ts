/**
 * Attach while output flows: from 0 (store, then memory, then live), from the middle, from the
 * live edge — each stream contiguous, with no gap and no duplicate, and ending after the exit
 * event. A stalled viewer is cut off with RESOURCE_EXHAUSTED and told where to resume; the
 * program and the other viewers do not notice.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, type PtyApi } from "@ptykeep/proto";
import { attach, contiguous, getSession, rpc, spawn, startSystem, waitFor, waitStoredEnd, type AttachRun, type System } from "./helpers.js";
import { Programs } from "./programs.js";

let sys: System;
const programs = new Programs();

beforeAll(async () => {
  // A small ring, so that attaching from 0 must replay from the store before memory and live.
  sys = await startSystem("e2e_attach", { ptyEnv: { PTY_RING_BYTES: "65536", PTY_VIEWER_BUFFER_BYTES: String(1024 * 1024) } });
});

afterAll(async () => {
  await sys?.close();
  programs.remove();
});

async function sessionInfo(sessionId: string): Promise<PtyApi.PtySession__Output | undefined> {
  const res = await rpc<PtyApi.ListSessionsResponse__Output>(sys.ptyClient, "ListSessions", {});
  return res.sessions.find((s) => s.sessionId === sessionId);
}

/** Checks one attach stream: start first, contiguous output matching expected, exit last. */
function checkStream(run: AttachRun, expected: Buffer): { fromSeq: number } {
  const start = run.events[0]?.start;
  expect(start, "first event is start").toBeTruthy();
  const bytes = contiguous(run.chunks, start!.fromSeq, start!.offset);
  expect(bytes.equals(expected.subarray(start!.offset)), `bytes from offset ${start!.offset}`).toBe(true);
  expect(run.events.at(-1)?.exit, "last event is exit").toBeTruthy();
  expect(run.events.filter((e) => e.start).length).toBe(1);
  return { fromSeq: start!.fromSeq };
}

describe("attach", () => {
  it("replays from 0, the middle and the live edge while output flows, with no gap or duplicate", async () => {
    const n = 150_000;
    const expected = Programs.counterOutput(n);
    const { sessionId } = await spawn(sys, programs.counter(n, 200, 2));
    // 300 KB stored: well past the 64 KiB ring, so seq 1 is only in the store now.
    await waitFor("some output stored", async () => (await getSession(sys, sessionId)).durableBytes >= 300_000);
    const info = (await sessionInfo(sessionId))!;
    const middle = Math.floor(info.lastSeq / 2);
    const fromZero = attach(sys, { sessionId, fromSeq: 0 });
    const fromMiddle = attach(sys, { sessionId, fromSeq: middle });
    const live = attach(sys, { sessionId, liveOnly: true });
    const second = attach(sys, { sessionId, fromSeq: 0 });
    // The program was still running when the viewers attached.
    expect((await sessionInfo(sessionId))?.state).toBe("SESSION_STATE_RUNNING");

    const statuses = await Promise.all([fromZero.done, fromMiddle.done, live.done, second.done]);
    expect(statuses.map((s) => s.code)).toEqual([Code.OK, Code.OK, Code.OK, Code.OK]);
    expect(checkStream(fromZero, expected).fromSeq).toBe(1);
    expect(fromZero.bytes().equals(expected)).toBe(true);
    expect(checkStream(fromMiddle, expected).fromSeq).toBe(middle);
    expect(checkStream(live, expected).fromSeq).toBeGreaterThan(info.lastSeq);
    expect(live.chunks.length).toBeGreaterThan(0);
    // Two viewers of the same range see the same bytes.
    expect(second.bytes().equals(fromZero.bytes())).toBe(true);
    await waitStoredEnd(sys, sessionId);
  });

  it("replays an ended session, then its exit event", async () => {
    const n = 20_000;
    const expected = Programs.counterOutput(n);
    const { sessionId } = await spawn(sys, programs.counter(n, 5000, 0));
    await waitStoredEnd(sys, sessionId);
    const run = attach(sys, { sessionId, fromSeq: 0 });
    expect((await run.done).code).toBe(Code.OK);
    checkStream(run, expected);
    expect(run.bytes().equals(expected)).toBe(true);
    expect(run.events.at(-1)?.exit?.exitCode).toBe(0);
  });

  it("places resize events right after the output they followed, from memory and from the store", async () => {
    const { sessionId } = await spawn(sys, { command: "/bin/sh", args: ["-c", "stty raw -echo; printf A; read x; printf B; read y; printf C"] });
    const step = async (text: string, rows: number, cols: number) => {
      await waitFor(`${text} seen`, async () => (await sessionInfo(sessionId))?.lastSeq === text.length);
      await rpc(sys.ptyClient, "Resize", { sessionId, rows, cols });
      await rpc(sys.ptyClient, "Write", { sessionId, data: Buffer.from("\n") });
    };
    // A viewer from the start while the program runs: memory, then live.
    const whileRunning = attach(sys, { sessionId, fromSeq: 0 });
    await step("A", 50, 132);
    await step("AB", 30, 100);
    await waitStoredEnd(sys, sessionId);
    // After the end: everything from the store.
    const afterEnd = attach(sys, { sessionId, fromSeq: 0 });
    const fromSecond = attach(sys, { sessionId, fromSeq: 2 });
    const shape = (run: AttachRun) =>
      run.events.map((e) => (e.start ? `start ${e.start.fromSeq} ${e.start.rows}x${e.start.cols}` : e.output ? `out ${e.output.data.toString()}` : e.resize ? `resize ${e.resize.rows}x${e.resize.cols}@${e.resize.atSeq}` : `exit ${e.exit?.exitCode}`));
    const expected = ["start 1 24x80", "out A", "resize 50x132@1", "out B", "resize 30x100@2", "out C", "exit 0"];
    for (const run of [whileRunning, afterEnd]) {
      expect((await run.done).code).toBe(Code.OK);
      expect(shape(run)).toEqual(expected);
    }
    expect((await fromSecond.done).code).toBe(Code.OK);
    expect(shape(fromSecond)).toEqual(["start 2 50x132", "out B", "resize 30x100@2", "out C", "exit 0"]);
  });

  it("cuts off a stalled viewer with the seq to resume from; the program and other viewers carry on", async () => {
    const n = 1_000_000; // 9 MB, much more than the 1 MiB viewer buffer and gRPC's buffers
    const expected = Programs.counterOutput(n);
    const { sessionId } = await spawn(sys, programs.counter(n, 2000, 1));
    const stalled = attach(sys, { sessionId, fromSeq: 0 }, { paused: true });
    const healthy = attach(sys, { sessionId, fromSeq: 0 });
    // The program runs to its end although one viewer reads nothing.
    await waitStoredEnd(sys, sessionId, 60_000);
    expect((await healthy.done).code).toBe(Code.OK);
    expect(healthy.bytes().equals(expected)).toBe(true);

    stalled.call.resume();
    const status = await stalled.done;
    expect(status.code).toBe(Code.RESOURCE_EXHAUSTED);
    const resumeFrom = Number(/resume with from_seq=(\d+)/.exec(status.details)?.[1]);
    const got = contiguous(stalled.chunks, 1, 0);
    expect(resumeFrom).toBe((stalled.chunks.at(-1)?.seq ?? 0) + 1);
    // Resuming where it was cut completes the output with nothing missing or doubled.
    const rest = attach(sys, { sessionId, fromSeq: resumeFrom });
    expect((await rest.done).code).toBe(Code.OK);
    expect(Buffer.concat([got, contiguous(rest.chunks, resumeFrom, got.length)]).equals(expected)).toBe(true);
  });
});
