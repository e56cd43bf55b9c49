/**
 * One browser viewer: a WebSocket mapped onto the pty-service's interactive stream (Interact).
 *
 * Output goes down as binary frames (seq header + the program's bytes); input and resizes go up
 * on the same gRPC stream. Flow control runs end to end: the page acknowledges the seqs it has
 * rendered, and the gateway keeps at most `windowBytes` of output sent and not yet acknowledged.
 * A grpc-js stream that is not read still buffers everything the server sends in this process,
 * so the viewer does not stop reading: past the window it cuts the gRPC stream, remembers the
 * next seq, and opens a new stream from that seq once the page has caught up (half the window).
 * The pty-service never waits for a viewer, so a page that stops reading costs the gateway one
 * window and slows neither the program nor other viewers.
 *
 * While the stream is cut, keystrokes and resizes go by the unary Write and Resize RPCs, in
 * order behind each other, so typing into a busy terminal still works.
 */
import * as grpc from "@grpc/grpc-js";
import type { WebSocket } from "ws";
import { callStatus, callUnary, type Logger, type PtyApi, type PtyServiceClient } from "@ptykeep/proto";
import { TUNING } from "./config.js";
import type { WebMetrics } from "./metrics.js";
import { CLOSE, OUTPUT_HEADER_BYTES, writeOutputSeq, type ClientEvent, type ServerEvent } from "./protocol.js";

export interface ViewerOptions {
  ws: WebSocket;
  pty: PtyServiceClient;
  sessionId: string;
  /** First seq the page wants (0 = the oldest kept output). */
  fromSeq: number;
  /** Begin from the store's screen snapshot (fromSeq is then 0); a resumed stream never does. */
  fromScreen: boolean;
  readOnly: boolean;
  windowBytes: number;
  log: Logger;
  metrics: WebMetrics;
  /** Called once when the viewer has stopped (socket closed, stream ended). */
  onClosed(): void;
}

type InteractCall = grpc.ClientDuplexStream<PtyApi.InteractRequest, PtyApi.InteractResponse__Output>;

export interface ViewerStats {
  sessionId: string;
  /** Output sent to the page and not yet acknowledged, now and at most. */
  unackedBytes: number;
  peakUnackedBytes: number;
  /** Bytes queued in the gateway's socket towards the browser. */
  socketBufferedBytes: number;
  /** Times the gRPC stream was cut because the page fell a window behind. */
  cuts: number;
}

export class Viewer {
  /** Seq of the next output frame to send (every seq below it was sent once). */
  private nextSeq: number;
  /** Output sent and not yet acknowledged: seq and size, oldest first. */
  private readonly inFlight: Array<{ seq: number; bytes: number }> = [];
  private unackedBytes = 0;
  private peakUnackedBytes = 0;
  private stream: InteractCall | undefined;
  /**
   * Last seq sent on the current stream, and the last ack forwarded on it: the service accepts
   * acks only for output it sent on that stream, while the page still acknowledges frames an
   * earlier stream sent.
   */
  private streamSentSeq = 0;
  private streamAckedSeq = 0;
  /** Bytes sent on the current stream, and how many of them the last forwarded ack covered. */
  private streamSentBytes = 0;
  private streamForwardedBytes = 0;
  /** Sent on the current stream and not yet forwarded as acknowledged: seq and running total. */
  private readonly streamInFlight: Array<{ seq: number; sentBytes: number }> = [];
  /** The stream was ended on purpose (flow control or closing): its status is not an error. */
  private readonly discarded = new WeakSet<InteractCall>();
  private cut = false;
  private cuts = 0;
  private started = false;
  private closed = false;
  /** Unary Write/Resize calls in flight (while the stream is cut); later input queues behind them. */
  private unary: Promise<void> = Promise.resolve();
  private unaryPending = 0;
  private alive = true;
  private readonly ping: NodeJS.Timeout;

  constructor(private readonly o: ViewerOptions) {
    this.nextSeq = o.fromSeq;
    o.ws.on("message", (data, isBinary) => this.onMessage(data as Buffer, isBinary));
    o.ws.on("close", () => this.close());
    o.ws.on("error", (err) => o.log.debug({ err, sessionId: o.sessionId }, "viewer socket error"));
    o.ws.on("pong", () => (this.alive = true));
    // A phone that went out of reach never closes its socket: ping, and drop it when it stops answering.
    this.ping = setInterval(() => {
      if (!this.alive) {
        o.ws.terminate();
        return;
      }
      this.alive = false;
      o.ws.ping();
    }, TUNING.PING_INTERVAL_MS);
    this.ping.unref();
    o.metrics.viewerOpened(o.fromSeq > 0);
    this.open(o.fromSeq, o.fromScreen);
  }

  stats(): ViewerStats {
    return {
      sessionId: this.o.sessionId,
      unackedBytes: this.unackedBytes,
      peakUnackedBytes: this.peakUnackedBytes,
      socketBufferedBytes: this.o.ws.bufferedAmount,
      cuts: this.cuts,
    };
  }

  private open(fromSeq: number, fromScreen = false): void {
    const stream = this.o.pty.interact();
    this.stream = stream;
    this.streamSentSeq = 0;
    this.streamAckedSeq = 0;
    this.streamSentBytes = 0;
    this.streamForwardedBytes = 0;
    this.streamInFlight.length = 0;
    this.cut = false;
    stream.write({ open: { sessionId: this.o.sessionId, fromSeq, liveOnly: false, readOnly: this.o.readOnly, fromScreen } });
    stream.on("data", (msg: PtyApi.InteractResponse__Output) => this.onResponse(stream, msg));
    stream.on("status", (status: grpc.StatusObject) => this.onStatus(stream, status));
    // The status event reports every ending; errors are handled there.
    stream.on("error", () => {});
  }

  private send(event: ServerEvent): void {
    this.o.ws.send(JSON.stringify(event));
  }

  private onResponse(stream: InteractCall, msg: PtyApi.InteractResponse__Output): void {
    if (this.discarded.has(stream) || this.closed) return;
    if (msg.start) {
      if (!this.started) {
        this.started = true;
        this.send({ type: "start", fromSeq: msg.start.fromSeq, rows: msg.start.rows, cols: msg.start.cols, truncated: msg.start.truncated, readOnly: this.o.readOnly });
        // From a screen, the output goes on after the snapshot: a resumed stream starts there, not at 0.
        this.nextSeq = Math.max(this.nextSeq, msg.start.fromSeq);
        if (msg.start.screenStatus === "SCREEN_STATUS_NO_SNAPSHOT" || msg.start.screenStatus === "SCREEN_STATUS_UNREADABLE") {
          this.o.log.debug({ sessionId: this.o.sessionId, status: msg.start.screenStatus, detail: msg.start.screenDetail }, "no screen snapshot: the page gets the whole history");
        }
      } else if (msg.start.fromSeq > this.nextSeq) {
        // A resumed stream starts later than asked only when retention removed that output meanwhile.
        this.send({ type: "notice", message: `output ${this.nextSeq}..${msg.start.fromSeq - 1} was removed by retention before this page read it` });
        this.nextSeq = msg.start.fromSeq;
      }
    } else if (msg.output) {
      const chunk = msg.output;
      // Never twice: a resumed stream starts at nextSeq, so this only guards the contract.
      if (chunk.seq < this.nextSeq) return;
      const frame = Buffer.allocUnsafe(OUTPUT_HEADER_BYTES + chunk.data.length);
      writeOutputSeq(frame, chunk.seq);
      chunk.data.copy(frame, OUTPUT_HEADER_BYTES);
      this.o.ws.send(frame, { binary: true });
      this.nextSeq = chunk.seq + 1;
      this.streamSentSeq = chunk.seq;
      this.streamSentBytes += chunk.data.length;
      this.streamInFlight.push({ seq: chunk.seq, sentBytes: this.streamSentBytes });
      this.inFlight.push({ seq: chunk.seq, bytes: chunk.data.length });
      this.unackedBytes += chunk.data.length;
      this.peakUnackedBytes = Math.max(this.peakUnackedBytes, this.unackedBytes);
      this.o.metrics.sent(chunk.data.length);
      if (this.unackedBytes > this.o.windowBytes) this.cutStream("window");
    } else if (msg.resize) {
      this.send({ type: "resize", rows: msg.resize.rows, cols: msg.resize.cols, atSeq: msg.resize.atSeq });
    } else if (msg.screen) {
      const sc = msg.screen;
      this.o.metrics.sent(sc.data.length);
      this.send({ type: "screen", atSeq: sc.atSeq, rows: sc.rows, cols: sc.cols, data: sc.data.toString("base64") });
    } else if (msg.unreachable) {
      this.send({ type: "unreachable", atSeq: msg.unreachable.atSeq, reason: msg.unreachable.reason });
    } else if (msg.exit) {
      const e = msg.exit;
      this.send({ type: "exit", exitCode: e.exitCode ?? null, signal: e.signal, finalSeq: e.finalSeq, reason: e.reason });
    }
  }

  /** Stops reading output past the window: the stream is cancelled and reopened from nextSeq later. */
  private cutStream(why: "window" | "service"): void {
    if (this.cut) return;
    this.cut = true;
    this.cuts++;
    this.o.metrics.cut();
    const stream = this.stream;
    this.stream = undefined;
    if (stream) {
      this.discarded.add(stream);
      if (why === "window") stream.cancel();
    }
    this.o.log.debug({ sessionId: this.o.sessionId, nextSeq: this.nextSeq, unackedBytes: this.unackedBytes, why }, "viewer a window behind: stream cut");
  }

  private onStatus(stream: InteractCall, status: grpc.StatusObject): void {
    if (this.closed) return;
    if (this.discarded.has(stream)) return;
    this.stream = undefined;
    const details = status.details;
    switch (status.code) {
      case grpc.status.OK:
        // The stream ends OK after the exit event of an ended session.
        this.finish(CLOSE.ENDED, "session ended");
        return;
      case grpc.status.RESOURCE_EXHAUSTED:
        // The service's own per-viewer window: resume like after our own cut.
        this.cutStream("service");
        this.maybeResume();
        return;
      case grpc.status.NOT_FOUND:
        this.finish(CLOSE.NOT_FOUND, details);
        return;
      case grpc.status.INVALID_ARGUMENT:
      case grpc.status.OUT_OF_RANGE:
      case grpc.status.PERMISSION_DENIED:
      case grpc.status.UNAUTHENTICATED:
        this.o.log.warn({ sessionId: this.o.sessionId, code: grpc.status[status.code], details }, "pty-service refused a viewer");
        this.finish(CLOSE.BAD_REQUEST, details);
        return;
      default:
        // UNAVAILABLE, CANCELLED by the server, INTERNAL...: the page reconnects with backoff and resumes.
        this.o.log.info({ sessionId: this.o.sessionId, code: grpc.status[status.code], details }, "viewer stream ended; the page will reconnect");
        this.finish(CLOSE.TRY_AGAIN, `pty-service: ${grpc.status[status.code]}`);
    }
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    if (this.closed) return;
    if (isBinary) {
      this.input(data);
      return;
    }
    let event: ClientEvent;
    try {
      event = JSON.parse(data.toString("utf8")) as ClientEvent;
    } catch {
      this.finish(CLOSE.BAD_REQUEST, "control frames are JSON");
      return;
    }
    if (event.type === "ack" && Number.isSafeInteger(event.seq)) this.ack(event.seq);
    else if (event.type === "resize" && Number.isInteger(event.rows) && Number.isInteger(event.cols)) this.resize(event.rows, event.cols);
    else this.finish(CLOSE.BAD_REQUEST, `unknown control frame ${JSON.stringify(data.toString("utf8").slice(0, 80))}`);
  }

  private ack(seq: number): void {
    while (this.inFlight.length && this.inFlight[0]!.seq <= seq) this.unackedBytes -= this.inFlight.shift()!.bytes;
    const forward = Math.min(seq, this.streamSentSeq);
    if (this.stream && forward > this.streamAckedSeq) {
      let covered = this.streamForwardedBytes;
      while (this.streamInFlight.length && this.streamInFlight[0]!.seq <= forward) covered = this.streamInFlight.shift()!.sentBytes;
      // Acks go on to the pty-service in steps of ACK_FORWARD_BYTES, or at once when the page has
      // everything this stream sent (so the service never waits on an ack held here): with many
      // viewers acknowledging every frame, one message per frame per viewer is most of the
      // stream's traffic up.
      const everything = forward === this.streamSentSeq;
      if (everything || covered - this.streamForwardedBytes >= TUNING.ACK_FORWARD_BYTES) {
        this.streamAckedSeq = forward;
        this.streamForwardedBytes = covered;
        this.stream.write({ ackSeq: forward });
      } else {
        // Not forwarded yet: put back what the next forward must still count.
        this.streamInFlight.unshift({ seq: forward, sentBytes: covered });
      }
    }
    this.maybeResume();
  }

  private maybeResume(): void {
    // Half the window: one resume per half window of output, not one per ack.
    if (!this.cut || this.closed || this.unackedBytes > this.o.windowBytes / 2) return;
    this.o.metrics.resumed();
    this.open(this.nextSeq);
  }

  private input(bytes: Buffer): void {
    if (this.o.readOnly) {
      this.send({ type: "notice", message: "this viewer is read-only: typing is ignored" });
      return;
    }
    this.o.metrics.typed(bytes.length);
    if (this.stream && this.unaryPending === 0) this.stream.write({ input: bytes });
    else this.viaUnary(() => callUnary(this.o.pty, "Write", { sessionId: this.o.sessionId, data: bytes }, { deadlineMs: TUNING.UNARY_DEADLINE_MS }));
  }

  private resize(rows: number, cols: number): void {
    if (this.o.readOnly) {
      this.send({ type: "notice", message: "this viewer is read-only: its size does not change the session's" });
      return;
    }
    if (this.stream && this.unaryPending === 0) this.stream.write({ resize: { rows, cols } });
    else this.viaUnary(() => callUnary(this.o.pty, "Resize", { sessionId: this.o.sessionId, rows, cols }, { deadlineMs: TUNING.UNARY_DEADLINE_MS }));
  }

  /** A Write or Resize while the stream is cut, in order after the ones before it. */
  private viaUnary(start: () => Promise<unknown>): void {
    this.unaryPending++;
    this.unary = this.unary.then(async () => {
      const refused = await start().then(
        () => undefined,
        (err: unknown) => err,
      );
      this.unaryPending--;
      if (refused !== undefined && !this.closed) this.send({ type: "notice", message: `input refused: ${callStatus(refused).details}` });
    });
  }

  /** Closes the socket with a code the page acts on, and stops the stream. */
  finish(code: number, reason: string): void {
    if (this.closed) return;
    // A close reason is at most 123 bytes.
    this.o.ws.close(code, Buffer.from(reason).subarray(0, 120).toString());
    this.close();
  }

  /** Stops everything this viewer started; idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.ping);
    const stream = this.stream;
    this.stream = undefined;
    if (stream) {
      this.discarded.add(stream);
      stream.cancel();
    }
    if (this.o.ws.readyState === this.o.ws.OPEN) this.o.ws.close(CLOSE.RESTART, "gateway closed the viewer");
    this.o.metrics.viewerClosed();
    this.o.onClosed();
  }
}
