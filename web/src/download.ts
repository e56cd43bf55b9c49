/**
 * History downloads: a session's stored output as raw bytes (exactly what the program wrote)
 * or as an asciicast v2 recording (the CLI's encoder, cli/src/asciicast.ts), streamed from the
 * store's ReadHistory to the HTTP response with back-pressure: a slow download holds one
 * message at a time, never the session.
 */
import { once } from "node:events";
import type { ServerResponse } from "node:http";
import { timestampToMs, type StoreApi, type StoreServiceClient } from "@ptykeep/proto";
import { AsciicastEncoder, shellJoin, timestampToMicros } from "../../cli/src/asciicast.js";

/** Used when the session records no size (the pty-service's default). */
const DEFAULT_SIZE = Object.freeze({ rows: 24, cols: 80 });

export type DownloadFormat = "raw" | "cast";

async function write(res: ServerResponse, data: string | Buffer): Promise<void> {
  if (!res.write(data)) await once(res, "drain");
}

/**
 * Streams the download; the response headers must not have been sent. The caller has checked
 * the session exists (GetSession), so a failure here happens mid-stream and ends the response.
 */
export async function streamHistory(opts: { store: StoreServiceClient; session: StoreApi.Session__Output; format: DownloadFormat; res: ServerResponse; signal: AbortSignal }): Promise<void> {
  const { store, session, format, res, signal } = opts;
  const startTs = session.startedAt ?? session.createdAt;
  const encoder = new AsciicastEncoder(timestampToMicros(startTs) ?? 0);
  const stream = store.readHistory({ sessionId: session.sessionId, fromSeq: 0, toSeq: 0 });
  const onAbort = () => stream.cancel();
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    for await (const ev of stream as AsyncIterable<StoreApi.ReadHistoryResponse__Output>) {
      if (format === "raw") {
        if (ev.output) await write(res, ev.output.data);
        continue;
      }
      if (ev.start) {
        await write(
          res,
          encoder.header({
            width: ev.start.cols || session.cols || DEFAULT_SIZE.cols,
            height: ev.start.rows || session.rows || DEFAULT_SIZE.rows,
            timestamp: Math.floor((timestampToMs(startTs) ?? 0) / 1000),
            command: shellJoin(session.command, session.args),
          }),
        );
      } else if (ev.output) {
        const line = encoder.output(ev.output.ts, ev.output.data);
        if (line) await write(res, line);
      } else if (ev.resize) {
        await write(res, encoder.resize(ev.resize.ts, ev.resize.rows, ev.resize.cols));
      }
    }
    if (format === "cast") {
      const tail = encoder.finish();
      if (tail) await write(res, tail);
    }
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}
