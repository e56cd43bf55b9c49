/**
 * The per-session advisory lock the compactor, retention and the snapshot job work under, so that
 * of several replicas one at a time works on a session's stored history. Session-level locks
 * (pg_try_advisory_lock): held by the connection until unlocked, and freed by the server when that
 * connection dies, so a killed process leaves no lock behind.
 */
import type { Queryable } from "../db/pool.js";

/** Namespace of the per-session advisory locks (first key of the two-key form; "ptkc" in ASCII). */
export const SESSION_LOCK_CLASS = 0x70746b63;

/** Takes the session's lock on this connection if no other connection holds it; false if one does. */
export async function tryLockSession(db: Queryable, sessionId: string): Promise<boolean> {
  const { rows } = await db.query<{ ok: boolean }>(`SELECT pg_try_advisory_lock($1::integer, hashtext($2)) AS ok`, [SESSION_LOCK_CLASS, sessionId]);
  return rows[0]?.ok === true;
}

/** Releases the session's lock taken by tryLockSession on this same connection. */
export async function unlockSession(db: Queryable, sessionId: string): Promise<void> {
  await db.query(`SELECT pg_advisory_unlock($1::integer, hashtext($2))`, [SESSION_LOCK_CLASS, sessionId]);
}
