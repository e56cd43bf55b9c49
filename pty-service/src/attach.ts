/**
 * Attach: a session's output from from_seq — replayed history, then live — with no gap and no
 * duplicate at the seam.
 *
 * The viewer subscribes to live events first and takes the actor's memory snapshot in the same
 * step, so nothing can slip between the two. What memory no longer holds comes from the store's
 * ReadHistory (up to the first seq memory holds), then memory, then the live events queued
 * meanwhile, de-duplicated by seq. Resize events come from the actor's log at their positions
 * (right after chunk at_seq); the store's are used only for what that log has forgotten.
 *
 * A viewer never slows the program: its live queue is bounded, and a viewer that falls further
 * behind is ended with RESOURCE_EXHAUSTED naming the seq to resume from.
 *
 * Unreachable intervals (the store could not reach this node for long enough to declare the
 * session lost) are the store's alone. They come with its replay, and for the part served from
 * memory they are asked of the store (GetSession, and the history of that part only if the
 * session had more than one), then sent after their chunk like resizes. The ask is bounded by
 * INTERVALS_LOOKUP_MS and skipped on failure: Attach does not depend on the store when memory
 * holds what the viewer wants. A viewer attached while an interval is recorded sees it when it
 * attaches again.
 *
 * From the screen (from_screen): the store's ReadHistory from_screen gives the start, the newest
 * screen snapshot and the durable chunks after it; memory and live events go on from the seq after
 * the last of those, de-duplicated the same way. With `repaint`, the terminal is then resized by a
 * row and back so that a full-screen program redraws itself (see the contract for the trade-off).
 *
 * Interact (interact.ts) streams the same events through the same code, with an OutputGate that
 * holds output back until its viewer acknowledges what it has consumed.
 */
import { setTimeout as sleep } from "node:timers/promises";
import * as grpc from "@grpc/grpc-js";
import { callServerStream, callUnary, Code, fromDownstream, invalidArgument, isCallError, notFound, resourceExhausted, ServiceError, timestampToMs, toTimestamp, writeMessage, type CallContext, type Logger, type PtyApi, type StoreApi, type StoreServiceClient } from "@ptykeep/proto";
import type { LiveEvent, MemorySnapshot, SessionActor, SessionEnd, SizeChange, Subscriber } from "./session-actor.js";
import { SessionActor as Actor } from "./session-actor.js";
import type { SessionRegistry } from "./session-registry.js";
import type { OutputChunk } from "./store-link.js";
import { Wakeup } from "./wakeup.js";

/** Bytes a queued non-output event is counted as in a viewer's budget. */
const EVENT_OVERHEAD_BYTES = 64;
/** Deadline of the store lookup of unreachable intervals: a healthy store answers in milliseconds. */
const INTERVALS_LOOKUP_MS = 1_000;

export interface AttachDeps {
  registry: SessionRegistry;
  store: StoreServiceClient;
  maxViewers: number;
  viewerBufferBytes: number;
  log: Logger;
}

/** A call that output events are written to (Attach's, or Interact's: same event messages). */
export type ViewerCall = grpc.ServerWritableStream<unknown, PtyApi.AttachResponse> | grpc.ServerDuplexStream<unknown, PtyApi.AttachResponse>;

/** Where a stream starts: AttachRequest and InteractOpen both carry these. */
export interface StartPoint {
  fromSeq: number;
  liveOnly: boolean;
  /** Begin with the store's newest screen snapshot, then the chunks after it. */
  fromScreen?: boolean;
  /** With fromScreen: resize by a row and back so that a full-screen program redraws. */
  repaint?: boolean;
}

/**
 * Admits every output chunk before it is written: may hold it back (waiting for the viewer to
 * acknowledge earlier output) until `signal` fires. Names the seq a cut viewer resumes from.
 */
export interface OutputGate {
  admit(seq: number, bytes: number, signal: AbortSignal): Promise<void>;
  /** Seq to resume from after a cut, given the next seq the stream would have sent. */
  resumeSeq(next: number): number;
  /** What a cut-off message adds about the gate's state. */
  describe(): string;
}

/** One live viewer's bounded queue. */
export class Viewer implements Subscriber {
  queue: LiveEvent[] = [];
  private queuedBytes = 0;
  overflowed = false;
  private readonly wakeup = new Wakeup();
  /** Fires on overflow, interrupting a write that waits for the viewer to read. */
  readonly cut = new AbortController();

  constructor(private readonly limitBytes: number) {}

  deliver(event: LiveEvent): void {
    if (this.overflowed) return;
    this.queue.push(event);
    this.queuedBytes += event.kind === "output" ? event.chunk.data.length + EVENT_OVERHEAD_BYTES : EVENT_OVERHEAD_BYTES;
    // An exit always fits: it ends the stream and frees everything.
    if (this.queuedBytes > this.limitBytes && event.kind !== "exit") {
      this.overflowed = true;
      this.queue = [];
      this.queuedBytes = 0;
      this.cut.abort(new DOMException("viewer fell behind", "AbortError"));
    }
    this.wake();
  }

  take(): LiveEvent | undefined {
    const event = this.queue.shift();
    if (event) this.queuedBytes -= event.kind === "output" ? event.chunk.data.length + EVENT_OVERHEAD_BYTES : EVENT_OVERHEAD_BYTES;
    return event;
  }

  wait(signal: AbortSignal): Promise<void> {
    if (this.queue.length > 0 || this.overflowed) return Promise.resolve();
    return this.wakeup.wait(signal);
  }

  private wake(): void {
    this.wakeup.wake();
  }
}

/** Writes events to the call in order, keeping the cursor (next seq to send) and the size. */
class Emitter {
  next = 1;
  /** Seq the stream started at: resizes before it are folded into the start message. */
  startSeq = 1;
  private lastChangeNo = 0;

  constructor(
    private readonly call: ViewerCall,
    /** The call's signal, also aborted when the viewer is cut off. */
    readonly signal: AbortSignal,
    private readonly sessionId: string,
    private readonly gate: OutputGate | undefined,
  ) {}

  /** Seq a viewer cut off here resumes from. */
  resumeSeq(): number {
    return this.gate ? this.gate.resumeSeq(this.next) : this.next;
  }

  describeGate(): string {
    return this.gate ? this.gate.describe() : "";
  }

  start(start: StoreApi.HistoryStart): Promise<void> {
    this.next = Number(start.fromSeq);
    this.startSeq = this.next;
    return this.send({ start });
  }

  async output(chunk: OutputChunk): Promise<void> {
    if (chunk.seq < this.next) return; // already sent (seam between history, memory and live)
    if (chunk.seq > this.next) throw new ServiceError(Code.DATA_LOSS, `session ${this.sessionId}: output seq ${this.next} is missing (next available is ${chunk.seq})`);
    await this.gate?.admit(chunk.seq, chunk.data.length, this.signal);
    this.next = chunk.seq + 1;
    await this.send({ output: { sessionId: this.sessionId, seq: chunk.seq, offset: chunk.offset, ts: toTimestamp(chunk.ts), data: chunk.data } });
  }

  async resize(change: SizeChange): Promise<void> {
    if (change.changeNo <= this.lastChangeNo) return;
    this.lastChangeNo = change.changeNo;
    await this.send({ resize: { rows: change.rows, cols: change.cols, atSeq: change.atSeq, ts: toTimestamp(change.ts) } });
  }

  /** A resize the actor's log no longer has, passed through from the store. */
  storeResize(resize: StoreApi.SizeChange__Output): Promise<void> {
    return this.send({ resize });
  }

  unreachable(interval: StoreApi.UnreachableInterval__Output): Promise<void> {
    return this.send({ unreachable: interval });
  }

  exit(end: SessionEnd): Promise<void> {
    return this.send({ exit: Actor.exitMessage(end) });
  }

  send(message: PtyApi.AttachResponse): Promise<void> {
    return writeMessage(this.call, message, this.signal);
  }
}

export async function attach(req: StartPoint, call: ViewerCall, ctx: CallContext, deps: AttachDeps, sessionId: string, gate?: OutputGate): Promise<void> {
  if (req.fromScreen && req.fromSeq !== 0) throw invalidArgument(`from_seq must be 0 with from_screen (got ${req.fromSeq}): the stream starts right after the screen snapshot`);
  if (req.fromScreen && req.liveOnly) throw invalidArgument("from_screen and live_only cannot both be set: choose the screen then live output, or live output only");
  if (req.repaint && !req.fromScreen) throw invalidArgument("repaint needs from_screen set");
  const actor = deps.registry.get(sessionId);
  if (!actor) return replayFromStore(req, call, ctx, deps, sessionId, gate);
  if (actor.viewerCount >= deps.maxViewers) {
    throw resourceExhausted(`session ${sessionId} already has ${actor.viewerCount} viewers, the limit (PTY_MAX_VIEWERS)`);
  }
  const viewer = new Viewer(deps.viewerBufferBytes);
  // Cut the bytes read so far into a chunk so that the snapshot's live edge is current.
  actor.flushNow();
  const snap = actor.subscribe(viewer);
  const emit = new Emitter(call, AbortSignal.any([ctx.signal, viewer.cut.signal]), actor.id, gate);
  try {
    await serve(req, ctx, deps, actor, viewer, snap, emit);
  } catch (err) {
    if (viewer.overflowed && !ctx.signal.aborted) throw overflowError(deps, actor, emit);
    throw err;
  } finally {
    actor.unsubscribe(viewer);
  }
}

function overflowError(deps: AttachDeps, actor: SessionActor, emit: Emitter): ServiceError {
  return resourceExhausted(`viewer fell more than ${deps.viewerBufferBytes} bytes behind session ${actor.id} (PTY_VIEWER_BUFFER_BYTES)${emit.describeGate()}; resume with from_seq=${emit.resumeSeq()}`);
}

async function serve(req: StartPoint, ctx: CallContext, deps: AttachDeps, actor: SessionActor, viewer: Viewer, snap: MemorySnapshot, emit: Emitter): Promise<void> {
  const liveEdge = snap.lastSeq + 1;
  let from = req.liveOnly ? liveEdge : req.fromSeq;
  if (from > liveEdge) {
    throw new ServiceError(Code.OUT_OF_RANGE, `from_seq ${from} is beyond the newest output of session ${actor.id} (last seq ${snap.lastSeq}); attach from 0..${liveEdge}${snap.end ? "" : ", or with live_only"}`);
  }
  if (from === 0 && snap.firstSeq === 1) from = 1;

  const byPosition = new Map<number, SizeChange[]>();
  for (const r of snap.resizes) byPosition.set(r.atSeq, [...(byPosition.get(r.atSeq) ?? []), r]);
  const resizesAfter = (seq: number) => byPosition.get(seq) ?? [];
  const sizeAt = (seq: number) => {
    let size = snap.initialSize;
    for (const r of snap.resizes) if (r.atSeq < seq) size = r;
    return { rows: size.rows, cols: size.cols };
  };

  const screenFirst = req.fromScreen && snap.lastSeq >= 1;
  const fromStore = screenFirst || from === 0 || from < snap.firstSeq;
  // Intervals after chunks served from memory (and before any output, when memory starts the stream).
  const intervals = unreachableIn(deps, actor.id, fromStore ? snap.firstSeq : Math.max(from, 1), snap.lastSeq, !fromStore && from <= 1, ctx.signal);
  // Awaited below unless the replay fails first; it only rejects when the call is aborted.
  intervals.catch(() => {});
  if (screenFirst) {
    // The store's newest screen, then its chunks up to what memory holds (duplicates are dropped).
    await replayStoreRange(emit, deps, actor.id, 0, snap, sizeAt, resizesAfter, { fromScreen: true, toSeq: snap.lastSeq });
  } else if (fromStore) {
    // Older than memory: the store has it (everything before the first held seq is durable).
    await replayStoreRange(emit, deps, actor.id, from, snap, sizeAt, resizesAfter);
  } else {
    const offset = from <= snap.lastSeq ? snap.chunks[from - snap.firstSeq]!.offset : snap.nextOffset;
    await emit.start({ fromSeq: from, truncated: false, ...sizeAt(from), offset });
    // Resizes at from-1 or earlier are in the start size; later ones follow their chunk.
  }
  const unreachable = await intervals;
  const intervalsAfter = (seq: number) => unreachable.filter((u) => u.atSeq === seq);
  if (!fromStore && from <= 1) for (const u of intervalsAfter(0)) await emit.unreachable(u);

  // Memory, from wherever the replay reached.
  for (const chunk of snap.chunks) {
    if (chunk.seq < emit.next) continue;
    await emit.output(chunk);
    for (const r of resizesAfter(chunk.seq)) await emit.resize(r);
    for (const u of intervalsAfter(chunk.seq)) await emit.unreachable(u);
  }
  // Resizes after the last chunk (or before any output) that happened before the snapshot.
  for (const r of snap.resizes) if (r.atSeq >= emit.next - 1 && r.atSeq >= emit.startSeq) await emit.resize(r);
  if (snap.end) {
    await emit.exit(snap.end);
    return;
  }
  if (req.repaint) await repaint(actor, sizeAt(Number.MAX_SAFE_INTEGER), deps.log);

  // Live.
  for (;;) {
    await viewer.wait(ctx.signal);
    if (ctx.signal.aborted) return;
    if (viewer.overflowed) throw overflowError(deps, actor, emit);
    for (let event = viewer.take(); event; event = viewer.take()) {
      if (event.kind === "output") await emit.output(event.chunk);
      else if (event.kind === "resize") await emit.resize(event.change);
      else {
        await emit.exit(event.end);
        return;
      }
      if (viewer.overflowed) break;
    }
  }
}

/**
 * A live full-screen program redraws on SIGWINCH: one row more, then the size again. Both resizes
 * are real (recorded, seen by every viewer); a session that ended meanwhile is left alone.
 */
async function repaint(actor: SessionActor, size: { rows: number; cols: number }, log: Logger): Promise<void> {
  const other = size.rows < MAX_REPAINT_ROWS ? size.rows + 1 : size.rows - 1;
  try {
    await actor.resize(other, size.cols);
    await actor.resize(size.rows, size.cols);
  } catch (err) {
    log.info({ err, sessionId: actor.id }, "repaint nudge skipped");
  }
}

/** Rows a repaint nudge may grow the terminal to (the contract's largest terminal dimension). */
const MAX_REPAINT_ROWS = 1000;

/**
 * Replays [from, snap.firstSeq - 1] from the store, sending the start message first. With
 * fromScreen, asks for the newest screen snapshot and the chunks after it up to toSeq.
 */
async function replayStoreRange(
  emit: Emitter,
  deps: AttachDeps,
  sessionId: string,
  from: number,
  snap: MemorySnapshot,
  sizeAt: (seq: number) => { rows: number; cols: number },
  resizesAfter: (seq: number) => SizeChange[],
  screen?: { fromScreen: true; toSeq: number },
): Promise<void> {
  const toSeq = screen?.toSeq ?? snap.firstSeq - 1;
  if (toSeq < 1) {
    await emit.start({ fromSeq: 1, truncated: false, ...sizeAt(1), offset: 0 });
    return;
  }
  let reached = from === 0 ? 0 : from - 1;
  try {
    for await (const msg of storeHistory(deps.store, sessionId, from, toSeq, emit.signal, screen?.fromScreen ?? false)) {
      if (msg.start) {
        const s = msg.start;
        const size = s.fromSeq < snap.resizeFloor ? { rows: s.rows, cols: s.cols } : sizeAt(s.fromSeq);
        await emit.start({ fromSeq: s.fromSeq, truncated: s.truncated, ...size, offset: s.offset, screenStatus: s.screenStatus, screenSeq: s.screenSeq, screenDetail: s.screenDetail });
        reached = s.fromSeq - 1;
      } else if (msg.screen) {
        await emit.send({ screen: msg.screen });
      } else if (msg.output) {
        const c = msg.output;
        await emit.output({ seq: c.seq, offset: c.offset, ts: timestampToMs(c.ts) ?? 0, data: c.data });
        reached = c.seq;
        for (const r of resizesAfter(c.seq)) await emit.resize(r);
      } else if (msg.resize) {
        if (msg.resize.atSeq < snap.resizeFloor) await emit.storeResize(msg.resize);
      } else if (msg.unreachable) {
        await emit.unreachable(msg.unreachable);
      } else if (msg.end) {
        reached = Math.max(reached, msg.end.lastSeq);
      }
    }
  } catch (err) {
    if (emit.signal.aborted || err instanceof ServiceError) throw err;
    const failure = fromDownstream(err, {
      verdicts: [Code.NOT_FOUND],
      unavailable: (details) => `cannot replay session ${sessionId} from seq ${from}: the store is unavailable (${details}); retry, or attach with live_only`,
    });
    throw failure.code === Code.NOT_FOUND ? notFound(`the history of session ${sessionId} is no longer in the store`) : failure;
  }
  if (reached < snap.firstSeq - 1) throw new ServiceError(Code.DATA_LOSS, `session ${sessionId}: the store's history stops at seq ${reached}, before ${snap.firstSeq} where memory starts`);
}

/** Attach to a session this node does not host: replay what the store has, then end. */
async function replayFromStore(req: StartPoint, call: ViewerCall, ctx: CallContext, deps: AttachDeps, sessionId: string, gate: OutputGate | undefined): Promise<void> {
  if (req.liveOnly) throw notFound(`session ${sessionId} is not hosted by this pty-service: no live output here`);
  // The replay is asked for at once, but nothing of it is sent before the store has said the
  // session exists, so that an unknown id is NOT_FOUND rather than an empty replay; the two
  // calls overlap instead of costing two round trips in a row.
  const stop = new AbortController();
  const signal = AbortSignal.any([ctx.signal, stop.signal]);
  const history = storeHistory(deps.store, sessionId, req.fromSeq, 0, signal, req.fromScreen);
  const first = history.next();
  first.catch(() => {});
  try {
    await callUnary(deps.store, "getSession", { sessionId }, { deadlineMs: 5_000, signal: ctx.signal }).catch((err: unknown) => {
      const failure = fromDownstream(err, { verdicts: [Code.NOT_FOUND], unavailable: (details) => `session ${sessionId} is not hosted here and the store is unavailable: ${details}` });
      throw failure.code === Code.NOT_FOUND ? notFound(`session ${sessionId} is unknown to this pty-service and to the store`) : failure;
    });
  } catch (err) {
    stop.abort();
    throw err;
  }
  let end: StoreApi.HistoryEnd__Output | undefined;
  try {
    for await (const msg of resumed(first, history)) {
      if (msg.start) await writeMessage(call, { start: msg.start }, ctx.signal);
      else if (msg.screen) await writeMessage(call, { screen: msg.screen }, ctx.signal);
      else if (msg.output) {
        await gate?.admit(msg.output.seq, msg.output.data.length, ctx.signal);
        await writeMessage(call, { output: msg.output }, ctx.signal);
      }
      else if (msg.resize) await writeMessage(call, { resize: msg.resize }, ctx.signal);
      else if (msg.unreachable) await writeMessage(call, { unreachable: msg.unreachable }, ctx.signal);
      else if (msg.exit) await writeMessage(call, { exit: msg.exit }, ctx.signal);
      else if (msg.end) end = msg.end;
    }
  } catch (err) {
    if (ctx.signal.aborted) return;
    throw fromDownstream(err, { verdicts: STORE_VERDICTS, unavailable: (details) => `replay of session ${sessionId} from the store failed: ${details}` });
  }
  // The same verdict as for a session hosted here (Emitter.output): a replay never skips a chunk.
  if (end?.reason === "HISTORY_END_REASON_GAP") {
    throw new ServiceError(Code.DATA_LOSS, `session ${sessionId}: output seq ${end.nextSeq} is missing from the store's history; the replay stops at seq ${end.lastSeq}`);
  }
}

/** The messages of a generator whose first next() was already called: that one, then the rest. */
async function* resumed<T>(first: Promise<IteratorResult<T>>, rest: AsyncGenerator<T>): AsyncGenerator<T> {
  const r = await first;
  if (r.done) return;
  yield r.value;
  yield* rest;
}

/** Store answers about a replay request that are the caller's to act on, passed through unchanged. */
const STORE_VERDICTS = new Set<number>([Code.NOT_FOUND, Code.OUT_OF_RANGE, Code.INVALID_ARGUMENT]);
/**
 * The store's unreachable intervals of a hosted session after chunks fromSeq..toSeq (and at 0,
 * before any output, with atStart), in order. Usually one GetSession: most sessions never had
 * one, and the latest is the only one when it is the first. Empty when the store cannot say.
 */
async function unreachableIn(deps: AttachDeps, sessionId: string, fromSeq: number, toSeq: number, atStart: boolean, signal: AbortSignal): Promise<StoreApi.UnreachableInterval__Output[]> {
  if (toSeq < fromSeq && !atStart) return [];
  const lookup = AbortSignal.any([signal, AbortSignal.timeout(INTERVALS_LOOKUP_MS)]);
  const inRange = (u: StoreApi.UnreachableInterval__Output) => (u.atSeq >= fromSeq && u.atSeq <= toSeq) || (atStart && u.atSeq === 0);
  try {
    const res = await callUnary(deps.store, "getSession", { sessionId }, { deadlineMs: INTERVALS_LOOKUP_MS, signal: lookup });
    const last = res.session?.lastUnreachable;
    if (!last || (last.atSeq < fromSeq && !(atStart && last.atSeq === 0))) return [];
    if (res.session!.unreachableCount <= 1) return inRange(last) ? [last] : [];
    const found: StoreApi.UnreachableInterval__Output[] = [];
    const history = callServerStream(deps.store, "readHistory", { sessionId, fromSeq: atStart ? 0 : fromSeq, toSeq }, { deadlineMs: INTERVALS_LOOKUP_MS, signal: lookup });
    for await (const msg of history) if (msg.unreachable && inRange(msg.unreachable)) found.push(msg.unreachable);
    return found;
  } catch (err) {
    if (signal.aborted) throw err;
    deps.log.debug({ sessionId, err }, "unreachable intervals not available from the store; attach goes on without them");
    return [];
  }
}

/** Tries of one replay from the store in a row without progress, and the wait before the first retry. */
const REPLAY_RETRIES = 5;
const REPLAY_RETRY_MS = 100;
/**
 * How a store replay can end that a new call may get past: the replica went away or the store
 * ended the call (an aged connection, a replica shutting down).
 */
const REPLAY_RETRYABLE = new Set<number>([Code.UNAVAILABLE, Code.CANCELLED, Code.INTERNAL]);

/**
 * A session's history from the store, as ReadHistory gives it, but resumed after the last chunk
 * received when the call fails on the way (another replica takes the next call); the start
 * message comes once. Ends the store call when `signal` fires. Throws the store's error once
 * retries make no progress.
 */
export async function* storeHistory(
  store: StoreServiceClient,
  sessionId: string,
  fromSeq: number,
  toSeq: number,
  signal: AbortSignal,
  fromScreen = false,
): AsyncGenerator<StoreApi.ReadHistoryResponse__Output> {
  let next = fromSeq;
  let started = false;
  let failures = 0;
  // A screen announced by the start message and not received yet: a resumed call cannot give it.
  let screenPending = false;
  for (;;) {
    // Only the first call begins from the screen; a resumed one goes on after the last chunk.
    const history = callServerStream(store, "readHistory", started ? { sessionId, fromSeq: next, toSeq } : { sessionId, fromSeq: next, toSeq, fromScreen }, { signal });
    try {
      for await (const msg of history) {
        if (msg.start) {
          if (started) {
            // A resumed replay must pick up exactly where the last one stopped.
            if (msg.start.fromSeq !== next) throw new ServiceError(Code.DATA_LOSS, `session ${sessionId}: the store's history resumed at seq ${msg.start.fromSeq}, not ${next}`);
            continue;
          }
          started = true;
          next = msg.start.fromSeq;
          screenPending = msg.start.screenStatus === "SCREEN_STATUS_SNAPSHOT";
        }
        if (msg.screen) screenPending = false;
        if (msg.output) {
          next = msg.output.seq + 1;
          failures = 0;
        }
        yield msg;
      }
      return;
    } catch (err) {
      if (screenPending && !signal.aborted) throw new ServiceError(Code.UNAVAILABLE, `session ${sessionId}: the store call failed between the start and the screen snapshot; attach again`);
      if (signal.aborted || err instanceof ServiceError || !isCallError(err) || !REPLAY_RETRYABLE.has(err.code) || ++failures > REPLAY_RETRIES) throw err;
      // The viewer may leave while this waits: that ends the wait (AbortError) and the replay.
      await sleep(REPLAY_RETRY_MS * 2 ** (failures - 1), undefined, { signal });
    } finally {
      // Ended early (the viewer left, or a check above threw): the store stops sending. A no-op
      // on a call that already finished.
      history.cancel();
    }
  }
}
