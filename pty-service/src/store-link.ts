/**
 * StoreLink: everything the pty-service tells the store, delivered in order and at least once.
 *
 * - Output: one AppendOutput stream shared by all sessions. Chunks are written round-robin across
 *   sessions, honouring the stream's back-pressure (write() returning false → wait for 'drain').
 *   Acks (durable_seq) flow back to the owning session, which then frees its outbox. On any
 *   stream failure the link reconnects with jittered backoff (grpc-js round-robins over the store
 *   replicas) and resends every chunk after the last ack: the store drops what it already has.
 * - Lifecycle: per session, an ordered queue RegisterSession → MarkRunning → UpdateSize… →
 *   MarkExited, each retried until the store answers. Chunks of a session are sent only once it
 *   is registered, and MarkExited only once every chunk up to final_seq is durable, so the
 *   store's record never contradicts the stream.
 * - A session the store refuses for good (deleted, or its id registered with another command)
 *   becomes "unrecorded": its output is no longer sent and counts as durable at once, so the
 *   program is never blocked waiting for a store that will not take its output.
 */
import { setMaxListeners } from "node:events";
import { setTimeout as sleep } from "node:timers/promises";
import * as grpc from "@grpc/grpc-js";
import { backoffMs, callStatus, callUnary, ServiceError, toTimestamp, type Logger, type StoreApi, type StoreServiceClient } from "@ptykeep/proto";
import { TUNING } from "./config.js";
import { SendCursor } from "./send-cursor.js";

export interface OutputChunk {
  seq: number;
  /** Byte offset of data[0] in the session's whole output. */
  offset: number;
  /** When the bytes were read (ms since the epoch). */
  ts: number;
  data: Buffer;
}

/** What the link needs from a session (implemented by SessionActor). */
export interface LinkedSession {
  readonly id: string;
  /** The chunk with this seq if the session still holds it (every unacknowledged chunk). */
  chunkAt(seq: number): OutputChunk | undefined;
  /** The store has committed every chunk up to seq. */
  onDurable(seq: number): void;
  /** The store will not record this session any more. */
  onUnrecorded(reason: string): void;
}

export interface ExitRecord {
  exitCode: number | undefined;
  signal: string;
  finalSeq: number;
  /** When the program ended (ms since the epoch): the time of the viewers' exit event. */
  ts: number;
  reason: "END_REASON_EXITED" | "END_REASON_KILLED";
}

type LifecycleOp =
  | { kind: "register"; request: StoreApi.RegisterSessionRequest }
  | { kind: "running"; pid: number }
  | { kind: "size"; rows: number; cols: number; atSeq: number; changeNo: number }
  | { kind: "exited"; record: ExitRecord };

interface QueuedOp {
  op: LifecycleOp;
  settle: (outcome: OpOutcome) => void;
}

type OpOutcome = { ok: true } | { ok: false; error: ServiceError };

interface LinkState {
  session: LinkedSession;
  registered: boolean;
  unrecorded: boolean;
  /** Produced, written on the current stream, acknowledged. */
  cursor: SendCursor;
  ops: QueuedOp[];
  opsRunning: boolean;
  /** Wakes the lifecycle loop (an ack arrived, the link is stopping). */
  wake: (() => void) | undefined;
  exitRecorded: boolean;
}

/** Codes after which the same call may succeed later. */
const RETRYABLE = new Set<number>([grpc.status.UNAVAILABLE, grpc.status.DEADLINE_EXCEEDED, grpc.status.RESOURCE_EXHAUSTED, grpc.status.ABORTED, grpc.status.INTERNAL, grpc.status.UNKNOWN, grpc.status.CANCELLED]);

export interface StoreLinkOptions {
  client: StoreServiceClient;
  log: Logger;
}

/** The handle a session uses to talk to the store. */
export interface SessionChannel {
  /** A new chunk exists (the session holds it until it is durable). */
  pushChunk(seq: number): void;
  markRunning(pid: number): void;
  updateSize(change: { rows: number; cols: number; atSeq: number; changeNo: number }): void;
  /**
   * Resolves once the store recorded the exit (after all output is durable), or once the session
   * is known to be unrecorded; rejects with the store's refusal of the record, or when the link
   * stopped first.
   */
  markExited(record: ExitRecord): Promise<void>;
}

export class StoreLink {
  private readonly client: StoreServiceClient;
  private readonly log: Logger;
  private readonly states = new Map<string, LinkState>();
  /** Sessions with chunks to write, in round-robin order. */
  private readonly sendQueue = new Set<string>();
  private stream: grpc.ClientDuplexStream<StoreApi.AppendOutputRequest, StoreApi.AppendOutputResponse__Output> | undefined;
  private writable = false;
  private connectAttempt = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly stopController = new AbortController();

  constructor(opts: StoreLinkOptions) {
    this.client = opts.client;
    this.log = opts.log;
    // Every call and retry wait in flight listens to this signal: one per session at most.
    setMaxListeners(0, this.stopController.signal);
  }

  /** True while an AppendOutput stream is open. */
  get connected(): boolean {
    return this.stream !== undefined;
  }

  /**
   * Starts tracking a session and queues its registration. Waits up to waitMs for the store to
   * answer: a definite refusal (ALREADY_EXISTS, INVALID_ARGUMENT) is thrown; no answer in time
   * leaves the registration queued and retried, so the terminal can start while the store is down.
   */
  async open(session: LinkedSession, registration: StoreApi.RegisterSessionRequest, waitMs: number): Promise<SessionChannel> {
    if (this.stopped) throw new ServiceError(grpc.status.UNAVAILABLE, "the pty-service is shutting down");
    const state: LinkState = { session, registered: false, unrecorded: false, cursor: new SendCursor(), ops: [], opsRunning: false, wake: undefined, exitRecorded: false };
    this.states.set(session.id, state);
    this.ensureStream();
    const registered = this.enqueue(state, { kind: "register", request: registration });
    const outcome = await Promise.race([registered, sleep(waitMs, undefined, { ref: false })]);
    if (outcome && !outcome.ok) {
      this.states.delete(session.id);
      throw outcome.error;
    }
    if (!outcome) this.log.warn({ sessionId: session.id }, "store did not confirm the registration in time; starting the session anyway and registering in the background");
    return {
      pushChunk: (seq) => this.pushChunk(state, seq),
      markRunning: (pid) => void this.enqueue(state, { kind: "running", pid }),
      updateSize: (change) => void this.enqueue(state, { kind: "size", ...change }),
      markExited: async (record) => {
        const outcome = await this.enqueue(state, { kind: "exited", record });
        if (!outcome.ok) throw outcome.error;
      },
    };
  }

  /** Closes the stream and gives up on everything not yet delivered. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.stopController.abort();
    clearTimeout(this.reconnectTimer);
    for (const state of this.states.values()) state.wake?.();
    const stream = this.stream;
    this.stream = undefined;
    stream?.cancel();
  }

  // ── output ────────────────────────────────────────────────────────────────────────────────

  private pushChunk(state: LinkState, seq: number): void {
    state.cursor.produce(seq);
    if (state.unrecorded) {
      state.cursor.ack(seq);
      state.session.onDurable(seq);
      return;
    }
    if (state.registered) this.sendQueue.add(state.session.id);
    this.pump();
  }

  private pump(): void {
    while (this.stream && this.writable && this.sendQueue.size > 0) {
      const id = this.sendQueue.values().next().value as string;
      this.sendQueue.delete(id);
      const state = this.states.get(id);
      if (!state || state.unrecorded || !state.registered || !state.cursor.hasUnsent) continue;
      const chunk = state.session.chunkAt(state.cursor.nextSeq);
      if (!chunk) {
        this.log.error({ sessionId: id, seq: state.cursor.nextSeq }, "a chunk to send is no longer held by its session");
        continue;
      }
      state.cursor.wrote(chunk.seq);
      // Back into the queue at the end: sessions take turns, one chunk each.
      if (state.cursor.hasUnsent) this.sendQueue.add(id);
      const ok = this.stream.write({ chunk: { sessionId: id, seq: chunk.seq, offset: chunk.offset, ts: toTimestamp(chunk.ts), data: chunk.data } });
      if (!ok) this.writable = false;
    }
  }

  private ensureStream(): void {
    if (this.stream || this.stopped || this.reconnectTimer) return;
    const stream = this.client.appendOutput();
    this.stream = stream;
    this.writable = true;
    let failed = false;
    const fail = (why: string, err?: unknown) => {
      if (failed) return;
      failed = true;
      if (this.stream !== stream) return;
      this.stream = undefined;
      this.writable = false;
      stream.cancel();
      if (this.stopped) return;
      this.log.warn({ err, why }, "output stream to the store ended; reconnecting");
      // Everything not acknowledged goes again on the next stream.
      for (const state of this.states.values()) {
        state.cursor.rewind();
        if (state.registered && !state.unrecorded && state.cursor.hasUnacked) this.sendQueue.add(state.session.id);
      }
      const delay = backoff(this.connectAttempt++);
      this.reconnectTimer = setTimeout(() => {
        this.reconnectTimer = undefined;
        if (this.states.size > 0) this.ensureStream();
      }, delay);
    };
    stream.on("data", (res: StoreApi.AppendOutputResponse__Output) => {
      if (this.stream !== stream) return;
      this.connectAttempt = 0;
      this.onResponse(res);
    });
    stream.on("drain", () => {
      if (this.stream !== stream) return;
      this.writable = true;
      this.pump();
    });
    stream.on("error", (err) => fail("error", err));
    stream.on("end", () => fail("the store ended the stream"));
    this.pump();
  }

  private onResponse(res: StoreApi.AppendOutputResponse__Output): void {
    const state = this.states.get(res.sessionId);
    if (!state) return;
    if (res.rejection) {
      this.makeUnrecorded(state, `the store refused output seq ${res.rejection.seq} (code ${res.rejection.code}): ${res.rejection.message}`);
      return;
    }
    if (state.cursor.ack(res.durableSeq)) {
      state.session.onDurable(res.durableSeq);
      state.wake?.();
      this.forgetIfDone(state);
    }
  }

  private makeUnrecorded(state: LinkState, reason: string): void {
    if (state.unrecorded) return;
    state.unrecorded = true;
    this.log.error({ sessionId: state.session.id, reason }, "session output can no longer be recorded");
    this.sendQueue.delete(state.session.id);
    state.session.onUnrecorded(reason);
    if (state.cursor.hasUnacked) {
      const last = state.cursor.lastSeq;
      state.cursor.ack(last);
      state.session.onDurable(last);
    }
    state.wake?.();
  }

  private forgetIfDone(state: LinkState): void {
    if (state.exitRecorded && state.ops.length === 0 && !state.cursor.hasUnacked) this.states.delete(state.session.id);
    if (this.states.size === 0 && this.stream && this.sendQueue.size === 0) {
      // Nothing left to say: close the stream rather than keep an idle one open.
      const stream = this.stream;
      this.stream = undefined;
      stream.end();
      stream.cancel();
    }
  }

  // ── lifecycle ─────────────────────────────────────────────────────────────────────────────

  private enqueue(state: LinkState, op: LifecycleOp): Promise<OpOutcome> {
    return new Promise((settle) => {
      state.ops.push({ op, settle });
      void this.runOps(state);
    });
  }

  private async runOps(state: LinkState): Promise<void> {
    if (state.opsRunning) return;
    state.opsRunning = true;
    let attempt = 0;
    try {
      while (state.ops.length > 0) {
        const queued = state.ops[0]!;
        if (this.stopped) {
          state.ops.shift();
          queued.settle({ ok: false, error: new ServiceError(grpc.status.UNAVAILABLE, "the pty-service stopped before the store confirmed") });
          continue;
        }
        if (state.unrecorded) {
          state.ops.shift();
          queued.settle({ ok: true });
          continue;
        }
        if (queued.op.kind === "exited" && state.cursor.durableSeq < queued.op.record.finalSeq) {
          await new Promise<void>((resolve) => (state.wake = resolve));
          state.wake = undefined;
          continue;
        }
        try {
          await this.send(state.session.id, queued.op);
          attempt = 0;
          state.ops.shift();
          if (queued.op.kind === "register") {
            state.registered = true;
            if (state.cursor.hasUnsent) this.sendQueue.add(state.session.id);
            this.ensureStream();
            this.pump();
          }
          if (queued.op.kind === "exited") state.exitRecorded = true;
          queued.settle({ ok: true });
        } catch (err) {
          if (this.stopped) continue;
          const { code, details: message } = callStatus(err);
          if (RETRYABLE.has(code)) {
            const delay = backoff(attempt++);
            this.log.debug({ sessionId: state.session.id, op: queued.op.kind, code, message, delay }, "store call failed; retrying");
            await sleep(delay, undefined, { signal: this.stopController.signal }).catch(() => {});
            continue;
          }
          state.ops.shift();
          const error = new ServiceError(code, message);
          queued.settle({ ok: false, error });
          if (queued.op.kind === "exited") state.exitRecorded = true;
          // A refused registration, or a session the store no longer has: nothing more of it
          // can be recorded. Other refusals lose that one record only.
          if (queued.op.kind === "register" || code === grpc.status.NOT_FOUND) this.makeUnrecorded(state, `${queued.op.kind}: ${message}`);
          else this.log.error({ sessionId: state.session.id, op: queued.op.kind, code, message }, "the store refused a lifecycle record");
        }
      }
    } finally {
      state.opsRunning = false;
      this.forgetIfDone(state);
    }
  }

  private async send(sessionId: string, op: LifecycleOp): Promise<void> {
    const opts = { deadlineMs: TUNING.STORE_CALL_DEADLINE_MS, signal: this.stopController.signal };
    const c = this.client;
    switch (op.kind) {
      case "register":
        await callUnary(c, "registerSession", op.request, opts);
        return;
      case "running":
        await callUnary(c, "markRunning", { sessionId, pid: op.pid }, opts);
        return;
      case "size":
        await callUnary(c, "updateSize", { sessionId, rows: op.rows, cols: op.cols, atSeq: op.atSeq, changeNo: op.changeNo }, opts);
        return;
      case "exited": {
        const r = op.record;
        const req: StoreApi.MarkExitedRequest = { sessionId, signal: r.signal, finalSeq: r.finalSeq, reason: r.reason, endedAt: toTimestamp(r.ts) };
        if (r.exitCode !== undefined) req.exitCode = r.exitCode;
        await callUnary(c, "markExited", req, opts);
        return;
      }
    }
  }
}

/** The wait before reconnect or retry number `attempt` (TUNING.STORE_RETRY_*). */
function backoff(attempt: number): number {
  return backoffMs(attempt, { initialMs: TUNING.STORE_RETRY_INITIAL_MS, maxMs: TUNING.STORE_RETRY_MAX_MS });
}
