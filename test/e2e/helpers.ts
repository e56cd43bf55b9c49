/**
 * End-to-end helpers: the system (a real store-service on a fresh PostgreSQL database and a real
 * pty-service, from test/support/services.ts) and small helpers for the calls the tests make
 * (spawn, history, attach, waiting on events with bounded deadlines).
 */
import * as grpc from "@grpc/grpc-js";
import { createHash } from "node:crypto";
import { callUnary, type PtyApi, type PtyServiceClient, type StoreApi } from "@ptykeep/proto";
import type { Services as System } from "../support/services.js";

export const DEADLINE_MS = 15_000;

/** The system the end-to-end tests run against: test/support/services.ts. */
export { startServices as startSystem, type Services as System } from "../support/services.js";

/** A unary call by method name, with a deadline; the caller names the response type. */
export function rpc<Res>(client: grpc.Client, method: string, req: object, deadlineMs = DEADLINE_MS): Promise<Res> {
  const byName: (c: grpc.Client, m: string, r: object, o: { deadlineMs: number }) => Promise<unknown> = callUnary as never;
  return byName(client, method, req, { deadlineMs }) as Promise<Res>;
}

export function spawn(sys: System, req: Partial<PtyApi.SpawnRequest>): Promise<PtyApi.SpawnResponse__Output> {
  return rpc(sys.ptyClient, "Spawn", { rows: 24, cols: 80, ...req });
}

/** The status of a failed call; fails the test if the call succeeded. */
export async function codeOf(p: Promise<unknown>): Promise<{ code: number; details: string }> {
  try {
    await p;
  } catch (err) {
    const e = err as { code: number; details: string };
    return { code: e.code, details: e.details };
  }
  throw new Error("expected the call to fail");
}

/** Polls fn until it returns a truthy value, or throws after timeoutMs. */
export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = DEADLINE_MS, intervalMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export function getSession(sys: System, sessionId: string): Promise<StoreApi.Session__Output> {
  return rpc<StoreApi.GetSessionResponse__Output>(sys.storeClient, "GetSession", { sessionId }).then((r) => r.session!);
}

/** Waits until the store records the session as ended with all of its output durable. */
export function waitStoredEnd(sys: System, sessionId: string, timeoutMs = DEADLINE_MS): Promise<StoreApi.Session__Output> {
  return waitFor(
    `session ${sessionId} ended in the store`,
    async () => {
      const s = await getSession(sys, sessionId);
      return (s.state === "SESSION_STATE_EXITED" || s.state === "SESSION_STATE_KILLED") && s.durableSeq === s.finalSeq ? s : undefined;
    },
    timeoutMs,
  );
}

export interface History {
  start: StoreApi.HistoryStart__Output | undefined;
  chunks: StoreApi.OutputChunk__Output[];
  resizes: StoreApi.SizeChange__Output[];
  exit: StoreApi.SessionExit__Output | undefined;
  end: StoreApi.HistoryEnd__Output | undefined;
  bytes: Buffer;
}

export async function readHistory(sys: System, sessionId: string, fromSeq = 0, toSeq = 0): Promise<History> {
  const h: History = { start: undefined, chunks: [], resizes: [], exit: undefined, end: undefined, bytes: Buffer.alloc(0) };
  const stream = sys.storeClient.readHistory({ sessionId, fromSeq, toSeq }, { deadline: Date.now() + DEADLINE_MS });
  for await (const msg of stream as AsyncIterable<StoreApi.ReadHistoryResponse__Output>) {
    if (msg.start) h.start = msg.start;
    else if (msg.output) h.chunks.push(msg.output);
    else if (msg.resize) h.resizes.push(msg.resize);
    else if (msg.exit) h.exit = msg.exit;
    else if (msg.end) h.end = msg.end;
  }
  h.bytes = Buffer.concat(h.chunks.map((c) => c.data));
  return h;
}

export interface AttachRun {
  events: PtyApi.AttachResponse__Output[];
  chunks: StoreApi.OutputChunk__Output[];
  bytes(): Buffer;
  /** Resolves with the final status (OK when the stream ended after the exit event). */
  done: Promise<grpc.StatusObject>;
  call: grpc.ClientReadableStream<PtyApi.AttachResponse__Output>;
  /** Resolves once the collected output reaches n bytes. */
  untilBytes(n: number, timeoutMs?: number): Promise<void>;
}

export function attach(sys: System, req: Partial<PtyApi.AttachRequest>, opts: { paused?: boolean } = {}): AttachRun {
  const stream = sys.ptyClient.attach({ fromSeq: 0, liveOnly: false, ...req });
  const run: AttachRun = {
    events: [],
    chunks: [],
    bytes: () => Buffer.concat(run.chunks.map((c) => c.data)),
    call: stream,
    done: new Promise((resolve) => {
      stream.on("status", (s: grpc.StatusObject) => resolve(s));
      stream.on("error", () => {});
    }),
    untilBytes: async (n, timeoutMs = DEADLINE_MS) => {
      await waitFor(`${n} attached bytes`, () => run.chunks.reduce((a, c) => a + c.data.length, 0) >= n, timeoutMs);
    },
  };
  stream.on("data", (msg: PtyApi.AttachResponse__Output) => {
    run.events.push(msg);
    if (msg.output) run.chunks.push(msg.output);
  });
  if (opts.paused) stream.pause();
  return run;
}

export function sha256(b: Buffer): string {
  return createHash("sha256").update(b).digest("hex");
}

/** Asserts chunks are contiguous (seq +1, offsets adding up) and returns their concatenation. */
export function contiguous(chunks: StoreApi.OutputChunk__Output[], firstSeq = 1, firstOffset = 0): Buffer {
  let seq = firstSeq;
  let offset = firstOffset;
  for (const c of chunks) {
    if (c.seq !== seq) throw new Error(`expected seq ${seq}, got ${c.seq}`);
    if (c.offset !== offset) throw new Error(`seq ${c.seq}: expected offset ${offset}, got ${c.offset}`);
    seq++;
    offset += c.data.length;
  }
  return Buffer.concat(chunks.map((c) => c.data));
}

export interface InteractRun {
  events: PtyApi.InteractResponse__Output[];
  chunks: StoreApi.OutputChunk__Output[];
  bytes(): Buffer;
  /** Resolves with the final status (OK when the stream ended after the exit event). */
  done: Promise<grpc.StatusObject>;
  call: grpc.ClientDuplexStream<PtyApi.InteractRequest, PtyApi.InteractResponse__Output>;
  send(msg: PtyApi.InteractRequest): void;
  /** Resolves once the collected output reaches n bytes. */
  untilBytes(n: number, timeoutMs?: number): Promise<void>;
  /** Resolves once the collected output contains `text`. */
  untilText(text: string | Buffer, timeoutMs?: number): Promise<void>;
}

/**
 * Opens an Interact stream and sends its open message (unless `open` is undefined). With `ack`
 * true, every output chunk is acknowledged as it arrives, as a viewer that keeps up does; with a
 * number, only the first that many chunks are.
 */
export function interact(sys: System, open: Partial<PtyApi.InteractOpen> | undefined, opts: { ack?: boolean | number; client?: PtyServiceClient; metadata?: grpc.Metadata } = {}): InteractRun {
  const client = opts.client ?? sys.ptyClient;
  const stream = client.interact(opts.metadata ?? new grpc.Metadata());
  const run: InteractRun = {
    events: [],
    chunks: [],
    bytes: () => Buffer.concat(run.chunks.map((c) => c.data)),
    call: stream,
    send: (msg) => {
      stream.write(msg);
    },
    done: new Promise((resolve) => {
      stream.on("status", (s: grpc.StatusObject) => resolve(s));
      stream.on("error", () => {});
    }),
    untilBytes: async (n, timeoutMs = DEADLINE_MS) => {
      await waitFor(`${n} interactive bytes`, () => run.chunks.reduce((a, c) => a + c.data.length, 0) >= n, timeoutMs);
    },
    untilText: async (text, timeoutMs = DEADLINE_MS) => {
      await waitFor(`output ${JSON.stringify(String(text).slice(0, 40))}`, () => run.bytes().includes(text), timeoutMs);
    },
  };
  stream.on("data", (msg: PtyApi.InteractResponse__Output) => {
    run.events.push(msg);
    if (msg.output) {
      run.chunks.push(msg.output);
      if (opts.ack === true || (typeof opts.ack === "number" && run.chunks.length <= opts.ack)) stream.write({ ackSeq: msg.output.seq });
    }
  });
  if (open) stream.write({ open: { fromSeq: 0, liveOnly: false, readOnly: false, ...open } });
  return run;
}
