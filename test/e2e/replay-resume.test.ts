/**
 * A replay from the store that is cut on the way (here by connection ageing every few hundred
 * milliseconds; a replica dying does the same) is resumed by the pty-service after the last chunk
 * it got, on another call: the viewer's Attach gets the whole history once, not an error.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code } from "@ptykeep/proto";
import { attach, contiguous, sha256, spawn, startSystem, waitStoredEnd, type System } from "./helpers.js";

/** `seq 1 N` in raw mode: about 19 MB whose bytes the test knows without asking the store. */
const N = 2_500_000;

let sys: System;

beforeAll(async () => {
  sys = await startSystem("e2e_replay_resume", {
    // The pty-service forgets ended sessions at once, so Attach replays them from the store.
    ptyEnv: { PTY_ENDED_RETENTION_MS: "0" },
    storeEnv: { STORE_MAX_CONNECTION_AGE_MS: "300", STORE_MAX_CONNECTION_AGE_GRACE_MS: "100" },
  });
});

afterAll(async () => {
  await sys?.close();
});

describe("a replay cut on the way", () => {
  it("is resumed after the last chunk received: the viewer gets every byte once", async () => {
    const { sessionId } = await spawn(sys, { command: "/bin/sh", args: ["-c", `stty raw -echo; seq 1 ${N}`] });
    await waitStoredEnd(sys, sessionId, 120_000);
    const run = attach(sys, { sessionId, fromSeq: 0 });
    const status = await run.done;
    expect(status.code, status.details).toBe(Code.OK);
    expect(run.events.filter((e) => e.start)).toHaveLength(1);
    expect(run.events.at(-1)?.exit).toBeTruthy();
    const expected = Buffer.from(Array.from({ length: N }, (_, i) => `${i + 1}\n`).join(""), "latin1");
    // contiguous() fails on a missing or repeated seq.
    expect(sha256(contiguous(run.chunks))).toBe(sha256(expected));
  }, 180_000);
});
