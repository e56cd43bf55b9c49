/**
 * The screen snapshot job across store replicas and crashes. A job process SIGKILLed inside a
 * snapshot's transaction leaves no trace of that snapshot, no lock behind it, and the snapshots it
 * committed whole; another replica then redoes the remaining work once, ending with the same
 * snapshot points as an uninterrupted run, and the screen served from each is right. Two replicas
 * running the job over the same sessions at once store each snapshot point once, feed each byte to
 * an emulator once between them, and leave no session behind.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPool } from "../../store-service/src/db/pool.js";
import { Snapshotter, type SnapshotStep } from "../../store-service/src/snapshotter.js";
import { log, newSession, runUntilKilled, startHistoryFixture, untilSessionLocksReleased, type HistoryFixture } from "../history/helpers.js";
import { SCROLLBACK, checkFromScreen, endSession, fullScreen, snapshotSeqs, storeScript } from "./helpers.js";
import { terminalScript } from "./terminal-script.js";

/** The child starts (tsx, @xterm/headless) and reaches its kill point within this on a loaded machine. */
const CHILD_TIMEOUT_MS = 60_000;
const EVERY_BYTES = 2048;

let fx: HistoryFixture;
beforeAll(async () => {
  fx = await startHistoryFixture("screen_replicas");
});
afterAll(async () => {
  await fx?.shutdown();
});

/** A job of its own (a replica's), on a pool of its own; snapshot points as the child's. */
function job(pool = fx.pool, onStep?: (step: SnapshotStep, s: { sessionId: string; atSeq: number }) => void | Promise<void>) {
  return new Snapshotter({ pool, log, everyBytes: EVERY_BYTES, everyMs: 3_600_000, keepEveryBytes: 1, scrollback: SCROLLBACK, onStep });
}

/** Runs the snapshot job child and SIGKILLs it at the nth `step` of `sessionId`; resolves with what it printed. */
function snapshotUntilKilled(killAt: SnapshotStep, sessionId: string, nth: number): Promise<string[]> {
  return runUntilKilled({
    script: "test/screen/snapshot-child.ts",
    env: { DATABASE_URL: fx.dbUrl, EVERY_BYTES: String(EVERY_BYTES), SCROLLBACK: String(SCROLLBACK), STEP_PAUSE_MS: "50" },
    name: "snapshot child",
    step: killAt,
    linePrefix: `${killAt} ${sessionId} `,
    nth,
    timeoutMs: CHILD_TIMEOUT_MS,
  });
}

describe("screen snapshot job across replicas", () => {
  it("killed inside a snapshot's transaction: nothing half-written, the work redone once, the screen right", async () => {
    const script = terminalScript(23);
    // The same ended session twice: one snapshotted by the process that is killed and then by
    // another replica, the other (created later, so the child reaches it last) in one run.
    const killed = await newSession(fx);
    const reference = await newSession(fx);
    let end = { seq: 0, offset: 0, changeNo: 0 };
    for (const id of [killed, reference]) {
      end = await storeScript(fx, id, script, { seq: 1, offset: 0, changeNo: 0 });
      await endSession(fx, id, end.seq - 1);
    }

    const lines = await snapshotUntilKilled("inserted", killed, 2);
    await untilSessionLocksReleased(fx, "session lock still held after the snapshot job was killed");
    const inserted = lines.filter((l) => l.startsWith(`inserted ${killed} `)).map((l) => Number(l.split(" ")[2]));
    const committed = lines.filter((l) => l.startsWith(`committed ${killed} `)).map((l) => Number(l.split(" ")[2]));
    expect(inserted.length).toBe(2);
    expect(committed).toEqual([inserted[0]]);
    // The snapshot whose transaction was open is absent, the committed one whole, the reference untouched.
    expect(await snapshotSeqs(fx, killed)).toEqual(committed);
    expect(await snapshotSeqs(fx, reference)).toEqual([]);
    const [kept] = await fx.query<{ byte_offset: string }>("SELECT byte_offset FROM screen_snapshots WHERE session_id = $1", [killed]);

    // Another replica: carries on from the committed snapshot, feeding each remaining byte once.
    const replica = job();
    await replica.runOnce();
    expect(replica.stats.bytesFed).toBe(end.offset - Number(kept!.byte_offset) + end.offset);
    const seqs = await snapshotSeqs(fx, killed);
    expect(seqs).toContain(inserted[1]);
    expect(seqs).toEqual(await snapshotSeqs(fx, reference));
    expect(seqs[seqs.length - 1]).toBe(end.seq - 1);
    // Nothing is left to redo: another pass of another replica finds no work.
    const again = job();
    expect(await again.runOnce()).toBe(0);
    expect(again.stats.bytesFed).toBe(0);
    replica.close();
    again.close();

    const want = await fullScreen(fx, killed);
    for (const s of seqs) await checkFromScreen(fx, killed, s, want);
  });

  it("two replicas on the same sessions store each snapshot point once and process every session", async () => {
    const ids: string[] = [];
    let total = 0;
    for (let i = 0; i < 6; i++) {
      const id = await newSession(fx);
      const end = await storeScript(fx, id, terminalScript(31 + i), { seq: 1, offset: 0, changeNo: 0 });
      await endSession(fx, id, end.seq - 1);
      ids.push(id);
      total += end.offset;
    }
    const pools = [0, 1].map(() => createPool({ databaseUrl: fx.dbUrl, max: 4, connectTimeoutMs: 5_000, statementTimeoutMs: 30_000, log, applicationName: "replica-test" }));
    try {
      // Replica A holds its first snapshot's transaction (and its session's lock) open until B has
      // committed one: the two are inside the same sessions' work at the same time.
      let bCommitted!: () => void;
      const bHasCommitted = new Promise<void>((r) => (bCommitted = r));
      let held = false;
      const a = job(pools[0], async (step) => {
        if (step === "inserted" && !held) {
          held = true;
          await bHasCommitted;
        }
      });
      const b = job(pools[1], (step) => {
        if (step === "committed") bCommitted();
      });
      await Promise.all([a.runOnce(), b.runOnce()]);
      // Sessions passed over while the other held them are taken by the next passes.
      while ((await a.runOnce()) + (await b.runOnce()) > 0);

      expect(a.stats.snapshotsWritten).toBeGreaterThan(0);
      expect(b.stats.snapshotsWritten).toBeGreaterThan(0);
      const rows = await fx.query<{ n: string; points: string }>(
        "SELECT count(*) AS n, count(DISTINCT (session_id, at_seq)) AS points FROM screen_snapshots WHERE session_id = ANY($1::uuid[])",
        [ids],
      );
      expect(Number(rows[0]!.n)).toBe(Number(rows[0]!.points));
      // Every snapshot written is there, but those a later one thinned (a pass that stops short of
      // a session's end leaves its newest, which the next pass's thinning may delete).
      expect(Number(rows[0]!.n)).toBe(a.stats.snapshotsWritten + b.stats.snapshotsWritten - a.stats.snapshotsThinned - b.stats.snapshotsThinned);
      // Each session was worked on by one replica: every byte fed once between the two.
      expect(a.stats.bytesFed + b.stats.bytesFed).toBe(total);
      for (const id of ids) {
        const seqs = await snapshotSeqs(fx, id);
        const [s] = await fx.query<{ final_seq: string }>("SELECT final_seq FROM sessions WHERE session_id = $1", [id]);
        expect(seqs[seqs.length - 1]).toBe(Number(s!.final_seq));
        await checkFromScreen(fx, id, 0, await fullScreen(fx, id));
      }
      a.close();
      b.close();
    } finally {
      await Promise.all(pools.map((p) => p.end()));
    }
  });
});
