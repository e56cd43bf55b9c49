/**
 * Compacted and trimmed history through the whole system: a real program's output, compacted
 * into segments and cut by retention while the session keeps running; Attach through the
 * pty-service from seq 1 says where kept history starts (truncated), and every kept byte comes
 * back as the program wrote it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "@ptykeep/proto";
import { createPool } from "../../store-service/src/db/pool.js";
import { Compactor } from "../../store-service/src/compactor.js";
import { attach, contiguous, getSession, readHistory, spawn, startSystem, waitFor, type System } from "../e2e/helpers.js";

const log = createLogger("test", "silent");
let sys: System;
beforeAll(async () => {
  // The compactor is run by the test; the snapshot job would hold the same per-session lock
  // (each skips a session the other is working on), so it is off here too.
  sys = await startSystem("hist_attach", { storeEnv: { STORE_COMPACTOR: "off", STORE_SNAPSHOTTER: "off", STORE_REAPER: "off" } });
});
afterAll(async () => {
  await sys?.close();
});

describe("Attach over compacted, trimmed history", () => {
  it("starts at the first kept seq with truncated set, and replays the kept bytes exactly", async () => {
    const lines = 300_000; // about 2 MB of `seq` output
    const { sessionId } = await spawn(sys, { command: "sh", args: ["-c", `seq 1 ${lines}; exec sleep 600`] });
    const all = Buffer.from(Array.from({ length: lines }, (_, i) => `${i + 1}\r\n`).join(""));
    await waitFor("all output durable", async () => Number((await getSession(sys, sessionId)).durableBytes) === all.length, 60_000);

    const cap = 512 * 1024;
    const pool = createPool({ databaseUrl: sys.dbUrl, max: 4, connectTimeoutMs: 5_000, statementTimeoutMs: 30_000, log });
    try {
      const compactor = new Compactor({ pool, log, compactAfterMs: 0, retentionBytes: cap, retentionMaxAgeMs: 0, segmentRawBytes: 64 * 1024 });
      await compactor.runOnce();
      expect(compactor.stats.segmentsDropped).toBeGreaterThan(0);
    } finally {
      await pool.end();
    }
    const s = await getSession(sys, sessionId);
    expect(s.state).toBe("SESSION_STATE_RUNNING");
    const firstKept = Number(s.firstKeptSeq);
    expect(firstKept).toBeGreaterThan(1);

    const store = await readHistory(sys, sessionId, 1);
    expect(store.start).toMatchObject({ fromSeq: firstKept, truncated: true });
    const keptFrom = Number(store.start!.offset);
    expect(all.length - keptFrom).toBeLessThanOrEqual(cap);
    expect(contiguous(store.chunks, firstKept, keptFrom).equals(all.subarray(keptFrom))).toBe(true);

    // Through the pty-service: its memory holds only the newest output, the rest comes from the store.
    const run = attach(sys, { sessionId, fromSeq: 1 });
    await run.untilBytes(all.length - keptFrom, 30_000);
    const start = run.events[0]?.start;
    expect(start).toMatchObject({ fromSeq: firstKept, truncated: true, offset: keptFrom });
    expect(contiguous(run.chunks, firstKept, keptFrom).equals(all.subarray(keptFrom))).toBe(true);
    run.call.cancel();
    await run.done;
  });
});
