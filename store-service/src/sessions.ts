/**
 * Session records: the rules of a session's lifecycle (registration, running, ended, size
 * changes, deletion) on top of the SQL in sql/sessions.ts. Inputs are already validated by the
 * service; every lookup of a session that must exist goes through getOrThrow.
 *
 * State changes lock the session row (SELECT … FOR UPDATE), so they serialise with each other
 * and with the batch writer's flushes of that session, on any replica.
 */
import type pg from "pg";
import { alreadyExists, failedPrecondition, notFound } from "@ptykeep/proto";
import { withTransaction, type Queryable } from "./db/pool.js";
import { ENDED_STATES } from "./mapping.js";
import * as sql from "./sql/sessions.js";
import { insertSizeEvent } from "./sql/size-events.js";
import { closeLatestAsEnded, latestIntervals, type UnreachableRow } from "./sql/unreachable.js";

export type { NewSession, SessionEnd, SessionFilter, SessionRow } from "./sql/sessions.js";

export async function getOrThrow(db: Queryable, sessionId: string, opts: { forUpdate?: boolean } = {}): Promise<sql.SessionRow> {
  const row = await sql.getSession(db, sessionId, opts);
  if (!row) throw notFound(`session ${sessionId} not found`);
  return row;
}

/**
 * Idempotent on id: the same registration again returns the stored session; the same id with a
 * different command or node is a conflict, not a retry.
 */
export async function register(pool: pg.Pool, s: sql.NewSession): Promise<sql.SessionRow> {
  const inserted = await sql.insertSession(pool, s);
  if (inserted) return inserted;
  const existing = await getOrThrow(pool, s.sessionId);
  if (existing.command !== s.command) {
    throw alreadyExists(`session ${s.sessionId} is already registered with a different command (${JSON.stringify(existing.command)})`);
  }
  if (existing.pty_node !== s.ptyNode) {
    throw alreadyExists(`session ${s.sessionId} is already registered on a different pty_node (${JSON.stringify(existing.pty_node)})`);
  }
  return existing;
}

/** starting → running; a repeat is harmless; an ended session cannot start. */
export async function markRunning(pool: pg.Pool, sessionId: string, pid: number): Promise<void> {
  await withTransaction(pool, async (db) => {
    const row = await getOrThrow(db, sessionId, { forUpdate: true });
    if (ENDED_STATES.has(row.state)) throw failedPrecondition(`session ${sessionId} has already ended (${row.state}); it cannot start running`);
    if (row.state === "starting") await sql.setRunning(db, sessionId, pid);
  });
}

/** Records how the session ended; the same record again is harmless, a different one a conflict. */
export async function markEnded(pool: pg.Pool, end: sql.SessionEnd): Promise<void> {
  await withTransaction(pool, async (db) => {
    const row = await getOrThrow(db, end.sessionId, { forUpdate: true });
    if (row.state === "exited" || row.state === "killed") {
      const same = row.state === end.state && row.final_seq === end.finalSeq && row.exit_code === end.exitCode && row.exit_signal === end.signal;
      if (same) return;
      throw failedPrecondition(`session ${end.sessionId} already ended (${row.state}, final seq ${row.final_seq}) with a different record`);
    }
    // A LOST session is accepted too: the reaper declared it lost, but an exact record of how it
    // ended is worth more than "lost", so the late report wins. Its pty-service was alive after
    // all: the unreachable interval (which keeps the lost reason) closes as ended.
    if (end.finalSeq < row.max_seq) {
      throw failedPrecondition(`final_seq ${end.finalSeq} is below output already stored for session ${end.sessionId} (seq ${row.max_seq})`);
    }
    await sql.setEnded(db, end);
    if (row.state === "lost") await closeLatestAsEnded(db, end.sessionId);
  });
}

/** Records a resize (idempotent on change_no); the current size follows the newest change only. */
export async function updateSize(pool: pg.Pool, change: { sessionId: string; rows: number; cols: number; atSeq: number; changeNo: number }): Promise<void> {
  await withTransaction(pool, async (db) => {
    await getOrThrow(db, change.sessionId, { forUpdate: true });
    await insertSizeEvent(db, change);
    await sql.setSizeIfNewer(db, change);
  });
}

/** The latest unreachable interval of each of the rows that have had one (GetSession, ListSessions). */
export async function latestUnreachable(db: Queryable, rows: sql.SessionRow[]): Promise<Map<string, UnreachableRow>> {
  return latestIntervals(db, rows.filter((r) => r.unreachable_count > 0).map((r) => r.session_id));
}

/** Newest first; one row more than asked tells whether another page follows. */
export async function listPage(pool: pg.Pool, filter: Omit<sql.SessionFilter, "limit">, pageSize: number): Promise<{ rows: sql.SessionRow[]; more: boolean }> {
  const rows = await sql.listSessions(pool, { ...filter, limit: pageSize + 1 });
  return { rows: rows.slice(0, pageSize), more: rows.length > pageSize };
}

/** Removes the session and its history in one transaction. */
export async function remove(pool: pg.Pool, sessionId: string, force: boolean): Promise<void> {
  await withTransaction(pool, async (db) => {
    // The row lock also waits for a flush writing this session: chunks after the delete find no
    // session and are refused NOT_FOUND.
    const row = await getOrThrow(db, sessionId, { forUpdate: true });
    if (!ENDED_STATES.has(row.state) && !force) throw failedPrecondition(`session ${sessionId} is ${row.state}; end it first or pass force`);
    await sql.deleteSessionCascade(db, sessionId);
  });
}
