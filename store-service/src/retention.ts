/**
 * Retention: how much history the store keeps.
 *
 * - Per-session cap (STORE_RETENTION_BYTES, raw bytes): whole oldest segments are dropped until
 *   what is kept fits, and the session records where kept history now starts (first_kept_seq and
 *   first_kept_offset) in the same transaction. ReadHistory from an older seq then starts there
 *   with `truncated` set. Raw rows are never dropped: the compactor packs over-cap output first.
 * - Age (STORE_RETENTION_MAX_AGE_MS, off by default): ended sessions whose end is older are
 *   deleted with all their history, one session per transaction, skipping rows someone holds.
 *
 * The compactor runs both after its compaction pass, trimming under the same per-session lock.
 */
import type pg from "pg";
import type { Logger } from "@ptykeep/proto";
import { withTransaction } from "./db/pool.js";
import { deleteSegmentsThrough, expiredSessions, lockExpiredSession, oldestSegments, setFirstKept, type SegmentExtent } from "./sql/segments.js";
import { deleteSessionCascade, getSession } from "./sql/sessions.js";
import { deleteSnapshotsBefore } from "./sql/snapshots.js";

export const RETENTION_TUNING = Object.freeze({
  /** Segments examined (and at most dropped) per transaction: a short transaction per step. */
  SEGMENTS_PER_STEP: 1_000,
  /** Expired sessions deleted per pass; the rest wait for the next pass. */
  EXPIRED_PER_PASS: 500,
});

export interface RetentionStats {
  sessionsTrimmed: number;
  segmentsDropped: number;
  bytesDropped: number;
  sessionsExpired: number;
}

/**
 * Drops the oldest segments of a session while the history kept after them is still over the
 * cap. The caller holds the session's compaction lock on `client`.
 */
export async function trimToCap(
  client: pg.PoolClient,
  p: {
    sessionId: string;
    capBytes: number;
    stats: RetentionStats;
    log: Logger;
    /** Stores the screen right after chunk atSeq, so that replays from the new start show it right. */
    screenBeforeTrim?: ((sessionId: string, atSeq: number, signal: AbortSignal) => Promise<void>) | undefined;
    signal?: AbortSignal;
  },
): Promise<void> {
  for (let step = 0; ; step++) {
    const row = await getSession(client, p.sessionId);
    if (!row) return;
    const session = { durable_bytes: Number(row.durable_bytes), first_kept_offset: Number(row.first_kept_offset) };
    const segments = await oldestSegments(client, p.sessionId, RETENTION_TUNING.SEGMENTS_PER_STEP);
    let last: SegmentExtent | undefined;
    let count = 0;
    for (const g of segments) {
      // Keeping g keeps everything from its first byte on.
      if (session.durable_bytes - g.first_offset <= p.capBytes) break;
      last = g;
      count++;
    }
    if (!last) return;
    const dropped = last.first_offset + last.byte_length - session.first_kept_offset;
    if (p.screenBeforeTrim) {
      // Without it, a replay of what is kept starts wherever the first kept chunk does: perhaps in
      // a full-screen program whose setup was dropped. A failure is logged; the cap still holds.
      await p.screenBeforeTrim(p.sessionId, last.last_seq, p.signal ?? new AbortController().signal).catch((err: unknown) => {
        if (p.signal?.aborted) throw err;
        p.log.warn({ err, sessionId: p.sessionId, atSeq: last.last_seq }, "screen snapshot at the new start of history failed; trimming without it");
      });
    }
    // On the connection holding the session's lock; a failure ends the session's turn, and the
    // caller discards that connection.
    await withTransaction(client, async (tx) => {
      await deleteSegmentsThrough(tx, p.sessionId, last.last_seq);
      // Snapshots of dropped history go with it; the one at the new start stays.
      await deleteSnapshotsBefore(tx, p.sessionId, last.last_seq);
      await setFirstKept(tx, { sessionId: p.sessionId, firstKeptSeq: last.last_seq + 1, firstKeptOffset: last.first_offset + last.byte_length });
    });
    if (step === 0) p.stats.sessionsTrimmed++;
    p.stats.segmentsDropped += count;
    p.stats.bytesDropped += dropped;
    p.log.info({ sessionId: p.sessionId, segments: count, firstKeptSeq: last.last_seq + 1 }, "retention dropped the oldest history");
    if (count < segments.length || segments.length < RETENTION_TUNING.SEGMENTS_PER_STEP) return;
  }
}

/** Deletes ended sessions whose end is older than endedBeforeMs (epoch ms), with all their history. */
export async function deleteExpiredSessions(pool: pg.Pool, p: { endedBeforeMs: number; stats: RetentionStats; log: Logger; signal: AbortSignal }): Promise<number> {
  let deleted = 0;
  for (const sessionId of await expiredSessions(pool, { endedBeforeMs: p.endedBeforeMs, limit: RETENTION_TUNING.EXPIRED_PER_PASS })) {
    p.signal.throwIfAborted();
    const done = await withTransaction(pool, async (db) => {
      if (!(await lockExpiredSession(db, { sessionId, endedBeforeMs: p.endedBeforeMs }))) return false;
      await deleteSessionCascade(db, sessionId);
      return true;
    });
    if (done) deleted++;
  }
  p.stats.sessionsExpired += deleted;
  if (deleted > 0) p.log.info({ sessions: deleted }, "retention deleted expired sessions");
  return deleted;
}
