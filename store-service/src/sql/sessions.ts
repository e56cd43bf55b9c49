/**
 * SQL for the sessions table: one small typed function per statement. Values always travel as
 * parameters; batch operations take arrays.
 */
import type { Queryable } from "../db/pool.js";

export type SessionStateName = "starting" | "running" | "exited" | "killed" | "lost";

export interface SessionRow {
  session_id: string;
  command: string;
  args: string[];
  cwd: string;
  pty_node: string;
  rows: number;
  cols: number;
  initial_rows: number;
  initial_cols: number;
  size_change_no: number;
  labels: Record<string, string>;
  env_names: string[];
  state: SessionStateName;
  pid: number;
  exit_code: number | null;
  exit_signal: string;
  end_reason: string;
  created_at: Date;
  started_at: Date | null;
  ended_at: Date | null;
  durable_seq: number;
  durable_bytes: number;
  max_seq: number;
  final_seq: number | null;
  first_kept_seq: number;
  first_kept_offset: number;
  /** Unreachable intervals the session has had (sql/unreachable.ts). */
  unreachable_count: number;
}

const SESSION_COLUMNS = `session_id::text, command, args, cwd, pty_node, rows, cols, initial_rows, initial_cols,
  size_change_no, labels, env_names, state, pid, exit_code, exit_signal, end_reason, created_at, started_at,
  ended_at, durable_seq, durable_bytes, max_seq, final_seq, first_kept_seq, first_kept_offset, unreachable_count`;

export interface NewSession {
  sessionId: string;
  command: string;
  args: string[];
  cwd: string;
  ptyNode: string;
  rows: number;
  cols: number;
  labels: Record<string, string>;
  envNames: string[];
}

/** Inserts the session unless its id exists; returns the inserted row, or undefined if it existed. */
export async function insertSession(db: Queryable, s: NewSession): Promise<SessionRow | undefined> {
  const { rows } = await db.query<SessionRow>(
    `INSERT INTO sessions (session_id, command, args, cwd, pty_node, rows, cols, initial_rows, initial_cols, labels, env_names)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $6, $7, $8, $9)
     ON CONFLICT (session_id) DO NOTHING
     RETURNING ${SESSION_COLUMNS}`,
    [s.sessionId, s.command, s.args, s.cwd, s.ptyNode, s.rows, s.cols, JSON.stringify(s.labels), s.envNames],
  );
  return rows[0];
}

export async function getSession(db: Queryable, sessionId: string, opts: { forUpdate?: boolean } = {}): Promise<SessionRow | undefined> {
  const { rows } = await db.query<SessionRow>(
    `SELECT ${SESSION_COLUMNS} FROM sessions WHERE session_id = $1${opts.forUpdate ? " FOR UPDATE" : ""}`,
    [sessionId],
  );
  return rows[0];
}

export async function setRunning(db: Queryable, sessionId: string, pid: number): Promise<void> {
  await db.query(`UPDATE sessions SET state = 'running', pid = $2, started_at = coalesce(started_at, now()) WHERE session_id = $1`, [sessionId, pid]);
}

export interface SessionEnd {
  sessionId: string;
  state: "exited" | "killed";
  exitCode: number | null;
  signal: string;
  finalSeq: number;
  /** When the program ended (µs since the epoch), as its pty-service saw it; null: now. */
  endedAtMicros: number | null;
}

export async function setEnded(db: Queryable, e: SessionEnd): Promise<void> {
  await db.query(
    // end_reason explains a LOST state; a record of how the session really ended replaces it.
    // The program's own end time wins over the time a reaper declared it lost.
    `UPDATE sessions SET state = $2, exit_code = $3, exit_signal = $4, final_seq = $5, end_reason = '',
       ended_at = coalesce('epoch'::timestamptz + $6::bigint * interval '1 microsecond', ended_at, now())
     WHERE session_id = $1`,
    [e.sessionId, e.state, e.exitCode, e.signal, e.finalSeq, e.endedAtMicros],
  );
}

/** Applies a size change to the current size only if it is the newest change seen. */
export async function setSizeIfNewer(db: Queryable, c: { sessionId: string; rows: number; cols: number; changeNo: number }): Promise<void> {
  await db.query(`UPDATE sessions SET rows = $2, cols = $3, size_change_no = $4 WHERE session_id = $1 AND size_change_no < $4`, [
    c.sessionId,
    c.rows,
    c.cols,
    c.changeNo,
  ]);
}

export interface WriteState {
  session_id: string;
  state: SessionStateName;
  durable_seq: number;
  durable_bytes: number;
  max_seq: number;
  final_seq: number | null;
}

/**
 * Locks the sessions a flush writes to, in id order so that two replicas flushing overlapping
 * sets of sessions cannot deadlock. Missing ids are simply absent from the result.
 */
export async function lockForWrite(db: Queryable, sessionIds: string[]): Promise<WriteState[]> {
  const { rows } = await db.query<WriteState>(
    `SELECT session_id::text, state, durable_seq, durable_bytes, max_seq, final_seq FROM sessions
     WHERE session_id = ANY($1::uuid[]) ORDER BY session_id FOR UPDATE`,
    [sessionIds],
  );
  return rows;
}

export interface WatermarkUpdate {
  sessionId: string;
  durableSeq: number;
  durableBytes: number;
  maxSeq: number;
}

export async function updateWatermarks(db: Queryable, updates: WatermarkUpdate[]): Promise<void> {
  if (updates.length === 0) return;
  await db.query(
    `UPDATE sessions s SET durable_seq = u.durable_seq, durable_bytes = u.durable_bytes, max_seq = greatest(s.max_seq, u.max_seq)
     FROM unnest($1::uuid[], $2::bigint[], $3::bigint[], $4::bigint[]) AS u(session_id, durable_seq, durable_bytes, max_seq)
     WHERE s.session_id = u.session_id`,
    [updates.map((u) => u.sessionId), updates.map((u) => u.durableSeq), updates.map((u) => u.durableBytes), updates.map((u) => u.maxSeq)],
  );
}

export interface SessionFilter {
  states: SessionStateName[];
  ptyNode: string | undefined;
  labels: Record<string, string>;
  /** Only sessions with ids below this one (the previous page's last id). */
  beforeId: string | undefined;
  limit: number;
}

/** Sessions newest first (UUIDv7 ids sort by creation time). */
export async function listSessions(db: Queryable, f: SessionFilter): Promise<SessionRow[]> {
  const { rows } = await db.query<SessionRow>(
    `SELECT ${SESSION_COLUMNS} FROM sessions
     WHERE (cardinality($1::text[]) = 0 OR state = ANY($1::text[]))
       AND ($2::text IS NULL OR pty_node = $2)
       AND labels @> $3::jsonb
       AND ($4::uuid IS NULL OR session_id < $4::uuid)
     ORDER BY session_id DESC
     LIMIT $5`,
    [f.states, f.ptyNode ?? null, JSON.stringify(f.labels), f.beforeId ?? null, f.limit],
  );
  return rows;
}

/** Removes the session row and all its history; the caller holds the row lock (same transaction). */
export async function deleteSessionCascade(db: Queryable, sessionId: string): Promise<void> {
  await db.query(`DELETE FROM output_chunks WHERE session_id = $1`, [sessionId]);
  await db.query(`DELETE FROM output_segments WHERE session_id = $1`, [sessionId]);
  await db.query(`DELETE FROM size_events WHERE session_id = $1`, [sessionId]);
  await db.query(`DELETE FROM reaper_suspects WHERE session_id = $1`, [sessionId]);
  await db.query(`DELETE FROM reaper_log WHERE session_id = $1`, [sessionId]);
  await db.query(`DELETE FROM unreachable_intervals WHERE session_id = $1`, [sessionId]);
  await db.query(`DELETE FROM sessions WHERE session_id = $1`, [sessionId]);
}
