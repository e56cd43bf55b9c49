/**
 * ReadHistory: replays one session's stored history in seq order.
 *
 * The replay is `start`, then output chunks with the resizes that followed each of them, then
 * `exit` once an ended session's last chunk has been sent, then `end` saying why it stopped and
 * where to continue. It never skips a missing chunk: it stops before it with reason GAP.
 *
 * Memory stays bounded whatever the history's size: rows are read in keyset pages bounded by
 * rows and bytes, and each message waits for the stream to drain before the next is written.
 * Chunks come from a ChunkSource: storedHistorySource serves raw rows and compressed segments
 * (compactor.ts), decompressing one segment at a time.
 */
import type pg from "pg";
import { invalidArgument, type StoreApi } from "@ptykeep/proto";
import { decompress, isCodecId, CorruptSegmentError } from "./codec.js";
import { segmentContaining, type SegmentRow } from "./sql/segments.js";
import { ENDED_STATES, microsToTimestamp, stateToProto } from "./mapping.js";
import { readChunkPage, type ChunkRow } from "./sql/chunks.js";
import { getOrThrow } from "./sessions.js";
import { getSession, type SessionRow } from "./sql/sessions.js";
import { sizeBefore, sizeEventsBetween } from "./sql/size-events.js";
import { findScreen, type ScreenRequest } from "./screen-start.js";

export const HISTORY_TUNING = Object.freeze({
  /** Rows per page: enough to amortise a round trip over small chunks. */
  PAGE_ROWS: 256,
  /** Bytes per page (at least one row): bounds the memory one reader holds. */
  PAGE_BYTES: 1024 * 1024,
});

/** Where chunks come from, in seq order. */
export interface ChunkSource {
  page(db: pg.Pool, p: { sessionId: string; fromSeq: number; toSeq: number; maxRows: number; maxBytes: number }): Promise<ChunkRow[]>;
}

export const rawRowsSource: ChunkSource = { page: readChunkPage };

/**
 * Raw rows and segments. Each page looks for the segment holding fromSeq, then for raw rows from
 * fromSeq, then once more for a segment. The compactor moves a range from rows to a segment in
 * one transaction, so a seq the rows query (one statement snapshot) misses because it moved is
 * in a segment committed before the last lookup starts: nothing moving meanwhile is missed. The
 * segment comes first so that replaying compacted history does not read raw rows it would drop.
 * A segment page is the rest of that segment from fromSeq (up to toSeq), whatever maxRows and
 * maxBytes say: a reader holds at most one decoded segment.
 */
export const storedHistorySource: ChunkSource = {
  async page(db, p) {
    let segment = await segmentContaining(db, p.sessionId, p.fromSeq);
    if (!segment) {
      const rows = await readChunkPage(db, p);
      if (rows[0]?.seq === p.fromSeq) return rows;
      segment = await segmentContaining(db, p.sessionId, p.fromSeq);
      if (!segment) return rows;
    }
    return segmentPage(segment, p);
  },
};

/** The chunks fromSeq..toSeq of a segment, decoded; their data are views of one decoded buffer. */
async function segmentPage(segment: SegmentRow, p: { sessionId: string; fromSeq: number; toSeq: number }): Promise<ChunkRow[]> {
  if (!isCodecId(segment.codec)) throw new CorruptSegmentError("none", `unknown codec ${JSON.stringify(segment.codec)} in session ${p.sessionId} at seq ${segment.first_seq}`);
  const raw = await decompress(segment.codec, segment.data, segment.byte_length);
  const out: ChunkRow[] = [];
  let at = 0;
  for (let i = 0; i < segment.chunk_lengths.length; i++) {
    const seq = segment.first_seq + i;
    const length = segment.chunk_lengths[i]!;
    if (seq > p.toSeq) break;
    if (seq >= p.fromSeq) {
      out.push({ seq, byte_offset: segment.first_offset + at, ts_us: segment.first_ts_us + segment.ts_deltas_us[i]!, data: raw.subarray(at, at + length) });
    }
    at += length;
  }
  return out;
}

export interface ReplayOptions {
  pool: pg.Pool;
  sessionId: string;
  fromSeq: number;
  /** 0: up to the newest stored chunk. */
  toSeq: number;
  send(message: StoreApi.ReadHistoryResponse): Promise<void>;
  signal: AbortSignal;
  source?: ChunkSource;
  /** Begin from the latest screen snapshot at or before a point (ReadHistoryRequest.from_screen). */
  fromScreen?: ScreenRequest;
}

type EndReason = StoreApi.HistoryEndReason;

export async function replayHistory(opts: ReplayOptions): Promise<void> {
  const { pool, sessionId, signal } = opts;
  const source = opts.source ?? storedHistorySource;
  if (opts.toSeq !== 0 && opts.fromSeq > opts.toSeq) throw invalidArgument(`from_seq ${opts.fromSeq} is after to_seq ${opts.toSeq}`);
  const session = await getOrThrow(pool, sessionId);

  const firstKept = session.first_kept_seq;
  // From the screen: the snapshot stands right after chunk screen.atSeq and the replay goes on
  // from the chunk after it; without one, it is the full replay and the start says why.
  const screen = opts.fromScreen ? await findScreen(pool, session, { ...opts.fromScreen, toSeq: opts.toSeq }) : undefined;
  const start = screen?.snapshot ? screen.snapshot.atSeq + 1 : opts.fromSeq === 0 ? firstKept : Math.max(opts.fromSeq, firstKept);
  const upper = opts.toSeq === 0 ? Number.MAX_SAFE_INTEGER : opts.toSeq;
  const page = (fromSeq: number) =>
    fromSeq > upper ? Promise.resolve([]) : source.page(pool, { sessionId, fromSeq, toSeq: upper, maxRows: HISTORY_TUNING.PAGE_ROWS, maxBytes: HISTORY_TUNING.PAGE_BYTES });

  // The size in force when chunk `start` was written: every resize that followed an earlier chunk
  // (at_seq < start, including at_seq 0, "before any output") has taken effect.
  const size = (await sizeBefore(pool, sessionId, start)) ?? { rows: session.initial_rows, cols: session.initial_cols };
  let rows = await page(start);
  const offset = screen?.snapshot ? screen.snapshot.offset : rows[0]?.seq === start ? rows[0].byte_offset : knownOffset(session, start);
  await opts.send({
    start: {
      fromSeq: start,
      truncated: opts.fromSeq !== 0 && opts.fromSeq < firstKept,
      rows: size.rows,
      cols: size.cols,
      offset,
      ...(screen ? { screenStatus: screen.status, screenSeq: screen.snapshot?.atSeq ?? 0, screenDetail: screen.detail } : {}),
    },
  });
  if (screen?.snapshot) await opts.send({ screen: screen.snapshot });

  let next = start;
  let nextOffset = offset;
  let reason: EndReason | undefined;
  while (reason === undefined) {
    signal.throwIfAborted();
    if (rows.length === 0) break;
    const resizes = await sizeEventsBetween(pool, sessionId, rows[0]!.seq, rows[rows.length - 1]!.seq);
    let r = 0;
    for (const row of rows) {
      if (row.seq !== next) {
        reason = "HISTORY_END_REASON_GAP";
        break;
      }
      await opts.send({ output: { sessionId, seq: row.seq, offset: row.byte_offset, ts: microsToTimestamp(row.ts_us), data: row.data } });
      next = row.seq + 1;
      nextOffset = row.byte_offset + row.data.length;
      while (r < resizes.length && resizes[r]!.at_seq < row.seq) r++;
      for (; r < resizes.length && resizes[r]!.at_seq === row.seq; r++) {
        const e = resizes[r]!;
        await opts.send({ resize: { rows: e.rows, cols: e.cols, atSeq: e.at_seq, ts: microsToTimestamp(e.ts.getTime() * 1000) } });
      }
    }
    if (reason === undefined) rows = await page(next);
  }

  // Decide how the replay ends on a fresh read of the session: it may have ended meanwhile.
  const now = (await getSession(pool, sessionId)) ?? session;
  const last = next - 1;
  const ended = ENDED_STATES.has(now.state);
  const reachedFinal = ended && (now.final_seq === null ? reason === undefined && last >= now.durable_seq : last >= now.final_seq);
  if (reachedFinal && reason === undefined) {
    await opts.send({
      exit: {
        state: stateToProto(now.state),
        ...(now.exit_code === null ? {} : { exitCode: now.exit_code }),
        signal: now.exit_signal,
        finalSeq: now.final_seq ?? last,
        ts: now.ended_at ? microsToTimestamp(now.ended_at.getTime() * 1000) : null,
        reason: now.end_reason,
      },
    });
    reason = "HISTORY_END_REASON_COMPLETE";
  }
  if (reason === undefined) {
    if (next > upper) reason = "HISTORY_END_REASON_TO_SEQ";
    // Nothing more is stored, yet the session ended with more output, or chunks sit beyond the
    // missing one: a gap, not the end.
    else if ((ended && now.final_seq !== null && last < now.final_seq) || now.max_seq > last) reason = "HISTORY_END_REASON_GAP";
    else reason = "HISTORY_END_REASON_CAUGHT_UP";
  }
  await opts.send({ end: { reason, lastSeq: last, nextSeq: next, nextOffset } });
}

/** Byte offset of chunk `seq` when it is not stored: known only at the edges of what is kept. */
function knownOffset(session: SessionRow, seq: number): number {
  if (seq === session.durable_seq + 1) return session.durable_bytes;
  if (seq === session.first_kept_seq) return session.first_kept_offset;
  return 0;
}
