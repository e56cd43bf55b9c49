/**
 * SQL of unreachable intervals (migration 0006): the times a session's pty-service could not be
 * reached long enough for the session to be declared lost, and their revision when it comes
 * back. One small typed function per statement; callers hold the session row locks.
 */
import type { Queryable } from "../db/pool.js";

export type UnreachableOutcome = "recovered" | "ended" | "gone";

export interface UnreachableRow {
  session_id: string;
  interval_no: number;
  pty_node: string;
  at_seq: number;
  since: Date;
  lost_at: Date;
  reason: string;
  recheck_until: Date;
  outcome: UnreachableOutcome | null;
  ended_at: Date | null;
}

const COLUMNS = `session_id::text, interval_no, pty_node, at_seq, since, lost_at, reason, recheck_until, outcome, ended_at`;

/**
 * Opens an interval for each session just marked lost because its node could not be reached:
 * at the session's durable seq, since the node's first failed check, re-checked for recheckMs.
 */
export async function openIntervals(db: Queryable, p: { sessionIds: string[]; reason: string; recheckMs: number }): Promise<void> {
  await db.query(
    `WITH s AS (
       UPDATE sessions SET unreachable_count = unreachable_count + 1 WHERE session_id = ANY($1::uuid[])
       RETURNING session_id, pty_node, durable_seq, unreachable_count
     )
     INSERT INTO unreachable_intervals (session_id, interval_no, pty_node, at_seq, since, reason, recheck_until)
     SELECT s.session_id, s.unreachable_count, s.pty_node, s.durable_seq,
            coalesce((SELECT n.first_failure_at FROM pty_nodes n WHERE n.pty_node = s.pty_node), now()),
            $2, now() + $3::bigint * interval '1 millisecond'
     FROM s`,
    [p.sessionIds, p.reason, p.recheckMs],
  );
}

export interface RecheckSession {
  session_id: string;
  pty_node: string;
}

/** Lost sessions with an open interval still within its re-check time: the reaper asks their node again. */
export async function sessionsToRecheck(db: Queryable): Promise<RecheckSession[]> {
  const { rows } = await db.query<RecheckSession>(
    `SELECT s.session_id::text, s.pty_node FROM unreachable_intervals u JOIN sessions s ON s.session_id = u.session_id
     WHERE u.outcome IS NULL AND u.recheck_until > now() AND s.state = 'lost'
     ORDER BY s.pty_node, s.session_id`,
  );
  return rows;
}

/** Locks the sessions among ids that are lost (id order: no deadlocks). */
export async function lockLost(db: Queryable, sessionIds: string[]): Promise<string[]> {
  const { rows } = await db.query<{ session_id: string }>(
    `SELECT session_id::text FROM sessions WHERE session_id = ANY($1::uuid[]) AND state = 'lost' ORDER BY session_id FOR UPDATE`,
    [sessionIds],
  );
  return rows.map((r) => r.session_id);
}

/**
 * lost → running for sessions shown alive (their node answered RUNNING, or their output arrived),
 * closing their open intervals as recovered. Returns how long each closed interval lasted (ms).
 */
export async function setRecovered(db: Queryable, sessionIds: string[]): Promise<Array<{ session_id: string; unreachable_ms: number }>> {
  if (sessionIds.length === 0) return [];
  await db.query(`UPDATE sessions SET state = 'running', end_reason = '', ended_at = NULL WHERE session_id = ANY($1::uuid[]) AND state = 'lost'`, [sessionIds]);
  return closeIntervals(db, { sessionIds, outcome: "recovered" });
}

/** Closes the open intervals of the sessions with `outcome`; returns how long each lasted (ms). */
export async function closeIntervals(db: Queryable, p: { sessionIds: string[]; outcome: UnreachableOutcome }): Promise<Array<{ session_id: string; unreachable_ms: number }>> {
  const { rows } = await db.query<{ session_id: string; unreachable_ms: string }>(
    `UPDATE unreachable_intervals SET outcome = $2, ended_at = now() WHERE session_id = ANY($1::uuid[]) AND outcome IS NULL
     RETURNING session_id::text, (extract(epoch FROM now() - since) * 1000)::bigint AS unreachable_ms`,
    [p.sessionIds, p.outcome],
  );
  return rows.map((r) => ({ session_id: r.session_id, unreachable_ms: Number(r.unreachable_ms) }));
}

/**
 * The session's end record arrived while it was lost: its node was alive after all. Closes its
 * latest interval as ended (also one closed as gone: the record knows better).
 */
export async function closeLatestAsEnded(db: Queryable, sessionId: string): Promise<void> {
  await db.query(
    `UPDATE unreachable_intervals SET outcome = 'ended', ended_at = coalesce(ended_at, now())
     WHERE session_id = $1 AND (outcome IS NULL OR outcome = 'gone')
       AND interval_no = (SELECT max(interval_no) FROM unreachable_intervals WHERE session_id = $1)`,
    [sessionId],
  );
}

/** Sets the reason a lost session shows (after a re-check found what became of it). */
export async function setLostReason(db: Queryable, p: { sessionIds: string[]; reason: string }): Promise<void> {
  await db.query(`UPDATE sessions SET end_reason = $2 WHERE session_id = ANY($1::uuid[]) AND state = 'lost'`, [p.sessionIds, p.reason]);
}

/** The most recent interval of each of the sessions that have one. */
export async function latestIntervals(db: Queryable, sessionIds: string[]): Promise<Map<string, UnreachableRow>> {
  if (sessionIds.length === 0) return new Map();
  const { rows } = await db.query<UnreachableRow>(
    `SELECT DISTINCT ON (session_id) ${COLUMNS} FROM unreachable_intervals WHERE session_id = ANY($1::uuid[]) ORDER BY session_id, interval_no DESC`,
    [sessionIds],
  );
  return new Map(rows.map((r) => [r.session_id, r]));
}

/** Intervals with fromSeq <= at_seq <= toSeq, in replay order. */
export async function intervalsBetween(db: Queryable, sessionId: string, fromSeq: number, toSeq: number): Promise<UnreachableRow[]> {
  const { rows } = await db.query<UnreachableRow>(
    `SELECT ${COLUMNS} FROM unreachable_intervals WHERE session_id = $1 AND at_seq BETWEEN $2 AND $3 ORDER BY at_seq, interval_no`,
    [sessionId, fromSeq, toSeq],
  );
  return rows;
}

/** Intervals by outcome ("open" for those still open), for the metrics gauge. */
export async function countIntervalsByOutcome(db: Queryable): Promise<Record<string, number>> {
  const { rows } = await db.query<{ outcome: string | null; n: string }>(`SELECT outcome, count(*) AS n FROM unreachable_intervals GROUP BY outcome`);
  const counts: Record<string, number> = { open: 0, recovered: 0, ended: 0, gone: 0 };
  for (const r of rows) counts[r.outcome ?? "open"] = Number(r.n);
  return counts;
}
