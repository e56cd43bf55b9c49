/** SQL for size_events: terminal resizes, each recorded with the output seq it followed. */
import type { Queryable } from "../db/pool.js";

export interface SizeEventRow {
  change_no: number;
  at_seq: number;
  rows: number;
  cols: number;
  ts: Date;
}

/** Records a resize; a retry of the same change_no is ignored. */
export async function insertSizeEvent(db: Queryable, e: { sessionId: string; changeNo: number; atSeq: number; rows: number; cols: number }): Promise<void> {
  await db.query(
    `INSERT INTO size_events (session_id, change_no, at_seq, rows, cols) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (session_id, change_no) DO NOTHING`,
    [e.sessionId, e.changeNo, e.atSeq, e.rows, e.cols],
  );
}

/** The last resize that took effect before output chunk `seq` (at_seq < seq), if any. */
export async function sizeBefore(db: Queryable, sessionId: string, seq: number): Promise<SizeEventRow | undefined> {
  const { rows } = await db.query<SizeEventRow>(
    `SELECT change_no, at_seq, rows, cols, ts FROM size_events
     WHERE session_id = $1 AND at_seq < $2 ORDER BY at_seq DESC, change_no DESC LIMIT 1`,
    [sessionId, seq],
  );
  return rows[0];
}

/** Resizes that followed chunks fromSeq..toSeq, in the order they happened. */
export async function sizeEventsBetween(db: Queryable, sessionId: string, fromSeq: number, toSeq: number): Promise<SizeEventRow[]> {
  const { rows } = await db.query<SizeEventRow>(
    `SELECT change_no, at_seq, rows, cols, ts FROM size_events
     WHERE session_id = $1 AND at_seq BETWEEN $2 AND $3 ORDER BY at_seq, change_no`,
    [sessionId, fromSeq, toSeq],
  );
  return rows;
}
