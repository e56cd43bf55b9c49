/**
 * The reaper's own tables stay bounded: a pass as lease holder forgets pty nodes that host no
 * starting/running session (keeping those whose lost sessions it still re-checks), and reaper_log
 * entries older than REAPER_TUNING.LOG_KEEP_MS.
 */
import { describe, expect, it } from "vitest";
import { uuidv7 } from "@ptykeep/proto";
import { REAPER_TUNING, Reaper } from "../../store-service/src/reaper.js";
import { pruneNodes } from "../../store-service/src/sql/reaper.js";
import { log, register, startHistoryFixture, unaryCall } from "./helpers.js";

/** Loopback addresses nothing listens on (port 1 is privileged and unused on test machines). */
const GONE_NODE = "127.0.0.1:1";
const QUIET_NODE = "127.0.0.2:1";
const LIVE_NODE = "127.0.0.3:1";

describe("reaper pruning", () => {
  it("deletes pty_nodes rows of nodes without live sessions and reaper_log entries past the keep time", async () => {
    const fx = await startHistoryFixture("hist_reaper_prune");
    // A long grace: the live node's failed check must not make its session lost.
    const reaper = new Reaper({ pool: fx.pool, log, intervalMs: 100, graceMs: 3_600_000, minAgeMs: 0, checkTimeoutMs: 50, recheckMs: 0 });
    try {
      const live = uuidv7();
      await register(fx.client, { sessionId: live, ptyNode: LIVE_NODE });
      await unaryCall(fx.client, "MarkRunning", { sessionId: live, pid: 99 });
      const ended = uuidv7();
      await register(fx.client, { sessionId: ended, ptyNode: QUIET_NODE });
      await unaryCall(fx.client, "MarkExited", { sessionId: ended, exitCode: 0, signal: "", finalSeq: 0, reason: "END_REASON_EXITED" });
      await fx.query(
        `INSERT INTO pty_nodes (pty_node, first_failure_at, last_failure_at, last_error) VALUES ($1, now() - interval '2 days', now() - interval '2 days', 'refused'), ($2, NULL, NULL, ''), ($3, NULL, NULL, '')`,
        [GONE_NODE, QUIET_NODE, LIVE_NODE],
      );
      const keepDays = REAPER_TUNING.LOG_KEEP_MS / 86_400_000;
      const [old, recent] = [uuidv7(), uuidv7()];
      await fx.query(
        `INSERT INTO reaper_log (session_id, at, holder, fencing_token, from_state, reason) VALUES
           ($1, now() - ($3 + 1) * interval '1 day', 'replica-x', 1, 'running', 'old'),
           ($2, now() - ($3 - 1) * interval '1 day', 'replica-x', 1, 'running', 'recent')`,
        [old, recent, keepDays],
      );

      expect(await reaper.runOnce()).toEqual({ leader: true, nodes: 1, sessions: 1, lost: 0, recovered: 0 });
      expect((await fx.query<{ pty_node: string }>("SELECT pty_node FROM pty_nodes ORDER BY pty_node")).map((r) => r.pty_node)).toEqual([LIVE_NODE]);
      expect((await fx.query<{ reason: string }>("SELECT reason FROM reaper_log ORDER BY id")).map((r) => r.reason)).toEqual(["recent"]);
      expect((await fx.query<{ state: string }>("SELECT state FROM sessions WHERE session_id = $1", [live]))[0]!.state).toBe("running");
    } finally {
      await reaper.close();
      await fx.shutdown();
    }
  });

  it("keeps the record of a node whose lost sessions are still re-checked, until the re-check time is over", async () => {
    const fx = await startHistoryFixture("hist_reaper_prune_recheck");
    try {
      const node = "127.0.0.4:1";
      const id = uuidv7();
      await register(fx.client, { sessionId: id, ptyNode: node });
      await unaryCall(fx.client, "MarkRunning", { sessionId: id, pid: 99 });
      await fx.query("UPDATE sessions SET state = 'lost' WHERE session_id = $1", [id]);
      await fx.query("INSERT INTO pty_nodes (pty_node, first_failure_at, last_failure_at, last_error) VALUES ($1, now(), now(), 'refused')", [node]);
      await fx.query(
        `INSERT INTO unreachable_intervals (session_id, interval_no, pty_node, at_seq, since, reason, recheck_until)
         VALUES ($1, 1, $2, 0, now(), 'unreachable', now() + interval '1 hour')`,
        [id, node],
      );
      expect(await pruneNodes(fx.pool)).toBe(0);
      await fx.query("UPDATE unreachable_intervals SET recheck_until = now() - interval '1 second' WHERE session_id = $1", [id]);
      expect(await pruneNodes(fx.pool)).toBe(1);
    } finally {
      await fx.shutdown();
    }
  });
});
