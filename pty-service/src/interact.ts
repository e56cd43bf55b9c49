/**
 * Interact: one interactive viewer on one bidirectional stream. The caller's first message opens
 * the stream (session, where to start, read-only or not); after it, input bytes, resizes and
 * acks arrive in any order. Output goes down exactly as Attach sends it (attach.ts does it:
 * replay, then live, no gap and no duplicate), gated by an AckWindow.
 *
 * - Input takes Write's path (the session actor's write: bytes, never decoded, the same limits),
 *   one message at a time in arrival order; resize takes Resize's (applied, then recorded).
 *   Messages are read only as fast as they are applied: past INBOX_MESSAGES waiting, the call is
 *   paused and HTTP/2 flow control holds the caller back.
 * - Flow control: output sent and not acknowledged (ack_seq) is bounded by
 *   PTY_INTERACT_WINDOW_BYTES; when it is full, sending waits for acks. Replayed history simply
 *   waits; live output queues for the viewer meanwhile, and a viewer whose queue passes
 *   PTY_VIEWER_BUFFER_BYTES is cut off with RESOURCE_EXHAUSTED naming the first seq it has not
 *   acknowledged. The program never waits for a viewer.
 * - A read-only stream (read_only, the only kind a read-only token may open) refuses input and
 *   resize with PERMISSION_DENIED.
 * - Whatever ends first (the exit event sent, a bad message, a cut, the caller cancelling) ends
 *   the rest: the subscription, the store replay and the message listeners are released before
 *   the call ends.
 */
import type * as grpc from "@grpc/grpc-js";
import { Code, ServiceError, callUnary, failedPrecondition, invalidArgument, isReadOnlyCaller, validate, type CallContext, type PtyApi } from "@ptykeep/proto";
import { attach, type AttachDeps, type OutputGate } from "./attach.js";
import type { PtyConfig } from "./config.js";
import { Wakeup } from "./wakeup.js";

/**
 * Bytes an output message counts as on top of its data: protobuf and HTTP/2 framing, and what a
 * gateway keeps per message. Also bounds the acks remembered per viewer (window / this) when a
 * program writes a byte at a time.
 */
const MESSAGE_OVERHEAD_BYTES = 64;

/**
 * Caller messages received and not yet applied before the call is paused. Each is at most
 * PTY_MAX_WRITE_BYTES; a few keep the actor busy while the next arrive, and the rest waits in
 * HTTP/2 flow control, on the caller's side.
 */
const INBOX_MESSAGES = 16;

/**
 * Acknowledged entries dropped from the front of AckWindow's list once there are this many and
 * they are the majority: memory stays within twice what is unacknowledged, at a copy per 1024 acks.
 */
const ACKED_COMPACT_AT = 1024;

export interface InteractDeps extends AttachDeps {
  config: Readonly<Pick<PtyConfig, "maxWriteBytes" | "interactWindowBytes">>;
}

type InteractCall = grpc.ServerDuplexStream<PtyApi.InteractRequest__Output, PtyApi.InteractResponse>;

/**
 * Output sent to one viewer and not yet acknowledged, and the credit it leaves. Each chunk counts
 * its data plus MESSAGE_OVERHEAD_BYTES; a chunk that would take the total past the window waits
 * for acks (one chunk always goes when nothing is outstanding, so any chunk fits). The wait
 * costs the program nothing: live output queues in the viewer's bounded queue meanwhile, and the
 * viewer is cut off when that overflows (attach.ts), told to resume from resumeSeq().
 */
export class AckWindow implements OutputGate {
  /** Sent chunks not yet acknowledged, oldest first, with the running cost after each. */
  private sent: Array<{ seq: number; costAfter: number }> = [];
  private head = 0;
  private sentCost = 0;
  private ackedCost = 0;
  private lastSentSeq = 0;
  private ackedSeq = 0;
  private readonly wakeup = new Wakeup();

  constructor(private readonly windowBytes: number) {}

  get unackedBytes(): number {
    return this.sentCost - this.ackedCost;
  }

  /** Resolves once the chunk fits in the window (and counts it as sent); rejects when signal fires. */
  async admit(seq: number, bytes: number, signal: AbortSignal): Promise<void> {
    const cost = bytes + MESSAGE_OVERHEAD_BYTES;
    while (this.head < this.sent.length && this.unackedBytes + cost > this.windowBytes) {
      if (signal.aborted) throw signal.reason;
      await this.wakeup.wait(signal);
    }
    if (signal.aborted) throw signal.reason;
    this.sentCost += cost;
    this.sent.push({ seq, costAfter: this.sentCost });
    this.lastSentSeq = seq;
  }

  /** The viewer has consumed everything up to and including seq. */
  ack(seq: number): void {
    if (seq > this.lastSentSeq) {
      throw invalidArgument(`ack_seq ${seq} is beyond the last output sent on this stream (seq ${this.lastSentSeq}): acknowledge only what was received`);
    }
    if (seq <= this.ackedSeq) return; // not newer than an ack already applied: nothing more to free
    this.ackedSeq = seq;
    while (this.head < this.sent.length && this.sent[this.head]!.seq <= seq) this.ackedCost = this.sent[this.head++]!.costAfter;
    if (this.head > ACKED_COMPACT_AT && this.head * 2 > this.sent.length) {
      this.sent = this.sent.slice(this.head);
      this.head = 0;
    }
    this.wakeup.wake();
  }

  /** The first seq sent and not acknowledged; what would have been sent next when all is. */
  resumeSeq(next: number): number {
    return this.head < this.sent.length ? this.sent[this.head]!.seq : next;
  }

  describe(): string {
    return ` while ${this.unackedBytes} bytes sent after seq ${this.ackedSeq} were not acknowledged (PTY_INTERACT_WINDOW_BYTES=${this.windowBytes}): send ack_seq as output is consumed`;
  }
}

/**
 * The caller's messages, one at a time: a bounded queue in front of the call's 'data' events,
 * pausing the call while it is full. close() removes its listeners.
 */
class Inbox {
  private readonly queue: PtyApi.InteractRequest__Output[] = [];
  private ended = false;
  private readonly wakeup = new Wakeup();
  private readonly onData = (msg: PtyApi.InteractRequest__Output) => {
    this.queue.push(msg);
    if (this.queue.length >= INBOX_MESSAGES) this.call.pause();
    this.wake();
  };
  private readonly onEnd = () => {
    this.ended = true;
    this.wake();
  };

  constructor(private readonly call: InteractCall) {
    call.on("data", this.onData);
    call.on("end", this.onEnd);
  }

  /** The next message; undefined once the caller has half-closed, or when signal fires. */
  async next(signal: AbortSignal): Promise<PtyApi.InteractRequest__Output | undefined> {
    for (;;) {
      if (signal.aborted) return undefined;
      const msg = this.queue.shift();
      if (msg) {
        if (this.queue.length < INBOX_MESSAGES) this.call.resume();
        return msg;
      }
      if (this.ended) return undefined;
      await this.wakeup.wait(signal);
    }
  }

  close(): void {
    this.call.removeListener("data", this.onData);
    this.call.removeListener("end", this.onEnd);
    this.queue.length = 0;
    this.wakeup.wake();
  }

  private wake(): void {
    this.wakeup.wake();
  }
}

export async function interact(call: InteractCall, ctx: CallContext, deps: InteractDeps): Promise<void> {
  const inbox = new Inbox(call);
  // Ends whichever half is still running once the other has ended the stream.
  const stop = new AbortController();
  const signal = AbortSignal.any([ctx.signal, stop.signal]);
  let output: Promise<void> | undefined;
  let input: Promise<void> | undefined;
  try {
    const first = await inbox.next(signal);
    if (!first) {
      if (ctx.signal.aborted) return;
      throw invalidArgument("the stream was closed before its open message: send an InteractOpen first");
    }
    if (!first.open) throw invalidArgument(`the first message must be open (an InteractOpen naming the session), not ${first.event ?? "an empty message"}`);
    const open = first.open;
    const sessionId = validate.sessionId(open.sessionId, "open.session_id");
    if (!open.readOnly && isReadOnlyCaller(ctx.metadata)) {
      throw new ServiceError(Code.PERMISSION_DENIED, "this token is read-only: open the stream with read_only set, or use a full token to type and resize");
    }
    if (open.repaint && open.readOnly) throw new ServiceError(Code.PERMISSION_DENIED, "repaint resizes the terminal, which a read_only stream may not do: open without read_only, or without repaint");
    const window = new AckWindow(deps.config.interactWindowBytes);
    const streamCtx: CallContext = { ...ctx, signal };
    output = attach(open, call, streamCtx, deps, sessionId, window);
    input = applyInput(inbox, signal, deps, sessionId, open.readOnly, window);
    const [out, inp] = [output, input];
    await new Promise<void>((resolve, reject) => {
      // The exit event sent (or the stream cut) ends the call; the caller closing its side does
      // not: output goes on until the session ends or the caller cancels.
      out.then(resolve, reject);
      inp.catch(reject);
    });
  } finally {
    stop.abort(new DOMException("interactive stream ended", "AbortError"));
    inbox.close();
    // Wait for both halves to let go (the actor subscription, a store replay) before the call ends.
    await Promise.allSettled([output, input].filter((p) => p !== undefined));
  }
}

async function applyInput(inbox: Inbox, signal: AbortSignal, deps: InteractDeps, sessionId: string, readOnly: boolean, window: AckWindow): Promise<void> {
  for (;;) {
    const msg = await inbox.next(signal);
    if (!msg) return;
    switch (msg.event) {
      case "open":
        throw invalidArgument("open was sent twice: a stream opens one session once; start a new stream for another");
      case "ackSeq":
        window.ack(msg.ackSeq!);
        break;
      case "input": {
        const data = msg.input!;
        if (readOnly) throw new ServiceError(Code.PERMISSION_DENIED, "this stream was opened read_only: input is refused; open another stream without read_only to type");
        if (data.length > deps.config.maxWriteBytes) {
          throw invalidArgument(`input is ${data.length} bytes; the limit per message is ${deps.config.maxWriteBytes} (PTY_MAX_WRITE_BYTES): split it into several messages`);
        }
        await (await hostedActor(deps, sessionId, "write to", signal)).write(data);
        break;
      }
      case "resize": {
        if (readOnly) throw new ServiceError(Code.PERMISSION_DENIED, "this stream was opened read_only: resize is refused; open another stream without read_only to resize");
        const rows = validate.terminalDim(msg.resize!.rows, "rows");
        const cols = validate.terminalDim(msg.resize!.cols, "cols");
        await (await hostedActor(deps, sessionId, "resize", signal)).resize(rows, cols);
        break;
      }
      default:
        throw invalidArgument("a message with no event set: send input, resize or ack_seq");
    }
  }
}

/**
 * Deadline of the store lookup that explains why a session not hosted here takes no input: the
 * refusal stands whatever the store answers, the lookup only makes its message precise.
 */
const NOT_HOSTED_LOOKUP_MS = 2_000;

/**
 * The session's actor on this node (an ended one refuses input itself, saying how the program
 * ended). A session only replayed here from the store takes no input: the store says whether it
 * has ended (the message is then the actor's) or runs on another node.
 */
async function hostedActor(deps: InteractDeps, sessionId: string, what: string, signal: AbortSignal) {
  const actor = deps.registry.get(sessionId);
  if (actor) return actor;
  const stored = await callUnary(deps.store, "getSession", { sessionId }, { deadlineMs: NOT_HOSTED_LOOKUP_MS, signal }).then(
    (r) => r.session ?? undefined,
    () => undefined,
  );
  const how = stored && endedHow(stored);
  if (how) throw failedPrecondition(`cannot ${what} session ${sessionId}: its program ${how}`);
  throw failedPrecondition(`cannot ${what} session ${sessionId}: it is not running on this pty-service (its output is replayed from the store); send input to the pty-service that hosts it`);
}

/** How an ended session ended, in the actor's words; undefined while it runs. */
function endedHow(s: { state: string; exitCode?: number | null; exitSignal: string }): string | undefined {
  switch (s.state) {
    case "SESSION_STATE_EXITED":
    case "SESSION_STATE_KILLED":
      if (s.exitSignal) return `was ended by ${s.exitSignal}`;
      return s.exitCode === undefined || s.exitCode === null ? "has ended" : `exited with code ${s.exitCode}`;
    case "SESSION_STATE_LOST":
      return "was lost with its pty-service (it ended without a record of how)";
    default:
      return undefined;
  }
}
