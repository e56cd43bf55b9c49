/**
 * Reading a session's stream of events from either service, as async iterables that end or
 * throw a CliError naming the service: ReadHistory on the store (what is stored), Attach on the
 * pty-service (stored history, then live output).
 */
import { callServerStream, type PtyApi, type ResponseStream, type StoreApi } from "@ptykeep/proto/client";
import type { Connection, ServiceName } from "./connection.js";

export type HistoryEvent = StoreApi.ReadHistoryResponse__Output;
export type AttachEvent = PtyApi.AttachResponse__Output;

export interface EventStream<T> extends AsyncIterable<T> {
  /** Ends the call; the iteration then stops quietly. */
  cancel(): void;
}

function wrap<T>(conn: Connection, service: ServiceName, sessionId: string, call: ResponseStream<T>): EventStream<T> {
  let cancelled = false;
  return {
    cancel() {
      cancelled = true;
      call.cancel();
    },
    async *[Symbol.asyncIterator]() {
      try {
        for await (const event of call) yield event;
      } catch (err) {
        if (cancelled) return;
        throw conn.explain(err, service, sessionId);
      }
    },
  };
}

export function readHistory(conn: Connection, req: { sessionId: string; fromSeq?: number; toSeq?: number; fromScreen?: boolean }): EventStream<HistoryEvent> {
  const store = conn.storeClient();
  return wrap(
    conn,
    "store-service",
    req.sessionId,
    callServerStream(store, "ReadHistory", { sessionId: req.sessionId, fromSeq: req.fromSeq ?? 0, toSeq: req.toSeq ?? 0, fromScreen: req.fromScreen ?? false }),
  );
}

export function attach(conn: Connection, req: { sessionId: string; fromSeq?: number; liveOnly?: boolean; fromScreen?: boolean }): EventStream<AttachEvent> {
  const pty = conn.ptyClient();
  return wrap(
    conn,
    "pty-service",
    req.sessionId,
    callServerStream(pty, "Attach", { sessionId: req.sessionId, fromSeq: req.fromSeq ?? 0, liveOnly: req.liveOnly ?? false, fromScreen: req.fromScreen ?? false }),
  );
}

export async function getSession(conn: Connection, sessionId: string): Promise<StoreApi.Session__Output> {
  const store = conn.storeClient();
  const res = await conn.unary("store-service", store, "GetSession", { sessionId }, { sessionId });
  if (!res.session) throw new Error(`store-service returned no session for ${sessionId}`);
  return res.session;
}

/**
 * The seq of the chunk holding byte `offset` of the session's output, found by bisection over
 * one-chunk reads (only each read's start message is used), so `attach --tail` does not download
 * the history it skips.
 */
export async function seqAtOffset(conn: Connection, session: StoreApi.Session__Output, offset: number): Promise<number> {
  let lo = Math.max(1, session.firstKeptSeq);
  let hi = session.durableSeq;
  if (hi < lo) return lo;
  const startOffset = async (seq: number): Promise<number | undefined> => {
    const stream = readHistory(conn, { sessionId: session.sessionId, fromSeq: seq, toSeq: seq });
    for await (const ev of stream) {
      if (ev.start) {
        stream.cancel();
        return ev.start.offset;
      }
    }
    return undefined;
  };
  // Invariant: the answer is in [lo, hi]; chunk lo starts at or before `offset` (or is the first kept).
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    const at = await startOffset(mid);
    if (at === undefined) return lo;
    if (at <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
