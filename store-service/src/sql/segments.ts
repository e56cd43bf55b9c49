/**
 * SQL for output_segments (compressed runs of a session's output) and for the raw-row queries the
 * compactor and retention need. One small typed function per statement, values as parameters.
 *
 * Timestamps travel as integer microseconds (see chunks.ts). bigint values are converted to
 * numbers here (seqs, offsets and µs timestamps are far below 2^53): the store's pool parses int8
 * that way already, but int8[] arrays, and a plain pg.Pool given by another caller, yield strings.
 */
import type { Queryable } from "../db/pool.js";
import type { CodecId } from "../codec.js";
import { byteaField, copyOut, int8Field, intArrayField, intLiteral, textField, timestampFieldMicros, uuidLiteral } from "./copy-binary.js";

/** A session with durable raw rows that may be ready for compaction (or over its retention cap). */
export interface CompactionCandidate {
  session_id: string;
  durable_seq: number;
  durable_bytes: number;
  first_kept_offset: number;
  ended: boolean;
  /** Lowest durable raw row. */
  first_raw_seq: number;
}

/**
 * Sessions where a compaction pass can make progress: ended with durable raw rows; or running
 * (or lost: a lost session may still be writing, see compactor.ts)
 * with all durable raw rows cold (gone quiet: the partial segment may be written); or with a
 * full segment's worth of raw output whose oldest row is cold or whose kept history is over the
 * retention cap. A session that only trickles (oldest row cold, newest hot, less than a segment
 * pending) is left out, so it cannot take the place of sessions with work, pass after pass.
 * Two index probes per session on (session_id, seq).
 */
export async function compactionCandidates(
  db: Queryable,
  p: { coldBeforeUs: number; retentionBytes: number; segmentRawBytes: number; limit: number },
): Promise<CompactionCandidate[]> {
  const { rows } = await db.query<CompactionCandidate>(
    `SELECT s.session_id::text, s.durable_seq, s.durable_bytes, s.first_kept_offset,
            s.state IN ('exited', 'killed') AS ended, c.seq AS first_raw_seq
     FROM sessions s
     CROSS JOIN LATERAL (
       SELECT seq, ts, byte_offset FROM output_chunks c WHERE c.session_id = s.session_id AND c.seq <= s.durable_seq ORDER BY seq LIMIT 1
     ) c
     LEFT JOIN LATERAL (
       SELECT ts FROM output_chunks n WHERE n.session_id = s.session_id AND n.seq = s.durable_seq
     ) n ON true
     WHERE s.durable_seq > 0
       AND (s.state IN ('exited', 'killed')
            OR (c.ts < 'epoch'::timestamptz + $1::bigint * interval '1 microsecond'
                AND n.ts < 'epoch'::timestamptz + $1::bigint * interval '1 microsecond')
            OR (s.durable_bytes - c.byte_offset >= $3::bigint
                AND (c.ts < 'epoch'::timestamptz + $1::bigint * interval '1 microsecond' OR s.durable_bytes - s.first_kept_offset > $2::bigint)))
     ORDER BY c.ts
     LIMIT $4`,
    [p.coldBeforeUs, p.retentionBytes, p.segmentRawBytes, p.limit],
  );
  return rows.map((r) => ({ ...r, durable_seq: Number(r.durable_seq), durable_bytes: Number(r.durable_bytes), first_kept_offset: Number(r.first_kept_offset), first_raw_seq: Number(r.first_raw_seq) }));
}

/**
 * Sessions over the cap whose oldest segment retention would drop (keeping it would keep more
 * than the cap): sessions over the cap only because of raw rows are left to the compactor.
 */
export async function retentionCandidates(db: Queryable, p: { retentionBytes: number; limit: number }): Promise<string[]> {
  const { rows } = await db.query<{ session_id: string }>(
    `SELECT s.session_id::text FROM sessions s
     WHERE s.durable_bytes - s.first_kept_offset > $1::bigint
       AND (SELECT g.first_offset FROM output_segments g WHERE g.session_id = s.session_id ORDER BY g.first_seq LIMIT 1) < s.durable_bytes - $1::bigint
     LIMIT $2`,
    [p.retentionBytes, p.limit],
  );
  return rows.map((r) => r.session_id);
}

export interface RawChunkMeta {
  seq: number;
  byte_offset: number;
  ts_us: number;
  length: number;
}

/** Durable raw rows from `fromSeq` on, without their data (octet_length reads the TOAST header only). */
export async function rawChunkMetas(db: Queryable, p: { sessionId: string; fromSeq: number; toSeq: number; limit: number }): Promise<RawChunkMeta[]> {
  const { rows } = await db.query<RawChunkMeta>(
    `SELECT seq, byte_offset, (extract(epoch FROM ts) * 1000000)::bigint AS ts_us, octet_length(data)::bigint AS length
     FROM output_chunks WHERE session_id = $1 AND seq BETWEEN $2 AND $3 ORDER BY seq LIMIT $4`,
    [p.sessionId, p.fromSeq, p.toSeq, p.limit],
  );
  return rows.map((r) => ({ seq: Number(r.seq), byte_offset: Number(r.byte_offset), ts_us: Number(r.ts_us), length: Number(r.length) }));
}

/** The data of raw rows firstSeq..lastSeq in seq order, read with binary COPY (copy-binary.ts). */
export async function rawChunkData(db: Queryable, p: { sessionId: string; firstSeq: number; lastSeq: number }): Promise<Array<{ seq: number; data: Buffer }>> {
  const rows = await copyOut(
    db,
    `SELECT seq, data FROM output_chunks
     WHERE session_id = ${uuidLiteral(p.sessionId)} AND seq BETWEEN ${intLiteral(p.firstSeq)} AND ${intLiteral(p.lastSeq)} ORDER BY seq`,
  );
  return rows.map((r) => ({ seq: int8Field(r[0]), data: byteaField(r[1]) }));
}

/** Deletes raw rows firstSeq..lastSeq; returns how many were deleted. */
export async function deleteRawChunks(db: Queryable, p: { sessionId: string; firstSeq: number; lastSeq: number }): Promise<number> {
  const r = await db.query(`DELETE FROM output_chunks WHERE session_id = $1 AND seq BETWEEN $2 AND $3`, [p.sessionId, p.firstSeq, p.lastSeq]);
  return r.rowCount ?? 0;
}

export interface SegmentInsert {
  sessionId: string;
  firstSeq: number;
  lastSeq: number;
  firstOffset: number;
  byteLength: number;
  codec: CodecId;
  data: Buffer;
  chunkLengths: number[];
  firstTsUs: number;
  tsDeltasUs: number[];
}

/** Inserts a segment; false if one already starts at that seq (another compactor got there). */
export async function insertSegment(db: Queryable, s: SegmentInsert): Promise<boolean> {
  const r = await db.query(
    `INSERT INTO output_segments (session_id, first_seq, last_seq, first_offset, byte_length, codec, data, chunk_lengths, ts_deltas_us, first_ts)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8::integer[], $9::bigint[], 'epoch'::timestamptz + $10::bigint * interval '1 microsecond')
     ON CONFLICT (session_id, first_seq) DO NOTHING`,
    [s.sessionId, s.firstSeq, s.lastSeq, s.firstOffset, s.byteLength, s.codec, s.data, s.chunkLengths, s.tsDeltasUs, s.firstTsUs],
  );
  return r.rowCount === 1;
}

export interface SegmentRow {
  first_seq: number;
  last_seq: number;
  first_offset: number;
  byte_length: number;
  codec: string;
  data: Buffer;
  chunk_lengths: number[];
  ts_deltas_us: number[];
  first_ts_us: number;
}

/**
 * The segment holding chunk `seq`, if any: one index probe for the last segment starting at or
 * before it; its data is read only if it covers `seq`. Read with binary COPY (copy-binary.ts).
 */
export async function segmentContaining(db: Queryable, sessionId: string, seq: number): Promise<SegmentRow | undefined> {
  const id = uuidLiteral(sessionId);
  const rows = await copyOut(
    db,
    `SELECT first_seq, last_seq, first_offset, byte_length, codec, data, chunk_lengths, ts_deltas_us, first_ts
     FROM output_segments
     WHERE session_id = ${id} AND last_seq >= ${intLiteral(seq)}
       AND first_seq = (SELECT max(first_seq) FROM output_segments WHERE session_id = ${id} AND first_seq <= ${intLiteral(seq)})`,
  );
  const r = rows[0];
  if (!r) return undefined;
  return {
    first_seq: int8Field(r[0]),
    last_seq: int8Field(r[1]),
    first_offset: int8Field(r[2]),
    byte_length: int8Field(r[3]),
    codec: textField(r[4]),
    data: byteaField(r[5]),
    chunk_lengths: intArrayField(r[6]),
    ts_deltas_us: intArrayField(r[7]),
    first_ts_us: timestampFieldMicros(r[8]),
  };
}

export interface SegmentExtent {
  first_seq: number;
  last_seq: number;
  first_offset: number;
  byte_length: number;
}

/** The oldest segments of a session, without their data. */
export async function oldestSegments(db: Queryable, sessionId: string, limit: number): Promise<SegmentExtent[]> {
  const { rows } = await db.query<SegmentExtent>(
    `SELECT first_seq, last_seq, first_offset, byte_length FROM output_segments WHERE session_id = $1 ORDER BY first_seq LIMIT $2`,
    [sessionId, limit],
  );
  return rows.map((r) => ({ first_seq: Number(r.first_seq), last_seq: Number(r.last_seq), first_offset: Number(r.first_offset), byte_length: Number(r.byte_length) }));
}

/** Deletes the segments of a session that end at or before `lastSeq`; returns how many. */
export async function deleteSegmentsThrough(db: Queryable, sessionId: string, lastSeq: number): Promise<number> {
  const r = await db.query(`DELETE FROM output_segments WHERE session_id = $1 AND last_seq <= $2`, [sessionId, lastSeq]);
  return r.rowCount ?? 0;
}

/** Records where kept history now starts. Takes the session row lock until the transaction ends. */
export async function setFirstKept(db: Queryable, p: { sessionId: string; firstKeptSeq: number; firstKeptOffset: number }): Promise<void> {
  await db.query(`UPDATE sessions SET first_kept_seq = $2, first_kept_offset = $3 WHERE session_id = $1 AND first_kept_seq < $2`, [
    p.sessionId,
    p.firstKeptSeq,
    p.firstKeptOffset,
  ]);
}

/** Ended sessions whose end is older than `endedBeforeMs` (epoch ms), oldest first. */
export async function expiredSessions(db: Queryable, p: { endedBeforeMs: number; limit: number }): Promise<string[]> {
  const { rows } = await db.query<{ session_id: string }>(
    `SELECT session_id::text FROM sessions
     WHERE state IN ('exited', 'killed', 'lost') AND ended_at < 'epoch'::timestamptz + $1::bigint * interval '1 millisecond'
     ORDER BY ended_at LIMIT $2`,
    [p.endedBeforeMs, p.limit],
  );
  return rows.map((r) => r.session_id);
}

/**
 * Locks an expired session for deletion, skipping it if someone holds its row (another replica
 * deleting it, a flush): true if locked and still expired.
 */
export async function lockExpiredSession(db: Queryable, p: { sessionId: string; endedBeforeMs: number }): Promise<boolean> {
  const { rows } = await db.query(
    `SELECT 1 FROM sessions
     WHERE session_id = $1 AND state IN ('exited', 'killed', 'lost')
       AND ended_at < 'epoch'::timestamptz + $2::bigint * interval '1 millisecond'
     FOR UPDATE SKIP LOCKED`,
    [p.sessionId, p.endedBeforeMs],
  );
  return rows.length === 1;
}
