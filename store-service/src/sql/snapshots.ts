/**
 * SQL for screen_snapshots (snapshotter.ts writes them, history.ts serves them). One small typed
 * function per statement, values as parameters; bigint columns become numbers here (seqs and
 * offsets are far below 2^53).
 */
import type { Queryable } from "../db/pool.js";

/** A session whose screen the snapshot job can move forward, with where its newest snapshot stands. */
export interface SnapshotCandidate {
  session_id: string;
  durable_seq: number;
  durable_bytes: number;
  first_kept_seq: number;
  initial_rows: number;
  initial_cols: number;
  ended: boolean;
  final_seq: number | null;
  /** Newest snapshot's at_seq and byte_offset (0 when there is none). */
  last_at_seq: number;
  last_offset: number;
}

/**
 * Sessions with durable output past their newest snapshot where a snapshot is due: at least
 * everyBytes of output since it, or ended (the final screen), or the newest snapshot (or the
 * session's creation) older than everyMs. Those that waited longest first.
 */
export async function snapshotCandidates(db: Queryable, p: { everyBytes: number; everyMs: number; limit: number }): Promise<SnapshotCandidate[]> {
  const { rows } = await db.query<SnapshotCandidate>(
    `SELECT s.session_id::text, s.durable_seq, s.durable_bytes, s.first_kept_seq, s.initial_rows, s.initial_cols,
            s.state IN ('exited', 'killed', 'lost') AS ended, s.final_seq,
            coalesce(p.at_seq, 0) AS last_at_seq, coalesce(p.byte_offset, 0) AS last_offset
     FROM sessions s
     LEFT JOIN LATERAL (
       SELECT at_seq, byte_offset, created_at FROM screen_snapshots x WHERE x.session_id = s.session_id ORDER BY at_seq DESC LIMIT 1
     ) p ON true
     WHERE s.durable_seq > coalesce(p.at_seq, 0)
       AND (s.state IN ('exited', 'killed', 'lost')
            OR s.durable_bytes - coalesce(p.byte_offset, s.first_kept_offset) >= $1::bigint
            OR coalesce(p.created_at, s.created_at) < now() - $2::bigint * interval '1 millisecond')
     ORDER BY coalesce(p.created_at, s.created_at)
     LIMIT $3`,
    [p.everyBytes, p.everyMs, p.limit],
  );
  return rows.map((r) => ({
    ...r,
    durable_seq: Number(r.durable_seq),
    durable_bytes: Number(r.durable_bytes),
    first_kept_seq: Number(r.first_kept_seq),
    final_seq: r.final_seq === null ? null : Number(r.final_seq),
    last_at_seq: Number(r.last_at_seq),
    last_offset: Number(r.last_offset),
  }));
}

export interface SnapshotRow {
  at_seq: number;
  byte_offset: number;
  chunk_ts_us: number;
  rows: number;
  cols: number;
  scrollback_lines: number;
  codec: string;
  raw_length: number;
  data: Buffer;
  created_at_ms: number;
}

/** The newest snapshot of a session standing at seq atOrBefore or earlier, and not before notBefore. */
export async function latestSnapshot(db: Queryable, p: { sessionId: string; atOrBefore: number; notBefore: number }): Promise<SnapshotRow | undefined> {
  const { rows } = await db.query<SnapshotRow>(
    `SELECT at_seq, byte_offset, (extract(epoch FROM chunk_ts) * 1000000)::bigint AS chunk_ts_us, rows, cols, scrollback_lines, codec, raw_length, data,
            (extract(epoch FROM created_at) * 1000)::bigint AS created_at_ms
     FROM screen_snapshots WHERE session_id = $1 AND at_seq <= $2 AND at_seq >= $3 ORDER BY at_seq DESC LIMIT 1`,
    [p.sessionId, p.atOrBefore, p.notBefore],
  );
  const r = rows[0];
  return r && { ...r, at_seq: Number(r.at_seq), byte_offset: Number(r.byte_offset), chunk_ts_us: Number(r.chunk_ts_us), created_at_ms: Number(r.created_at_ms) };
}

export interface SnapshotInsert {
  sessionId: string;
  atSeq: number;
  byteOffset: number;
  chunkTsUs: number;
  rows: number;
  cols: number;
  scrollbackLines: number;
  reason: "interval" | "end" | "retention";
  codec: string;
  rawLength: number;
  data: Buffer;
}

/** Stores a snapshot; false if one already stands at that seq (another pass wrote it). */
export async function insertSnapshot(db: Queryable, s: SnapshotInsert): Promise<boolean> {
  const r = await db.query(
    `INSERT INTO screen_snapshots (session_id, at_seq, byte_offset, chunk_ts, rows, cols, scrollback_lines, reason, codec, raw_length, data)
     VALUES ($1, $2, $3, 'epoch'::timestamptz + $4::bigint * interval '1 microsecond', $5, $6, $7, $8, $9, $10, $11)
     ON CONFLICT (session_id, at_seq) DO NOTHING`,
    [s.sessionId, s.atSeq, s.byteOffset, s.chunkTsUs, s.rows, s.cols, s.scrollbackLines, s.reason, s.codec, s.rawLength, s.data],
  );
  return r.rowCount === 1;
}

/**
 * Thins interval snapshots: the newest one before atSeq is deleted when it is an interval snapshot
 * in the same span of spanBytes of output as the new one at (atSeq, byteOffset). Each span of
 * history keeps its last snapshot, and the newest is always kept.
 */
export async function thinBefore(db: Queryable, p: { sessionId: string; atSeq: number; byteOffset: number; spanBytes: number }): Promise<number> {
  const r = await db.query(
    `DELETE FROM screen_snapshots d
     USING (SELECT at_seq, byte_offset, reason FROM screen_snapshots WHERE session_id = $1 AND at_seq < $2 ORDER BY at_seq DESC LIMIT 1) prev
     WHERE d.session_id = $1 AND d.at_seq = prev.at_seq AND prev.reason = 'interval'
       AND div(prev.byte_offset, $4::bigint) = div($3::bigint, $4::bigint)`,
    [p.sessionId, p.atSeq, p.byteOffset, p.spanBytes],
  );
  return r.rowCount ?? 0;
}

/** Deletes the snapshots standing before seq `beforeSeq` (their history was removed); returns how many. */
export async function deleteSnapshotsBefore(db: Queryable, sessionId: string, beforeSeq: number): Promise<number> {
  const r = await db.query(`DELETE FROM screen_snapshots WHERE session_id = $1 AND at_seq < $2`, [sessionId, beforeSeq]);
  return r.rowCount ?? 0;
}

/** How many snapshots a session keeps and the bytes they take stored. */
export async function snapshotStorage(db: Queryable, sessionId: string): Promise<{ count: number; storedBytes: number; rawBytes: number }> {
  const { rows } = await db.query<{ count: string; stored: string | null; raw: string | null }>(
    `SELECT count(*) AS count, sum(octet_length(data)) AS stored, sum(raw_length) AS raw FROM screen_snapshots WHERE session_id = $1`,
    [sessionId],
  );
  return { count: Number(rows[0]?.count ?? 0), storedBytes: Number(rows[0]?.stored ?? 0), rawBytes: Number(rows[0]?.raw ?? 0) };
}
