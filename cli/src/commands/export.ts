/**
 * `ptykeep export ID --format asciicast`: the stored session as an asciicast v2 recording on
 * stdout (see asciicast.ts for what happens to bytes that are not UTF-8).
 */
import { timestampToMicros, timestampToMs } from "@ptykeep/proto/client";
import { AsciicastEncoder, shellJoin } from "../asciicast.js";
import type { Context } from "../context.js";
import { EXIT } from "../errors.js";
import { getSession, readHistory } from "../history.js";
import { OutputSink, Progress } from "../output.js";

/** Used when the session records no size (the pty-service's default). */
const DEFAULT_SIZE = Object.freeze({ rows: 24, cols: 80 });

export async function exportCommand(ctx: Context, cmd: { id: string; title?: string }): Promise<number> {
  const { conn, stdout, stderr } = ctx;
  const session = await getSession(conn, cmd.id);
  const out = new OutputSink(stdout);
  const progress = new Progress(stderr, { enabled: Progress.enabledFor(stdout, stderr), total: session.durableBytes, label: "exporting" });
  // Times count from when the program started (registration when it never did).
  const startTs = session.startedAt ?? session.createdAt;
  const startMicros = timestampToMicros(startTs) ?? 0;
  const encoder = new AsciicastEncoder(startMicros);
  let gapAfter: number | undefined;
  try {
    for await (const ev of readHistory(conn, { sessionId: cmd.id })) {
      if (out.closed) break;
      if (ev.start) {
        if (ev.start.truncated) stderr.write(`ptykeep: output before seq ${ev.start.fromSeq} was removed by retention; the recording starts there\n`);
        await out.write(
          encoder.header({
            width: ev.start.cols || session.cols || DEFAULT_SIZE.cols,
            height: ev.start.rows || session.rows || DEFAULT_SIZE.rows,
            timestamp: Math.floor((timestampToMs(startTs) ?? 0) / 1000),
            command: shellJoin(session.command, session.args),
            ...(cmd.title === undefined ? {} : { title: cmd.title }),
          }),
        );
      } else if (ev.output) {
        const line = encoder.output(ev.output.ts, ev.output.data);
        if (line) await out.write(line);
        progress.add(ev.output.data.length);
      } else if (ev.resize) {
        await out.write(encoder.resize(ev.resize.ts, ev.resize.rows, ev.resize.cols));
      } else if (ev.end?.reason === "HISTORY_END_REASON_GAP") {
        gapAfter = ev.end.lastSeq;
      }
    }
    const tail = encoder.finish();
    if (tail) await out.write(tail);
  } finally {
    progress.done();
  }
  if (gapAfter !== undefined) {
    stderr.write(`ptykeep: history of ${cmd.id} has a gap after seq ${gapAfter}; the recording stops there\n`);
    return EXIT.FAILURE;
  }
  return EXIT.OK;
}
