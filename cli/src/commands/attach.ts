/**
 * Interactive attach, shared by `run` and `attach`: replay the session from a seq, then follow
 * it live; keystrokes go to the session (raw mode), the local size follows SIGWINCH, the detach
 * keys leave the session running. The terminal is restored on every way out (TerminalGuard).
 *
 * A viewer the pty-service cuts off for being slow re-attaches from the seq after the last one
 * it wrote, so nothing is skipped or shown twice. When the pty-service no longer knows the
 * session (it ended and that pty-service restarted), the history comes from the store instead.
 */
import type { WriteStream } from "node:tty";
import { Code, MAX_CHUNK_BYTES, validate, type StoreApi } from "@ptykeep/proto/client";
import type { Context } from "../context.js";
import { isTty } from "../context.js";
import { DetachDetector, describeDetachKeys } from "../detach-keys.js";
import { CliError, EXIT } from "../errors.js";
import { attach, getSession, readHistory, seqAtOffset, type AttachEvent, type EventStream } from "../history.js";
import { OutputSink, Progress } from "../output.js";
import { describeExit, exitCodeOf } from "../session-exit.js";
import { stateName } from "../table.js";
import { AltScreenTracker, TerminalGuard, terminalResetSequence } from "../terminal.js";

type SessionExit = StoreApi.SessionExit__Output;

export const ATTACH = Object.freeze({
  /** Stream ends without new output this many times in a row: stop re-attaching, it will not help. */
  MAX_IDLE_REATTACHES: 3,
  /** A paste is split into Write calls of at most this size, the contract's chunk limit. */
  MAX_WRITE_BYTES: MAX_CHUNK_BYTES,
  /** Ctrl-C: with --read-only nothing is typed, so it stops watching instead. */
  CTRL_C: 0x03,
});

export interface AttachParams {
  id: string;
  /** First seq to show; 0 means the oldest kept output. */
  fromSeq: number;
  /** Begin with the session's screen (the store's latest snapshot) instead of its whole history. */
  fromScreen?: boolean;
  readOnly: boolean;
  detachKeys: Buffer;
}

/** `attach ID [--history | --from SEQ | --tail BYTES]`: from the screen by default; resolves --tail to a seq. */
export async function attachCommand(ctx: Context, cmd: { id: string; fromSeq: number; tailBytes?: number; history: boolean; readOnly: boolean; detachKeys: Buffer }): Promise<number> {
  let fromSeq = cmd.fromSeq;
  if (cmd.tailBytes !== undefined) {
    const session = await getSession(ctx.conn, cmd.id);
    const target = session.durableBytes - cmd.tailBytes;
    fromSeq = target <= 0 ? 0 : await seqAtOffset(ctx.conn, session, target);
  }
  const fromScreen = !cmd.history && cmd.fromSeq === 0 && cmd.tailBytes === undefined;
  return attachSession(ctx, { id: cmd.id, fromSeq, fromScreen, readOnly: cmd.readOnly, detachKeys: cmd.detachKeys });
}

/**
 * A screen snapshot is written for a fresh terminal: the local one is cleared first (screen and
 * scrollback, cursor home, default pen), so what was on it does not show through.
 */
export const FRESH_TERMINAL = "\x1b[0m\x1b[H\x1b[2J\x1b[3J";

/** Sends keystrokes in order, one Write at a time, coalescing what was typed meanwhile. */
class KeyWriter {
  private queue: Buffer[] = [];
  private running: Promise<void> | undefined;

  constructor(
    private readonly send: (data: Buffer) => Promise<void>,
    private readonly onError: (err: Error) => void,
  ) {}

  push(data: Buffer): void {
    this.queue.push(data);
    this.running ??= this.pump();
  }

  private async pump(): Promise<void> {
    while (this.queue.length > 0) {
      const data = Buffer.concat(this.queue.splice(0));
      for (let at = 0; at < data.length; at += ATTACH.MAX_WRITE_BYTES) {
        try {
          await this.send(data.subarray(at, at + ATTACH.MAX_WRITE_BYTES));
        } catch (err) {
          this.onError(err as Error);
        }
      }
    }
    this.running = undefined;
  }

  async flush(): Promise<void> {
    await this.running;
  }
}

export async function attachSession(ctx: Context, p: AttachParams): Promise<number> {
  const { conn, stdin, stdout, stderr } = ctx;
  const pty = conn.ptyClient();
  const interactive = isTty(stdin);
  const out = new OutputSink(stdout);
  const alt = new AltScreenTracker();
  const guard = new TerminalGuard({
    stdin,
    stdout,
    stderr,
    raw: interactive,
    resetSequence: () => (interactive ? terminalResetSequence(alt.active) : ""),
    onSignal: (signal) => stderr.write(`${isTty(stderr) ? "\n" : ""}[ptykeep] ${signal}: stopped watching; the session keeps running; reattach with: npx ptykeep attach ${p.id}\n`),
  });
  // In raw mode "\n" does not return the carriage; notices start on a fresh line.
  const say = (line: string) => stderr.write(isTty(stderr) ? `\r\n[ptykeep] ${line}\r\n` : `[ptykeep] ${line}\n`);

  let lastSeq = p.fromSeq > 0 ? p.fromSeq - 1 : 0;
  let exit: SessionExit | undefined;
  let detached = false;
  let stream: EventStream<AttachEvent> | undefined;
  let typingFailed = false;

  const writer = new KeyWriter(
    (data) => conn.unary("pty-service", pty, "Write", { sessionId: p.id, data }, { sessionId: p.id }).then(() => undefined),
    (err) => {
      // Typing into a session that just ended fails; its exit event follows on the stream.
      if (!typingFailed && !exit) say(`cannot type into the session: ${err.message}`);
      typingFailed = true;
    },
  );
  const detector = new DetachDetector(p.detachKeys);
  const onKeys = (chunk: Buffer) => {
    if (detached) return;
    const { forward, detach } = detector.push(chunk);
    if (p.readOnly) {
      if (detach || chunk.includes(ATTACH.CTRL_C)) detachNow();
      return;
    }
    if (forward.length > 0) writer.push(forward);
    if (detach) detachNow();
  };
  const detachNow = () => {
    detached = true;
    stream?.cancel();
  };
  const { MIN_TERMINAL_DIM: minDim, MAX_TERMINAL_DIM: maxDim } = validate.REQUEST_LIMITS;
  const clampDim = (n: number) => Math.min(maxDim, Math.max(minDim, n));
  const sendSize = () => {
    const { rows, columns } = stdout as WriteStream;
    if (!rows || !columns) return;
    conn
      .unary("pty-service", pty, "Resize", { sessionId: p.id, rows: clampDim(rows), cols: clampDim(columns) }, { sessionId: p.id })
      .catch((err: Error) => say(`cannot resize the session: ${err.message}`));
  };
  const followSize = interactive && !p.readOnly && isTty(stdout);

  // With stdout redirected and stderr on a terminal, show how far the replay has got (up to
  // the history's size when attach started; live output after that needs no progress).
  const progressTotal = Progress.enabledFor(stdout, stderr) ? ((await getSession(conn, p.id).catch(() => undefined))?.durableBytes ?? 0) : 0;
  const progress = new Progress(stderr, { enabled: progressTotal > 0, total: progressTotal, label: "replaying" });

  guard.enter();
  try {
    if (interactive) {
      stdin.on("data", onKeys);
      stdin.resume();
      say(`attached to ${p.id}; detach with ${describeDetachKeys(p.detachKeys)}${p.readOnly ? " or ctrl-c (read-only)" : ""}`);
    }
    if (followSize) {
      sendSize();
      stdout.on("resize", sendSize);
    }
    let idle = 0;
    let first = true;
    while (!detached && !exit) {
      const before = lastSeq;
      // From the screen on the first call only: a re-attach goes on after the last seq shown.
      stream = attach(conn, { sessionId: p.id, fromSeq: lastSeq > 0 ? lastSeq + 1 : p.fromSeq, fromScreen: (p.fromScreen ?? false) && first });
      if (detached) stream.cancel();
      try {
        for await (const ev of stream) {
          if (ev.screen) {
            alt.observe(ev.screen.data);
            await out.write(Buffer.concat([Buffer.from(FRESH_TERMINAL), ev.screen.data]));
            lastSeq = ev.screen.atSeq;
          } else if (ev.output) {
            const { seq, data } = ev.output;
            if (seq <= lastSeq) continue;
            alt.observe(data);
            await out.write(data);
            lastSeq = seq;
            if (progress.count < progressTotal) {
              progress.add(data.length);
              if (progress.count >= progressTotal) progress.done();
            }
          } else if (ev.start?.truncated && first) {
            say(`output before seq ${ev.start.fromSeq} was removed by retention`);
          } else if (ev.exit) {
            exit = ev.exit;
          }
        }
      } catch (err) {
        if (detached) break;
        const code = err instanceof CliError ? err.grpcCode : undefined;
        if (code === Code.NOT_FOUND && first) {
          exit = await replayFromStore(ctx, p, lastSeq, out, alt, err as CliError);
          break;
        }
        // Cut off for being slow: continue from our position. RESOURCE_EXHAUSTED before any
        // progress is another limit (too many viewers) and is reported as it is.
        if (code !== Code.RESOURCE_EXHAUSTED || lastSeq === before) throw err;
      }
      first = false;
      if (detached || exit) break;
      // The stream ended before the session did: this pty-service does not host the session
      // (it replayed what the store has), or the stream was cut short. The store knows which.
      const session = await getSession(conn, p.id).catch(() => undefined);
      if (session && !isLive(session)) {
        exit = exitFromSession(session);
        break;
      }
      if (session?.ptyNode && session.ptyNode !== conn.endpoints.pty) throw hostedElsewhere(p.id, session.ptyNode);
      idle = lastSeq > before ? 0 : idle + 1;
      if (idle >= ATTACH.MAX_IDLE_REATTACHES) throw new CliError(`the pty-service at ${conn.endpoints.pty} keeps ending the attach stream of ${p.id}; giving up`);
    }
    await writer.flush();
  } finally {
    stdin.off("data", onKeys);
    if (interactive) stdin.pause();
    stdout.off("resize", sendSize);
    progress.done();
    guard.restore();
  }
  if (detached) {
    stderr.write(`${isTty(stderr) ? "\n" : ""}detached; reattach with: npx ptykeep attach ${p.id}\n`);
    return EXIT.OK;
  }
  if (exit) {
    stderr.write(`${isTty(stderr) ? "\n" : ""}[ptykeep] session ${p.id} ${describeExit(exit)}\n`);
    return exitCodeOf(exit);
  }
  return EXIT.OK;
}

/**
 * The pty-service does not know the session. If the store says it has ended, its history is
 * complete there: show it from the store. If it runs elsewhere, say where.
 */
async function replayFromStore(ctx: Context, p: AttachParams, lastSeq: number, out: OutputSink, alt: AltScreenTracker, ptyError: CliError): Promise<SessionExit> {
  const session = await getSession(ctx.conn, p.id);
  if (isLive(session)) {
    if (session.ptyNode && session.ptyNode !== ctx.conn.endpoints.pty) throw hostedElsewhere(p.id, session.ptyNode);
    throw ptyError;
  }
  let exit: SessionExit | undefined;
  const fromScreen = (p.fromScreen ?? false) && lastSeq === 0;
  for await (const ev of readHistory(ctx.conn, { sessionId: p.id, fromSeq: lastSeq > 0 ? lastSeq + 1 : p.fromSeq, fromScreen })) {
    if (ev.screen) {
      alt.observe(ev.screen.data);
      await out.write(Buffer.concat([Buffer.from(FRESH_TERMINAL), ev.screen.data]));
    } else if (ev.output) {
      alt.observe(ev.output.data);
      await out.write(ev.output.data);
    } else if (ev.exit) {
      exit = ev.exit;
    }
  }
  return exit ?? exitFromSession(session);
}

function isLive(session: StoreApi.Session__Output): boolean {
  const state = stateName(session.state);
  return state === "running" || state === "starting";
}

function hostedElsewhere(id: string, node: string): CliError {
  return new CliError(`session ${id} is hosted by the pty-service at ${node}; attach with --pty ${node}`);
}

/** The exit as the session record tells it (when no exit event came on the stream). */
function exitFromSession(session: StoreApi.Session__Output): SessionExit {
  return {
    state: session.state,
    exitCode: session.exitCode,
    signal: session.exitSignal,
    finalSeq: session.finalSeq,
    ts: session.endedAt,
    reason: session.endReason,
    _exitCode: session._exitCode,
  };
}
