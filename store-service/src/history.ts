/**
 * ReadHistory: replays one session's stored history in seq order.
 *
 * The replay is `start`, then output chunks with the resizes and unreachable intervals (times
 * the session's pty-service could not be reached, sql/unreachable.ts) that followed each of them, then
 * `exit` once an ended session's last chunk has been sent, then `end` saying why it stopped and
 * where to continue. It never skips a missing chunk: it stops before it with reason GAP.
 *
 * Memory stays bounded whatever the history's size: rows are read in keyset pages bounded by
 * rows and bytes, and each message waits for the stream to drain before the next is written.
 * Chunks come from a ChunkSource: storedHistorySource serves raw rows and compressed segments
 * (compactor.ts), decompressing one segment at a time.
 */
import type pg from "pg";
import { Code, ServiceError, invalidArgument, microsToTimestamp, sessionEndReason, type StoreApi } from "@ptykeep/proto";
import { decompress, isCodecId, CorruptSegmentError } from "./codec.js";
import { segmentContaining, type SegmentRow } from "./sql/segments.js";
import { ENDED_STATES, stateToProto, unreachableToProto } from "./mapping.js";
import { readChunkPage, type ChunkRow } from "./sql/chunks.js";
import { getOrThrow } from "./sessions.js";
import { getSession, type SessionRow } from "./sql/sessions.js";
import { sizeBefore, sizeEventsBetween } from "./sql/size-events.js";
import { intervalsBetween } from "./sql/unreachable.js";
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
  /** Begin from the latest screen snapshot at or before a point (ReadHistoryRequest.from_screen). */
  fromScreen?: ScreenRequest;
}

type EndReason = StoreApi.HistoryEndReason;

export async function replayHistory(opts: ReplayOptions): Promise<void> {
  const { pool, sessionId, signal } = opts;
  if (opts.toSeq !== 0 && opts.fromSeq > opts.toSeq) throw invalidArgument(`from_seq ${opts.fromSeq} is after to_seq ${opts.toSeq}`);
  let session = await getOrThrow(pool, sessionId);

  const firstKept = session.first_kept_seq;
  // The seq just after the last one there is (or can be, once the session ended) is a valid
  // place to start: a reader that has everything is told it is caught up, or that the session
  // ended. Further on there is nothing to start from.
  const endSeq = lastSeqOf(session) + 1;
  if (opts.fromSeq > endSeq) {
    throw new ServiceError(
      Code.OUT_OF_RANGE,
      `from_seq ${opts.fromSeq} is beyond the newest output of session ${sessionId} (last seq ${endSeq - 1}); read from ${firstKept}..${endSeq}, or 0 for the oldest kept output`,
    );
  }
  // From the screen: the snapshot stands right after chunk screen.atSeq and the replay goes on
  // from the chunk after it; without one, it is the full replay and the start says why.
  const screen = opts.fromScreen ? await findScreen(pool, session, { ...opts.fromScreen, toSeq: opts.toSeq }) : undefined;
  const start = screen?.snapshot ? screen.snapshot.atSeq + 1 : opts.fromSeq === 0 ? firstKept : Math.max(opts.fromSeq, firstKept);
  // Without to_seq the replay ends at the newest output there was when it began: a reader slower
  // than the program still finishes, and continues from next_seq with another call.
  const upper = opts.toSeq === 0 ? endSeq - 1 : opts.toSeq;
  const page = (fromSeq: number) =>
    fromSeq > upper ? Promise.resolve([]) : storedHistorySource.page(pool, { sessionId, fromSeq, toSeq: upper, maxRows: HISTORY_TUNING.PAGE_ROWS, maxBytes: HISTORY_TUNING.PAGE_BYTES });

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
  // Intervals before any output (at_seq 0) belong right after the start of a whole replay; like
  // resizes, an event after chunk N is part of a replay only if chunk N is.
  if (start === 1 && session.unreachable_count > 0) {
    for (const u of await intervalsBetween(pool, sessionId, 0, 0)) await opts.send({ unreachable: unreachableToProto(u) });
  }

  let next = start;
  let nextOffset = offset;
  let reason: EndReason | undefined;
  while (reason === undefined) {
    signal.throwIfAborted();
    if (rows.length === 0) {
      // Nothing at `next` in that read. Whether that is the end of what is stored or a missing
      // chunk is decided on the session's record read *before* one more look at `next`: every
      // chunk the record counts was committed before that look began, so the look finds it if
      // it is there. Decided on a record read after the look, output committed in between would
      // pass for a missing chunk.
      if (next > upper) break;
      session = (await getSession(pool, sessionId)) ?? session;
      if (!moreExpected(session, next)) break;
      rows = await page(next);
      if (rows.length === 0) break;
    }
    const resizes = await sizeEventsBetween(pool, sessionId, rows[0]!.seq, rows[rows.length - 1]!.seq);
    const unreachable = await intervalsBetween(pool, sessionId, rows[0]!.seq, rows[rows.length - 1]!.seq);
    let r = 0;
    let u = 0;
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
      while (u < unreachable.length && unreachable[u]!.at_seq < row.seq) u++;
      for (; u < unreachable.length && unreachable[u]!.at_seq === row.seq; u++) await opts.send({ unreachable: unreachableToProto(unreachable[u]!) });
    }
    if (reason === undefined) rows = await page(next);
  }

  const last = next - 1;
  const reachedUpper = next > upper;
  // Everything up to the bound was sent: the session may have ended since the record was read.
  if (reason === undefined && reachedUpper && !ENDED_STATES.has(session.state)) session = (await getSession(pool, sessionId)) ?? session;
  // Otherwise `session` was read before the last look at `next` (or at the start): it may say
  // the session ended meanwhile, never that a chunk committed after that look is missing.
  const ended = ENDED_STATES.has(session.state);
  const reachedFinal = ended && (session.final_seq === null ? reason === undefined && last >= session.durable_seq : last >= session.final_seq);
  if (reachedFinal && reason === undefined) {
    await opts.send({ exit: exitEvent(session, last) });
    reason = "HISTORY_END_REASON_COMPLETE";
  }
  if (reason === undefined) {
    if (reachedUpper) reason = opts.toSeq === 0 ? "HISTORY_END_REASON_CAUGHT_UP" : "HISTORY_END_REASON_TO_SEQ";
    // Nothing more is stored, yet the session ended with more output, or chunks sit beyond the
    // missing one: a gap, not the end.
    else if (moreExpected(session, next)) reason = "HISTORY_END_REASON_GAP";
    else reason = "HISTORY_END_REASON_CAUGHT_UP";
  }
  await opts.send({ end: { reason, lastSeq: last, nextSeq: next, nextOffset } });
}

/** The newest seq the session has: its final seq once ended, else the newest chunk stored. */
function lastSeqOf(session: SessionRow): number {
  return session.final_seq ?? Math.max(session.durable_seq, session.max_seq);
}

/** Chunk `seq` exists, or will: it is stored or at or before the session's final seq. */
function moreExpected(session: SessionRow, seq: number): boolean {
  return seq <= lastSeqOf(session);
}

/** The session's exit as replay reports it: the same event the pty-service sent its viewers. */
function exitEvent(session: SessionRow, last: number): StoreApi.SessionExit {
  const state = session.state;
  const exitCode = session.exit_code === null ? undefined : session.exit_code;
  return {
    state: stateToProto(state),
    ...(exitCode === undefined ? {} : { exitCode }),
    signal: session.exit_signal,
    finalSeq: session.final_seq ?? last,
    ts: session.ended_at ? microsToTimestamp(session.ended_at.getTime() * 1000) : null,
    // A lost session's reason was written by the reaper; an exit's is derived from the record.
    reason: state === "exited" || state === "killed" ? sessionEndReason({ state, exitCode, signal: session.exit_signal }) : session.end_reason,
  };
}

/** Byte offset of chunk `seq` when it is not stored: known only at the edges of what is kept. */
function knownOffset(session: SessionRow, seq: number): number {
  if (seq === session.durable_seq + 1) return session.durable_bytes;
  if (seq === session.first_kept_seq) return session.first_kept_offset;
  return 0;
}
