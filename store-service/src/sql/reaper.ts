/**
 * SQL of the reaper: its lease, the sessions it checks, what it knows about pty nodes, and the
 * transition of sessions to `lost`. One small typed function per statement.
 */
import type { Queryable } from "../db/pool.js";

export interface Lease {
  name: string;
  holder: string;
  token: number;
}

/**
 * Takes or renews the lease `name` for `holder` until now + ttlMs; undefined if another holder's
 * lease has not expired. The token grows whenever the holder changes (fencing).
 */
export async function acquireLease(db: Queryable, p: { name: string; holder: string; ttlMs: number }): Promise<Lease | undefined> {
  const { rows } = await db.query<{ token: number }>(
    `INSERT INTO store_leases AS l (name, holder, token, expires_at) VALUES ($1, $2, 1, now() + $3::bigint * interval '1 millisecond')
     ON CONFLICT (name) DO UPDATE SET
       token = CASE WHEN l.holder = EXCLUDED.holder THEN l.token ELSE l.token + 1 END,
       holder = EXCLUDED.holder,
       expires_at = EXCLUDED.expires_at
     WHERE l.holder = EXCLUDED.holder OR l.expires_at < now()
     RETURNING token`,
    [p.name, p.holder, p.ttlMs],
  );
  const row = rows[0];
  return row ? { name: p.name, holder: p.holder, token: Number(row.token) } : undefined;
}

/** Gives the lease up (on shutdown) so another replica takes over at its next pass. */
export async function releaseLease(db: Queryable, lease: Lease): Promise<void> {
  await db.query(`UPDATE store_leases SET expires_at = now() - interval '1 millisecond' WHERE name = $1 AND holder = $2 AND token = $3`, [
    lease.name,
    lease.holder,
    lease.token,
  ]);
}

/**
 * Fencing check inside the transaction that acts on the lease: the row is share-locked, so a
 * replica taking the lease over waits until this transaction has ended.
 */
export async function holdsLease(db: Queryable, lease: Lease): Promise<boolean> {
  const { rows } = await db.query(`SELECT 1 FROM store_leases WHERE name = $1 AND holder = $2 AND token = $3 AND expires_at > now() FOR SHARE`, [
    lease.name,
    lease.holder,
    lease.token,
  ]);
  return rows.length === 1;
}

export interface AliveSession {
  session_id: string;
  pty_node: string;
}

/** Sessions the store believes starting or running, registered more than minAgeMs ago. */
export async function aliveSessions(db: Queryable, p: { minAgeMs: number }): Promise<AliveSession[]> {
  const { rows } = await db.query<AliveSession>(
    `SELECT session_id::text, pty_node FROM sessions
     WHERE state IN ('starting', 'running') AND created_at < now() - $1::bigint * interval '1 millisecond'
     ORDER BY pty_node, session_id`,
    [p.minAgeMs],
  );
  return rows;
}

/** A check of `node` succeeded: its run of failures (if any) is over. */
export async function nodeReachable(db: Queryable, node: string): Promise<void> {
  await db.query(
    `INSERT INTO pty_nodes (pty_node, last_success_at) VALUES ($1, now())
     ON CONFLICT (pty_node) DO UPDATE SET first_failure_at = NULL, last_success_at = now()`,
    [node],
  );
}

/**
 * A check of `node` failed. Returns how long it has been failing (ms, by the database clock).
 * A run of failures whose last one is older than staleAfterMs is over (nobody checked meanwhile),
 * so a failure after a long pause starts a new run instead of counting the pause as failing.
 */
export async function nodeUnreachable(db: Queryable, p: { node: string; error: string; staleAfterMs: number }): Promise<number> {
  const { rows } = await db.query<{ failing_ms: number }>(
    `INSERT INTO pty_nodes AS n (pty_node, first_failure_at, last_failure_at, last_error) VALUES ($1, now(), now(), $2)
     ON CONFLICT (pty_node) DO UPDATE SET
       first_failure_at = CASE WHEN n.first_failure_at IS NULL OR n.last_failure_at < now() - $3::bigint * interval '1 millisecond'
                               THEN now() ELSE n.first_failure_at END,
       last_failure_at = now(),
       last_error = $2
     RETURNING (extract(epoch FROM now() - first_failure_at) * 1000)::bigint AS failing_ms`,
    [p.node, p.error, p.staleAfterMs],
  );
  return Number(rows[0]?.failing_ms ?? 0);
}

/**
 * Records sessions a pty-service reported as exited while the store has no end record; returns
 * those first reported more than graceMs ago.
 */
export async function suspectsPastGrace(db: Queryable, p: { sessionIds: string[]; graceMs: number }): Promise<string[]> {
  if (p.sessionIds.length === 0) return [];
  await db.query(`INSERT INTO reaper_suspects (session_id) SELECT unnest($1::uuid[]) ON CONFLICT (session_id) DO NOTHING`, [p.sessionIds]);
  const { rows } = await db.query<{ session_id: string }>(
    `SELECT session_id::text FROM reaper_suspects WHERE session_id = ANY($1::uuid[]) AND first_seen_at < now() - $2::bigint * interval '1 millisecond'`,
    [p.sessionIds, p.graceMs],
  );
  return rows.map((r) => r.session_id);
}

/** Forgets suspects that are running after all, or whose session is no longer alive. */
export async function clearSuspects(db: Queryable, runningIds: string[]): Promise<void> {
  await db.query(
    `DELETE FROM reaper_suspects r
     WHERE r.session_id = ANY($1::uuid[])
        OR NOT EXISTS (SELECT 1 FROM sessions s WHERE s.session_id = r.session_id AND s.state IN ('starting', 'running'))`,
    [runningIds],
  );
}

/**
 * Locks the sessions among ids that are still starting or running (id order: no deadlocks).
 * With quietForMs, only those whose newest stored output is older than that (or that have none
 * in raw rows: compacted output is cold by definition).
 */
export async function lockAlive(db: Queryable, sessionIds: string[], p: { quietForMs?: number } = {}): Promise<Array<{ session_id: string; state: string }>> {
  const { rows } = await db.query<{ session_id: string; state: string }>(
    `SELECT session_id::text, state FROM sessions s WHERE session_id = ANY($1::uuid[]) AND state IN ('starting', 'running')
       AND ($2::bigint IS NULL OR NOT EXISTS (
         SELECT 1 FROM output_chunks c WHERE c.session_id = s.session_id AND c.seq = s.durable_seq
           AND c.ts > now() - $2::bigint * interval '1 millisecond'))
     ORDER BY session_id FOR UPDATE`,
    [sessionIds, p.quietForMs ?? null],
  );
  return rows;
}

/** starting/running → lost, with the reason and time; logged in reaper_log. Caller holds the locks. */
export async function setLost(db: Queryable, p: { sessions: Array<{ session_id: string; state: string }>; reason: string; lease: Lease }): Promise<void> {
  const ids = p.sessions.map((s) => s.session_id);
  await db.query(`UPDATE sessions SET state = 'lost', end_reason = $2, ended_at = coalesce(ended_at, now()) WHERE session_id = ANY($1::uuid[])`, [ids, p.reason]);
  await db.query(
    `INSERT INTO reaper_log (session_id, holder, fencing_token, from_state, reason)
     SELECT id, $3, $4, st, $5 FROM unnest($1::uuid[], $2::text[]) AS u(id, st)`,
    [ids, p.sessions.map((s) => s.state), p.lease.holder, p.lease.token, p.reason],
  );
  await db.query(`DELETE FROM reaper_suspects WHERE session_id = ANY($1::uuid[])`, [ids]);
}

/**
 * Forgets pty nodes that host no session the store believes alive and no lost session it still
 * re-checks: nothing asks them any more, and a node that comes back starts a fresh record.
 * Returns the rows deleted.
 */
export async function pruneNodes(db: Queryable): Promise<number> {
  const r = await db.query(
    `DELETE FROM pty_nodes n
     WHERE NOT EXISTS (SELECT 1 FROM sessions s WHERE s.pty_node = n.pty_node AND s.state IN ('starting', 'running'))
       AND NOT EXISTS (SELECT 1 FROM unreachable_intervals u WHERE u.pty_node = n.pty_node AND u.outcome IS NULL AND u.recheck_until > now())`,
  );
  return r.rowCount ?? 0;
}

/** Deletes reaper_log entries older than keepMs (by the database clock). Returns the rows deleted. */
export async function pruneLog(db: Queryable, p: { keepMs: number }): Promise<number> {
  const r = await db.query(`DELETE FROM reaper_log WHERE at < now() - $1::bigint * interval '1 millisecond'`, [p.keepMs]);
  return r.rowCount ?? 0;
}
