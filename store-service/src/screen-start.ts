/**
 * Where a replay asked to begin from the screen begins: the newest readable screen snapshot at or
 * before the caller's point (ReadHistoryRequest.from_screen / screen_at_seq), or the reason it is
 * the full history instead. A snapshot that does not decode is skipped for an older one, logged and
 * counted; it is never served.
 */
import type pg from "pg";
import { Code, invalidArgument, microsToTimestamp, ServiceError, type Logger, type StoreApi } from "@ptykeep/proto";
import type { StoreMetrics } from "./metrics.js";
import { decompress, isCodecId, CorruptSegmentError } from "./codec.js";
import type { SessionRow } from "./sql/sessions.js";
import { latestSnapshot, type SnapshotRow } from "./sql/snapshots.js";

export interface ScreenRequest {
  /** screen_at_seq: 0 means to_seq, or the newest stored output. */
  atSeq: number;
  log: Logger;
  metrics?: StoreMetrics | undefined;
}

export interface ScreenStart {
  status: StoreApi.ScreenStatus;
  detail: string;
  snapshot?: StoreApi.ScreenSnapshot & { atSeq: number; offset: number };
}

export async function findScreen(pool: pg.Pool, session: SessionRow, p: ScreenRequest & { toSeq: number }): Promise<ScreenStart> {
  const sessionId = session.session_id;
  const newest = Number(session.max_seq);
  const firstKept = Number(session.first_kept_seq);
  if (p.toSeq !== 0 && p.atSeq > p.toSeq) throw invalidArgument(`screen_at_seq ${p.atSeq} is after to_seq ${p.toSeq}; the screen must stand at or before the end of the replay`);
  if (p.atSeq > newest) {
    throw new ServiceError(Code.OUT_OF_RANGE, `screen_at_seq ${p.atSeq} is beyond the newest stored output of session ${sessionId} (seq ${newest}); use 0 for the newest screen`);
  }
  if (p.atSeq !== 0 && p.atSeq < firstKept - 1) {
    throw new ServiceError(Code.OUT_OF_RANGE, `screen_at_seq ${p.atSeq} is before the oldest kept output of session ${sessionId} (first_kept_seq ${firstKept}): that history was removed by retention`);
  }
  const point = p.atSeq !== 0 ? p.atSeq : p.toSeq !== 0 ? Math.min(p.toSeq, newest) : newest;
  let bound = point;
  let unreadable = 0;
  for (;;) {
    const snap = await latestSnapshot(pool, { sessionId, atOrBefore: bound, notBefore: firstKept - 1 });
    if (!snap) break;
    const data = await decodeSnapshot(snap, { sessionId, log: p.log, metrics: p.metrics });
    if (data) {
      return {
        status: "SCREEN_STATUS_SNAPSHOT",
        detail: "",
        snapshot: {
          atSeq: snap.at_seq,
          offset: snap.byte_offset,
          rows: snap.rows,
          cols: snap.cols,
          data,
          ts: microsToTimestamp(snap.chunk_ts_us),
          scrollbackLines: snap.scrollback_lines,
        },
      };
    }
    unreadable++;
    bound = snap.at_seq - 1;
  }
  if (unreadable > 0) {
    return { status: "SCREEN_STATUS_UNREADABLE", detail: `${unreadable} screen snapshot(s) at or before seq ${point} did not decode; replaying the full history` };
  }
  return { status: "SCREEN_STATUS_NO_SNAPSHOT", detail: `no screen snapshot at or before seq ${point} yet; replaying the full history` };
}

/** A stored snapshot's bytes, or undefined when it does not decode (logged, counted, never served). */
export async function decodeSnapshot(
  snap: SnapshotRow,
  p: { sessionId: string; log: Logger; metrics?: StoreMetrics | undefined; onUnreadable?: () => void },
): Promise<Buffer | undefined> {
  try {
    if (!isCodecId(snap.codec)) throw new CorruptSegmentError("none", `unknown codec ${JSON.stringify(snap.codec)}`);
    return await decompress(snap.codec, snap.data, snap.raw_length);
  } catch (err) {
    p.log.error({ err, sessionId: p.sessionId, atSeq: snap.at_seq }, "screen snapshot does not decode; an older one (or the full history) is used instead");
    p.metrics?.screenSnapshotUnreadable();
    p.onUnreadable?.();
    return undefined;
  }
}
