/**
 * SQL for output_chunks: the raw rows of session output.
 *
 * Timestamps travel as integer microseconds since the epoch so no precision is lost on the way
 * (a JavaScript Date holds only milliseconds).
 */
import type { Queryable } from "../db/pool.js";
import { byteaField, copyOut, int8Field, intLiteral, timestampFieldMicros, uuidLiteral } from "./copy-binary.js";

export interface ChunkInsert {
  sessionId: string;
  seq: number;
  offset: number;
  tsMicros: number;
  data: Buffer;
}

/** Rows per INSERT statement: 5 parameters each, far under PostgreSQL's 65535-parameter limit. */
const ROWS_PER_STATEMENT = 1000;

/**
 * Inserts chunks, ignoring any (session_id, seq) already stored. Multi-row VALUES: see
 * bench/ingest-methods.ts for how it compares with the other ways of writing these rows.
 */
export async function insertChunks(db: Queryable, chunks: ChunkInsert[]): Promise<void> {
  for (let start = 0; start < chunks.length; start += ROWS_PER_STATEMENT) {
    const part = chunks.slice(start, start + ROWS_PER_STATEMENT);
    const values: unknown[] = [];
    const tuples = part.map((c, i) => {
      values.push(c.sessionId, c.seq, c.offset, c.tsMicros, c.data);
      const p = i * 5;
      return `($${p + 1}::uuid, $${p + 2}::bigint, $${p + 3}::bigint, 'epoch'::timestamptz + $${p + 4}::bigint * interval '1 microsecond', $${p + 5}::bytea)`;
    });
    await db.query(
      `INSERT INTO output_chunks (session_id, seq, byte_offset, ts, data) VALUES ${tuples.join(", ")}
       ON CONFLICT (session_id, seq) DO NOTHING`,
      values,
    );
  }
}

export interface StoredChunkMeta {
  seq: number;
  byte_offset: number;
  length: number;
}

/**
 * Seqs stored above `afterSeq`, in order, without their data: used to move the durable watermark
 * over rows that arrived before a gap was filled.
 */
export async function storedChunksAfter(db: Queryable, sessionId: string, afterSeq: number, limit: number): Promise<StoredChunkMeta[]> {
  const { rows } = await db.query<StoredChunkMeta>(
    `SELECT seq, byte_offset, octet_length(data)::bigint AS length FROM output_chunks
     WHERE session_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
    [sessionId, afterSeq, limit],
  );
  return rows;
}

export interface ChunkRow {
  seq: number;
  byte_offset: number;
  ts_us: number;
  data: Buffer;
}

/**
 * One page of a replay: chunks with seq in fromSeq..toSeq in order, at most maxRows of them and
 * about maxBytes of data (always at least one row). octet_length() on a TOASTed value reads its
 * header only, so the byte bound is computed without fetching the data it excludes. Read with
 * binary COPY: the data arrive as bytes, not hex text (copy-binary.ts).
 */
export async function readChunkPage(db: Queryable, p: { sessionId: string; fromSeq: number; toSeq: number; maxRows: number; maxBytes: number }): Promise<ChunkRow[]> {
  const rows = await copyOut(
    db,
    `SELECT seq, byte_offset, ts, data
     FROM (
       SELECT seq, byte_offset, ts, data, sum(octet_length(data)) OVER (ORDER BY seq) - octet_length(data) AS bytes_before
       FROM output_chunks
       WHERE session_id = ${uuidLiteral(p.sessionId)} AND seq BETWEEN ${intLiteral(p.fromSeq)} AND ${intLiteral(p.toSeq)}
       ORDER BY seq
       LIMIT ${intLiteral(p.maxRows)}
     ) page
     WHERE bytes_before < ${intLiteral(p.maxBytes)}
     ORDER BY seq`,
  );
  return rows.map((r) => ({ seq: int8Field(r[0]), byte_offset: int8Field(r[1]), ts_us: timestampFieldMicros(r[2]), data: byteaField(r[3]) }));
}

/** Byte offset of the chunk `seq`, if it is stored. */
export async function chunkOffset(db: Queryable, sessionId: string, seq: number): Promise<number | undefined> {
  const { rows } = await db.query<{ byte_offset: number }>(`SELECT byte_offset FROM output_chunks WHERE session_id = $1 AND seq = $2`, [sessionId, seq]);
  return rows[0]?.byte_offset;
}
