/**
 * `ptykeep logs ID [--from SEQ] [--follow] [--raw]`: the session's output on stdout, byte for
 * byte (`logs --screen ID`: its screen as text, screen-text.ts). Safe to pipe: nothing is decoded, stripped or added when stdout is not a terminal, and a
 * reader that goes away (`| head`) just ends it. When stdout is a terminal, modes the output left
 * on (mouse reporting, alternate screen...) are switched off at the end, unless --raw.
 *
 * --follow: after the stored history, live output from the pty-service; if that cannot be
 * reached, the store is polled until the session ends.
 */
import { Code, delay, type StoreApi } from "@ptykeep/proto/client";
import type { Context } from "../context.js";
import { isTty } from "../context.js";
import { CliError, EXIT } from "../errors.js";
import { attach, getSession, readHistory } from "../history.js";
import { OutputSink, Progress } from "../output.js";
import { screenText } from "../screen-text.js";
import { AltScreenTracker, terminalResetSequence } from "../terminal.js";

export const FOLLOW = Object.freeze({
  /** Store polling interval when live output cannot come from the pty-service. */
  POLL_MS: 500,
});

type HistoryEndReason = StoreApi.HistoryEndReason__Output;

export async function logsCommand(ctx: Context, cmd: { id: string; fromSeq: number; follow: boolean; raw: boolean; screen?: boolean }): Promise<number> {
  if (cmd.screen) return screenText(ctx, cmd.id);
  const { conn, stdout, stderr } = ctx;
  const session = await getSession(conn, cmd.id);
  const out = new OutputSink(stdout);
  const alt = new AltScreenTracker();
  const progress = new Progress(stderr, { enabled: Progress.enabledFor(stdout, stderr), total: session.durableBytes, label: "replaying" });
  let nextSeq = cmd.fromSeq;
  let ended = false;
  let gap = false;

  /** Reads stored history from nextSeq; returns why it stopped. */
  const readStored = async (): Promise<HistoryEndReason | undefined> => {
    let reason: HistoryEndReason | undefined;
    for await (const ev of readHistory(conn, { sessionId: cmd.id, fromSeq: nextSeq })) {
      if (out.closed) break;
      if (ev.output) {
        alt.observe(ev.output.data);
        await out.write(ev.output.data);
        progress.add(ev.output.data.length);
      } else if (ev.start?.truncated && nextSeq === cmd.fromSeq) {
        stderr.write(`ptykeep: output before seq ${ev.start.fromSeq} was removed by retention\n`);
      } else if (ev.end) {
        reason = ev.end.reason;
        nextSeq = ev.end.nextSeq;
      }
    }
    return reason;
  };

  try {
    let reason = await readStored();
    progress.done();
    if (reason === "HISTORY_END_REASON_GAP") gap = true;
    if (reason === "HISTORY_END_REASON_COMPLETE") ended = true;
    if (cmd.follow && !ended && !gap && !out.closed) {
      const live = await followLive(ctx, cmd.id, nextSeq, out, alt);
      if (live.lastSeq >= nextSeq) nextSeq = live.lastSeq + 1;
      if (!live.sawExit) {
        // The pty-service is out of reach or does not host the session: the store still gets
        // its output from wherever it runs.
        while (!ended && !gap && !out.closed) {
          await delay(FOLLOW.POLL_MS, { ref: true });
          reason = await readStored();
          if (reason === "HISTORY_END_REASON_GAP") gap = true;
          if (reason === "HISTORY_END_REASON_COMPLETE") ended = true;
        }
      }
    }
  } finally {
    progress.done();
    if (!cmd.raw && isTty(stdout)) await out.write(terminalResetSequence(alt.active));
  }
  if (gap) {
    stderr.write(`ptykeep: history of ${cmd.id} has a gap after seq ${nextSeq - 1}; output stops there\n`);
    return EXIT.FAILURE;
  }
  return EXIT.OK;
}

/**
 * Live output from the pty-service from `fromSeq`, until the session's exit or until that
 * pty-service cannot serve it (unreachable, or it does not host the session).
 */
async function followLive(ctx: Context, id: string, fromSeq: number, out: OutputSink, alt: AltScreenTracker): Promise<{ lastSeq: number; sawExit: boolean }> {
  let lastSeq = fromSeq - 1;
  let sawExit = false;
  try {
    for await (const ev of attach(ctx.conn, { sessionId: id, fromSeq })) {
      if (out.closed) break;
      if (ev.output && ev.output.seq > lastSeq) {
        alt.observe(ev.output.data);
        await out.write(ev.output.data);
        lastSeq = ev.output.seq;
      } else if (ev.exit) {
        sawExit = true;
      }
    }
  } catch (err) {
    const code = err instanceof CliError ? err.grpcCode : undefined;
    if (code !== Code.UNAVAILABLE && code !== Code.NOT_FOUND) throw err;
  }
  return { lastSeq, sawExit: sawExit || out.closed };
}
