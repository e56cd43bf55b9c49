/**
 * SessionActor: one terminal session. It alone owns the session's state — the PTY, the output
 * sequence, the chunks not yet durable (outbox) plus a window of recent durable ones (ring), the
 * live viewers and the flow-control credit. node-pty callbacks, store acks, flow-control relief
 * and Write/Resize/Signal reach it as messages, handled one at a time in arrival order (see
 * `send`). A few calls act directly instead, each for a reason: `start` sets up the PTY (no
 * output can arrive before it exists); `kill` only signals the processes, and the session ends
 * when their exit arrives as a message; `subscribe` hands back its snapshot in the same step as
 * the subscription (and `unsubscribe` only removes a viewer). None of them is ever called from
 * inside a message, and JavaScript runs one thing at a time, so they, like the reads (info,
 * chunkAt), see a state between two messages, never half of one. The output bookkeeping itself
 * is in pure modules: OutputLog (seq/offset, outbox + ring, ack credit), Gatherer (coalescing
 * reads) and SessionFlow (pause/resume).
 *
 * States: starting (registered, program not started) → running → exited (ended by itself) |
 * killed (ended by Kill or shutdown). The exit is handled only after the PTY's read side is
 * drained (PtyProcess guarantees it), the last output is then cut into a chunk and the store is
 * told MarkExited with that final seq.
 */
import { MAX_CHUNK_BYTES, SESSION_STATE_ENUM, failedPrecondition, sessionEndReason, resourceExhausted, type Logger, type PtyApi, type StoreApi, toTimestamp } from "@ptykeep/proto";
import { TUNING, type PtyConfig } from "./config.js";
import { SessionFlow, type FlowBudget, type FlowParticipant } from "./flow-control.js";
import { Gatherer } from "./coalesce.js";
import { OutputLog, chunkCredit } from "./output-log.js";
import type { PtyOutputCounters } from "./metrics.js";
import { PtyProcess, type PtyExit, type PtyLaunch } from "./pty-process.js";
import { signalName, terminateSession } from "./signals.js";
import type { ExitRecord, LinkedSession, OutputChunk, SessionChannel } from "./store-link.js";

export type SessionState = "starting" | "running" | "exited" | "killed";

/** A session's program (file: the resolved path of command, which is executed), its initial size, and what is recorded of it. */
export interface SessionSpec extends PtyLaunch {
  id: string;
  /** As the caller gave it (recorded). */
  command: string;
  labels: Record<string, string>;
}

export interface SizeChange {
  rows: number;
  cols: number;
  /** Took effect after output chunk atSeq. */
  atSeq: number;
  ts: number;
  changeNo: number;
}

export interface SessionEnd {
  state: "exited" | "killed";
  exitCode: number | undefined;
  signal: string;
  finalSeq: number;
  ts: number;
  reason: string;
}

export type LiveEvent = { kind: "output"; chunk: OutputChunk } | { kind: "resize"; change: SizeChange } | { kind: "exit"; end: SessionEnd };

/** A live viewer; `deliver` is called inside the actor and must not throw or block. */
export interface Subscriber {
  deliver(event: LiveEvent): void;
}

/** What an Attach needs from memory, taken at one instant together with the subscription. */
export interface MemorySnapshot {
  /** Oldest seq held in memory (lastSeq + 1 when nothing is held). */
  firstSeq: number;
  lastSeq: number;
  /** Byte offset just after the last output byte. */
  nextOffset: number;
  chunks: OutputChunk[];
  initialSize: { rows: number; cols: number };
  /** Resize events, oldest first; those at atSeq < resizeFloor were forgotten. */
  resizes: SizeChange[];
  resizeFloor: number;
  end: SessionEnd | undefined;
}

export interface SessionActorOptions {
  spec: SessionSpec;
  config: Readonly<PtyConfig>;
  flow: FlowBudget;
  log: Logger;
  /** Called once when the session has ended (exit handled, viewers told). */
  onEnded?: (actor: SessionActor) => void;
  clock?: () => number;
  /** Counts output bytes as they are produced and made durable (the service's metrics). */
  counters?: PtyOutputCounters;
}

type Message =
  | { type: "data"; data: Buffer }
  | { type: "flush" }
  | { type: "exit"; exit: PtyExit }
  | { type: "durable"; seq: number }
  | { type: "unrecorded"; reason: string }
  | { type: "relief" }
  | { type: "recorded" }
  | { type: "run"; fn: () => void };

export class SessionActor implements LinkedSession, FlowParticipant {
  readonly id: string;
  readonly spec: SessionSpec;
  readonly createdAt: number;
  private readonly config: Readonly<PtyConfig>;
  private readonly flow: FlowBudget;
  private readonly log: Logger;
  private readonly clock: () => number;
  private readonly onEndedCallback: ((actor: SessionActor) => void) | undefined;
  private readonly counters: PtyOutputCounters | undefined;

  private state: SessionState = "starting";
  private pty: PtyProcess | undefined;
  private channel: SessionChannel | undefined;
  private pidValue = 0;
  private rows: number;
  private cols: number;

  /** Reads gathered into the next chunk, and the timer that cuts it. */
  private readonly gatherer = new Gatherer();
  private flushTimer: NodeJS.Timeout | undefined;
  /** Output seq/offset, the chunks held (outbox + ring), and what the store has acknowledged. */
  private readonly output: OutputLog;
  private readonly pause: SessionFlow;

  private readonly resizes: SizeChange[] = [];
  private resizeFloor = 0;
  private changeNo = 0;

  private readonly subscribers = new Set<Subscriber>();
  private killRequested = false;
  private endValue: SessionEnd | undefined;
  private recorded: Promise<void> = Promise.resolve();
  private readonly endedWaiters: Array<(end: SessionEnd) => void> = [];

  // Mailbox.
  private readonly mailbox: Message[] = [];
  private processing = false;

  constructor(opts: SessionActorOptions) {
    this.spec = opts.spec;
    this.id = opts.spec.id;
    this.config = opts.config;
    this.flow = opts.flow;
    this.log = opts.log.child({ sessionId: opts.spec.id });
    this.clock = opts.clock ?? Date.now;
    this.onEndedCallback = opts.onEnded;
    this.counters = opts.counters;
    this.createdAt = this.clock();
    this.rows = opts.spec.rows;
    this.cols = opts.spec.cols;
    this.output = new OutputLog({ ringBytes: opts.config.ringBytes, maxChunkBytes: MAX_CHUNK_BYTES });
    this.pause = new SessionFlow(opts.flow, this);
  }

  // ── queries (read-only, safe from anywhere) ─────────────────────────────────────────────────

  get status(): SessionState {
    return this.state;
  }

  get pid(): number {
    return this.pidValue;
  }

  get ended(): boolean {
    return this.endValue !== undefined;
  }

  get end(): SessionEnd | undefined {
    return this.endValue;
  }

  get viewerCount(): number {
    return this.subscribers.size;
  }

  /**
   * Resolves once the store has confirmed the exit record (or the session is not recorded at
   * all); rejects with the store's refusal of the record (a ServiceError).
   */
  get exitRecorded(): Promise<void> {
    return this.recorded;
  }

  /** Resolves when the session has ended. */
  whenEnded(): Promise<SessionEnd> {
    if (this.endValue) return Promise.resolve(this.endValue);
    return new Promise((resolve) => this.endedWaiters.push(resolve));
  }

  chunkAt(seq: number): OutputChunk | undefined {
    return this.output.chunkAt(seq);
  }

  info(): PtyApi.PtySession {
    return {
      sessionId: this.id,
      command: this.spec.command,
      args: this.spec.args,
      cwd: this.spec.cwd,
      pid: this.pidValue,
      state: SESSION_STATE_ENUM[this.state],
      rows: this.rows,
      cols: this.cols,
      labels: this.spec.labels,
      lastSeq: this.output.lastSeq,
      durableSeq: this.output.durableSeq,
      paused: this.pause.paused,
      viewers: this.subscribers.size,
      createdAt: toTimestamp(this.createdAt),
    };
  }

  /** Store-facing SessionExit for the recorded end. */
  static exitMessage(end: SessionEnd): StoreApi.SessionExit {
    const msg: StoreApi.SessionExit = { state: SESSION_STATE_ENUM[end.state], signal: end.signal, finalSeq: end.finalSeq, ts: toTimestamp(end.ts), reason: end.reason };
    if (end.exitCode !== undefined) msg.exitCode = end.exitCode;
    return msg;
  }

  // ── commands (messages, but for start, kill and (un)subscribe: see the header) ────────────────

  /** Starts the program; the channel must be open (registration queued). Rejects if spawn fails. */
  async start(channel: SessionChannel): Promise<void> {
    this.channel = channel;
    this.pty = await PtyProcess.spawn({
      file: this.spec.file,
      args: this.spec.args,
      env: this.spec.env,
      cwd: this.spec.cwd,
      rows: this.rows,
      cols: this.cols,
      onData: (data) => this.send({ type: "data", data }),
      onExit: (exit) => this.send({ type: "exit", exit }),
    });
    this.pidValue = this.pty.pid;
    // The environment was only needed to start the program (and may hold secrets): let it go.
    this.spec.env = {};
    this.state = "running";
    channel.markRunning(this.pidValue);
    this.log.info({ pid: this.pidValue, command: this.spec.command }, "session started");
  }

  write(data: Buffer): Promise<void> {
    return this.ask(() => {
      this.requireRunning("write to");
      const waiting = this.pty!.pendingInputBytes();
      if (waiting + data.length > this.config.maxPendingInputBytes) {
        throw resourceExhausted(`session ${this.id}: its program is not reading its input (${waiting} bytes are still waiting, PTY_MAX_PENDING_INPUT_BYTES); retry once it has caught up`);
      }
      if (data.length > 0) this.pty!.write(data);
    });
  }

  resize(rows: number, cols: number): Promise<void> {
    return this.ask(() => {
      this.requireRunning("resize");
      // The size changes after everything read so far: cut it into a chunk first.
      this.flushPending();
      this.pty!.resize(rows, cols);
      this.rows = rows;
      this.cols = cols;
      const change: SizeChange = { rows, cols, atSeq: this.output.lastSeq, ts: this.clock(), changeNo: ++this.changeNo };
      this.resizes.push(change);
      if (this.resizes.length > TUNING.MAX_RESIZE_LOG) {
        // Forget whole positions, so that no position is served half from memory, half from the store.
        this.resizeFloor = this.resizes[0]!.atSeq + 1;
        while (this.resizes[0] && this.resizes[0].atSeq < this.resizeFloor) this.resizes.shift();
      }
      this.channel?.updateSize(change);
      this.broadcast({ kind: "resize", change });
    });
  }

  signal(signal: number): Promise<void> {
    return this.ask(() => {
      this.requireRunning("signal");
      this.pty!.signal(signal);
    });
  }

  /**
   * Ends the program: SIGHUP, SIGTERM, SIGKILL with grace periods, to its process group and to
   * anything left in its session. Resolves with the end once the program is gone and drained.
   */
  kill(): Promise<SessionEnd> {
    if (this.endValue) return Promise.resolve(this.endValue);
    if (!this.pty) return Promise.reject(failedPrecondition(`session ${this.id} is still starting; retry shortly`));
    if (!this.killRequested) {
      this.killRequested = true;
      this.log.info("killing session");
      void terminateSession({ sid: this.pidValue, graceMs: this.config.killGraceMs });
    }
    return this.whenEnded();
  }

  /** Adds a live viewer and returns what memory holds, atomically with the subscription. */
  subscribe(subscriber: Subscriber): MemorySnapshot {
    if (!this.endValue) this.subscribers.add(subscriber);
    return {
      firstSeq: this.output.firstHeldSeq,
      lastSeq: this.output.lastSeq,
      nextOffset: this.output.nextOffset,
      chunks: this.output.held(),
      initialSize: { rows: this.spec.rows, cols: this.spec.cols },
      resizes: [...this.resizes],
      resizeFloor: this.resizeFloor,
      end: this.endValue,
    };
  }

  unsubscribe(subscriber: Subscriber): void {
    this.subscribers.delete(subscriber);
  }

  /** Flushes pending output now (used before a snapshot so that it includes the newest bytes). */
  flushNow(): void {
    this.send({ type: "flush" });
  }

  // LinkedSession / FlowParticipant callbacks from the store link and the flow budget.
  onDurable(seq: number): void {
    this.send({ type: "durable", seq });
  }

  onUnrecorded(reason: string): void {
    this.send({ type: "unrecorded", reason });
  }

  onGlobalRelief(): void {
    this.send({ type: "relief" });
  }

  // ── mailbox ─────────────────────────────────────────────────────────────────────────────────

  /**
   * Messages are handled one at a time, in order; a message sent while one is being handled
   * (e.g. from inside a callback) waits its turn. Handlers are synchronous; errors are logged,
   * never thrown out of the loop.
   */
  private send(message: Message): void {
    this.mailbox.push(message);
    if (this.processing) return;
    this.processing = true;
    try {
      for (let m = this.mailbox.shift(); m; m = this.mailbox.shift()) {
        try {
          this.handle(m);
        } catch (err) {
          this.log.error({ err, message: m.type }, "session actor failed to handle a message");
        }
      }
    } finally {
      this.processing = false;
    }
  }

  /** Runs fn as a message and returns its outcome. */
  private ask(fn: () => void): Promise<void> {
    return new Promise((resolve, reject) => {
      this.send({
        type: "run",
        fn: () => {
          try {
            fn();
            resolve();
          } catch (err) {
            reject(err);
          }
        },
      });
    });
  }

  private handle(m: Message): void {
    switch (m.type) {
      case "data":
        this.onData(m.data);
        return;
      case "flush":
        this.flushPending();
        return;
      case "exit":
        this.onExit(m.exit);
        return;
      case "durable":
        this.onDurableSeq(m.seq);
        return;
      case "unrecorded":
        this.log.warn({ reason: m.reason }, "output of this session is no longer recorded");
        return;
      case "relief":
        this.maybeResume();
        return;
      case "recorded":
        this.output.dropRing();
        this.resizes.length = 0;
        this.resizeFloor = Number.MAX_SAFE_INTEGER;
        return;
      case "run":
        m.fn();
        return;
    }
  }

  private requireRunning(what: string): void {
    if (this.state === "starting") throw failedPrecondition(`session ${this.id} is still starting; retry shortly`);
    if (this.endValue) {
      const how = this.endValue.signal ? `was ended by ${this.endValue.signal}` : `exited with code ${this.endValue.exitCode}`;
      throw failedPrecondition(`cannot ${what} session ${this.id}: its program ${how}`);
    }
  }

  // ── output path ─────────────────────────────────────────────────────────────────────────────

  private onData(data: Buffer): void {
    if (this.gatherer.add(data, this.clock())) this.flushPending();
    else this.flushTimer ??= setTimeout(() => this.send({ type: "flush" }), TUNING.COALESCE_DELAY_MS);
  }

  private flushPending(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const cut = this.gatherer.cut(this.clock());
    if (!cut) return;
    for (const chunk of this.output.append(cut.data, cut.ts)) this.appendChunk(chunk);
  }

  /** A new chunk, already in the output log: count its credit, show it, send it, maybe pause. */
  private appendChunk(chunk: OutputChunk): void {
    this.flow.add(chunkCredit(chunk.data.length));
    this.counters?.produced(chunk.data.length);
    this.broadcast({ kind: "output", chunk });
    this.channel?.pushChunk(chunk.seq);
    if (!this.endValue && this.pty && this.pause.pauseNow(this.output.unackedCreditBytes)) {
      this.pty.pause();
      this.log.debug({ unacked: this.output.unackedCreditBytes }, "paused: the store is behind");
    }
  }

  private onDurableSeq(seq: number): void {
    if (seq <= this.output.durableSeq) return;
    const unackedBefore = this.output.unackedBytes;
    this.flow.release(this.output.ack(seq));
    this.counters?.durable(unackedBefore - this.output.unackedBytes);
    this.maybeResume();
  }

  private maybeResume(): void {
    if (!this.pty) return;
    if (this.pause.resumeNow(this.output.unackedCreditBytes, this.endValue !== undefined)) {
      this.pty.resume();
      this.log.debug({ unacked: this.output.unackedCreditBytes }, "resumed");
    }
  }

  private broadcast(event: LiveEvent): void {
    for (const s of this.subscribers) s.deliver(event);
  }

  // ── exit ────────────────────────────────────────────────────────────────────────────────────

  private onExit(exit: PtyExit): void {
    // PtyProcess reports the exit after the last byte was delivered: cut it into the final chunk.
    this.flushPending();
    const killed = this.killRequested;
    const signal = exit.signal ? signalName(exit.signal) : "";
    const end: SessionEnd = {
      state: killed ? "killed" : "exited",
      exitCode: exit.exitCode,
      signal,
      finalSeq: this.output.lastSeq,
      ts: this.clock(),
      reason: "",
    };
    end.reason = sessionEndReason(end);
    this.endValue = end;
    this.state = end.state;
    this.log.info({ exitCode: end.exitCode, signal, finalSeq: end.finalSeq, state: end.state }, "session ended");
    const record: ExitRecord = { exitCode: end.exitCode, signal, finalSeq: end.finalSeq, ts: end.ts, reason: killed ? "END_REASON_KILLED" : "END_REASON_EXITED" };
    this.recorded = this.channel ? this.channel.markExited(record) : Promise.resolve();
    this.broadcast({ kind: "exit", end });
    this.subscribers.clear();
    this.pause.end();
    // Once the store has confirmed the exit it holds every chunk and resize (the exit record is
    // sent after all of them): memory then keeps nothing that replay could need.
    // A refused record keeps what memory holds: replay may still need it from here.
    this.recorded.then(
      () => this.send({ type: "recorded" }),
      (err: unknown) => this.log.error({ err }, "the store did not record this session's ending"),
    );
    // The terminal is gone: nothing else of this session may linger (background jobs).
    if (!killed && this.pidValue > 0) void terminateSession({ sid: this.pidValue, graceMs: this.config.killGraceMs });
    for (const w of this.endedWaiters.splice(0)) w(end);
    this.onEndedCallback?.(this);
  }
}
