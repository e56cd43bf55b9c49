/**
 * The store goes away and comes back: output is held (then the program is paused), resent from
 * the last ack on reconnect, and the stored history is complete with no duplicate. While the
 * store is down the pty-service's memory stays bounded by the high-water mark.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import type { PtyApi } from "@ptykeep/proto";
import { contiguous, getSession, readHistory, rpc, sha256, spawn, startSystem, waitFor, waitStoredEnd, type System } from "./helpers.js";
import { Programs } from "./programs.js";

const HIGH_WATER = 256 * 1024;
let sys: System;
const programs = new Programs();

beforeAll(async () => {
  sys = await startSystem("e2e_outage", { ptyEnv: { PTY_SESSION_HIGH_WATER_BYTES: String(HIGH_WATER) } });
});

afterAll(async () => {
  await sys?.close();
  programs.remove();
});

async function sessionInfo(sessionId: string): Promise<PtyApi.PtySession__Output> {
  const res = await rpc<PtyApi.ListSessionsResponse__Output>(sys.ptyClient, "ListSessions", {});
  const s = res.sessions.find((x) => x.sessionId === sessionId);
  if (!s) throw new Error(`session ${sessionId} not listed`);
  return s;
}

describe("store outage", () => {
  it("survives the store stopping abruptly mid-stream and restarting: complete history, no duplicates", async () => {
    const n = 600_000; // 5.4 MB over a few seconds
    const expected = Programs.counterOutput(n);
    const { sessionId } = await spawn(sys, programs.counter(n, 1000, 2));
    await waitFor("output flowing", async () => (await getSession(sys, sessionId)).durableBytes >= 200_000);
    await sys.stopStore(0);
    const during = await sessionInfo(sessionId);
    expect(during.state).toBe("SESSION_STATE_RUNNING");
    // Output goes on into memory while the store is away…
    await waitFor("output while the store is down", async () => (await sessionInfo(sessionId)).lastSeq > during.lastSeq + 3);
    await sys.startStore();
    const session = await waitStoredEnd(sys, sessionId, 60_000);
    const history = await readHistory(sys, sessionId);
    const bytes = contiguous(history.chunks);
    expect(bytes.length).toBe(expected.length);
    expect(bytes.equals(expected)).toBe(true);
    expect(session.finalSeq).toBe(history.chunks.length);
  });

  it("pauses the program while the store is down longer than the high-water mark allows, with memory bounded", async () => {
    const content = randomBytes(8 * 1024 * 1024);
    const file = programs.file("8m.bin", content);
    await sys.stopStore(1_000);
    // Spawn does not wait for the store beyond a short registration attempt.
    const { sessionId } = await spawn(sys, programs.rawCat(file));
    const paused = await waitFor("the program paused", async () => {
      const s = await sessionInfo(sessionId);
      return s.paused ? s : undefined;
    });
    // Stays paused and bounded: nothing more is read while nothing is acknowledged.
    await new Promise((r) => setTimeout(r, 500));
    const later = await sessionInfo(sessionId);
    expect(later.paused).toBe(true);
    expect(later.state).toBe("SESSION_STATE_RUNNING");
    expect(later.durableSeq).toBe(0);
    const held = sys.pty.unackedBytes();
    console.log(`store down: program paused at seq ${paused.lastSeq}, ${held} bytes held (high-water ${HIGH_WATER}) while 8 MiB wait to be written`);
    expect(held).toBeGreaterThan(HIGH_WATER / 2);
    // The high-water mark plus at most one coalesced read batch and the stream's buffer.
    expect(held).toBeLessThan(HIGH_WATER + 512 * 1024);

    await sys.startStore();
    await waitStoredEnd(sys, sessionId, 60_000);
    const history = await readHistory(sys, sessionId);
    expect(sha256(contiguous(history.chunks))).toBe(sha256(content));
    expect(sys.pty.unackedBytes()).toBe(0);
  });
});
