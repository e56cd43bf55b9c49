/**
 * Where the compactor's next segment ends: a pure function of the session's raw rows (their
 * sizes and timestamps, read ahead in pages) and the rules below, kept apart from the I/O so the
 * carving can be tested on its own (carve-segment.test.ts).
 *
 * A segment takes rows from the first one on, in seq order, while they are contiguous (each row's
 * seq and offset follow the one before), cold (unless the session ended or is over its retention
 * cap), and fit: at most maxChunks rows, and at most maxRawBytes unless a single row is larger
 * (it then gets a segment of its own). The carved run is written when it is full (the next row
 * did not fit), when the session ended, or when it holds every durable row and all of them are
 * cold (the session went quiet); otherwise the partial segment waits for more output.
 */

export interface CarveRow {
  seq: number;
  byte_offset: number;
  ts_us: number;
  length: number;
}

export interface CarveRules {
  /** Raw bytes per segment (a single larger row still gets a segment of its own). */
  maxRawBytes: number;
  /** Rows per segment at most. */
  maxChunks: number;
  /** Rows with ts_us at or after this (µs since the epoch) are hot. */
  coldBeforeUs: number;
  /** The session is exited or killed: its last, partial segment is written at once. */
  ended: boolean;
  /** Its kept history is over the retention cap: hot rows are packed too, into full segments only. */
  overCap: boolean;
  /** The session's durable watermark: rows are only ever read up to it. */
  durableSeq: number;
}

export type Carve =
  /** Write rows[0 .. chunks-1] as one segment; when full, more rows may follow in another. */
  | { action: "write"; chunks: number; rawBytes: number; full: boolean }
  /** Nothing to write yet: no rows, the first row is hot, or a partial segment that must wait. */
  | { action: "wait" }
  /** The row at brokenAtSeq does not follow the one before it: compaction of the session stops. */
  | { action: "stop"; brokenAtSeq: number };

/** Carves the next segment from rows, which start at the session's lowest raw row. */
export function carveSegment(rows: readonly CarveRow[], rules: CarveRules): Carve {
  let n = 0;
  let bytes = 0;
  let full = false;
  let reachedHot = false;
  for (const m of rows) {
    if (n === rules.maxChunks || (n > 0 && bytes + m.length > rules.maxRawBytes)) {
      full = true;
      break;
    }
    if (!rules.ended && !rules.overCap && m.ts_us >= rules.coldBeforeUs) {
      reachedHot = true;
      break;
    }
    const prev = rows[n - 1];
    if (prev && (m.seq !== prev.seq + 1 || m.byte_offset !== prev.byte_offset + prev.length)) return { action: "stop", brokenAtSeq: m.seq };
    bytes += m.length;
    n++;
  }
  if (n === 0) return { action: "wait" };
  // Every durable row is in this segment and really cold (over the cap, hot rows are packed into
  // full segments only): the session has gone quiet.
  const last = rows[n - 1]!;
  const quiet = !reachedHot && !full && last.seq === rules.durableSeq && last.ts_us < rules.coldBeforeUs;
  return full || rules.ended || quiet ? { action: "write", chunks: n, rawBytes: bytes, full } : { action: "wait" };
}
