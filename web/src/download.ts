/**
 * History downloads: a session's stored output as raw bytes (exactly what the program wrote)
 * or as an asciicast v2 recording (the CLI's encoder, cli/src/asciicast.ts), streamed from the
 * store's ReadHistory to the HTTP response with back-pressure: a slow download holds one
 * message at a time, never the session. Raw bytes are passed on as stored, never decoded.
 */
import { once } from "node:events";
import type { ServerResponse } from "node:http";
import { callServerStream, timestampToMicros, timestampToMs, type StoreApi, type StoreServiceClient } from "@ptykeep/proto";
import { AsciicastEncoder, shellJoin } from "@ptykeep/cli/asciicast";

/** Used when the session records no size (the pty-service's default). */
const DEFAULT_SIZE = Object.freeze({ rows: 24, cols: 80 });

export type DownloadFormat = "raw" | "cast";

/** Writes with back-pressure; a response closed meanwhile (the signal) ends the wait. */
async function write(res: ServerResponse, data: string | Buffer, signal: AbortSignal): Promise<void> {
  if (!res.write(data)) await once(res, "drain", { signal });
}

/**
 * Streams the download; the response headers must not have been sent. The caller has checked
 * the session exists (GetSession), so a failure here happens mid-stream and ends the response.
 */
export async function streamHistory(opts: { store: StoreServiceClient; session: StoreApi.Session__Output; format: DownloadFormat; res: ServerResponse; signal: AbortSignal }): Promise<void> {
  const { store, session, format, res, signal } = opts;
  const startTs = session.startedAt ?? session.createdAt;
  const encoder = new AsciicastEncoder(timestampToMicros(startTs) ?? 0);
  // The download holds the session as it was when it began: everything up to the newest seq the
  // store had then (all of it once the session ended). One ReadHistory call stops at the newest
  // output stored when that call began, so calls follow each other from the end's next_seq
  // until the store says the history is complete or caught up past that point.
  const target = Number(session.finalSeq) > 0 ? Number(session.finalSeq) : Number(session.durableSeq);
  let fromSeq = 0;
  let headerSent = false;
  for (;;) {
    signal.throwIfAborted();
    const end = await readOnce({ store, sessionId: session.sessionId, fromSeq, signal }, async (ev) => {
      if (format === "raw") {
        if (ev.output) await write(res, ev.output.data, signal);
        return;
      }
      if (ev.start) {
        if (headerSent) return;
        headerSent = true;
        await write(
          res,
          encoder.header({
            width: ev.start.cols || session.cols || DEFAULT_SIZE.cols,
            height: ev.start.rows || session.rows || DEFAULT_SIZE.rows,
            timestamp: Math.floor((timestampToMs(startTs) ?? 0) / 1000),
            command: shellJoin(session.command, session.args),
          }),
          signal,
        );
      } else if (ev.output) {
        const line = encoder.output(ev.output.ts, ev.output.data);
        if (line) await write(res, line, signal);
      } else if (ev.resize) {
        await write(res, encoder.resize(ev.resize.ts, ev.resize.rows, ev.resize.cols), signal);
      }
    });
    if (!end) throw new Error(`ReadHistory of ${session.sessionId} from seq ${fromSeq} ended without its end message`);
    if (end.reason === "HISTORY_END_REASON_GAP") throw new Error(`history of ${session.sessionId} has a gap after seq ${end.lastSeq}; the download stops there`);
    const nextSeq = Number(end.nextSeq);
    // COMPLETE: the session ended and all of it was sent. CAUGHT_UP past the point the download
    // began, or with nothing new in this call: nothing more belongs to this download.
    if (end.reason !== "HISTORY_END_REASON_CAUGHT_UP" || nextSeq > target || nextSeq <= fromSeq) break;
    fromSeq = nextSeq;
  }
  if (format === "cast") {
    const tail = encoder.finish();
    if (tail) await write(res, tail, signal);
  }
}

/** One ReadHistory call from fromSeq, each message handed to `each` in order; returns its end message. */
async function readOnce(
  opts: { store: StoreServiceClient; sessionId: string; fromSeq: number; signal: AbortSignal },
  each: (ev: StoreApi.ReadHistoryResponse__Output) => Promise<void>,
): Promise<StoreApi.HistoryEnd__Output | undefined> {
  const stream = callServerStream(opts.store, "readHistory", { sessionId: opts.sessionId, fromSeq: opts.fromSeq, toSeq: 0 }, { signal: opts.signal });
  let end: StoreApi.HistoryEnd__Output | undefined;
  try {
    for await (const ev of stream) {
      if (ev.end) end = ev.end;
      else await each(ev);
    }
  } finally {
    stream.cancel();
  }
  return end;
}
