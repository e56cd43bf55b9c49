/**
 * The client call layer (client.ts: callUnary, callServerStream, callDuplex) and the mapping of a
 * failed downstream call (errors.ts: callStatus, fromDownstream), against a real grpc-js server
 * on 127.0.0.1 that serves the store's contract with handlers written for these tests.
 *
 * Session ids steer the handlers: HELD answers nothing until the caller leaves (each held call
 * is announced, so a test aborts it once the server has it), MISSING is NOT_FOUND, anything else
 * is answered at once.
 */
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import * as grpc from "@grpc/grpc-js";
import {
  callDuplex,
  callServerStream,
  callStatus,
  callUnary,
  Code,
  createLogger,
  createStoreClient,
  fromDownstream,
  ServiceError,
  serviceDefinition,
  startServer,
  STORE_SERVICE_NAME,
  type RunningServer,
  type StoreApi,
  type StoreServiceClient,
} from "./index.js";

const HELD = "held";
const MISSING = "missing";
/** Output chunks ReadHistory sends for a session that is not HELD. */
const HISTORY_CHUNKS = 3;
/** A deadline long enough for an answer on loopback, short enough to wait out in a test. */
const SHORT_DEADLINE_MS = 300;

/** Calls the server received, by method, and held calls waiting for their caller to leave. */
const arrivals = { GetSession: 0, ReadHistory: 0, AppendOutput: 0 };
/** How each held call ended on the server: "cancelled" once its caller left. */
const heldEnds: Promise<string>[] = [];
const heldArrived: (() => void)[] = [];

function hold(call: { once(event: "cancelled", listener: () => void): unknown }): void {
  heldEnds.push(new Promise((resolve) => call.once("cancelled", () => resolve("cancelled"))));
  for (const wake of heldArrived.splice(0)) wake();
}

/** Resolves once the server holds one more call than now. */
function nextHeld(): Promise<void> {
  return new Promise((resolve) => heldArrived.push(resolve));
}

let server: RunningServer;
let client: StoreServiceClient;

beforeAll(async () => {
  const implementation: grpc.UntypedServiceImplementation = {
    GetSession(call: grpc.ServerUnaryCall<StoreApi.GetSessionRequest__Output, StoreApi.GetSessionResponse>, cb: grpc.sendUnaryData<StoreApi.GetSessionResponse>) {
      arrivals.GetSession++;
      const id = call.request.sessionId;
      if (id === HELD) return hold(call);
      if (id === MISSING) return cb({ code: grpc.status.NOT_FOUND, details: `session ${id} not found` });
      cb(null, { session: { sessionId: id, command: "sh", rows: 24, cols: 80 } });
    },
    ReadHistory(call: grpc.ServerWritableStream<StoreApi.ReadHistoryRequest__Output, StoreApi.ReadHistoryResponse>) {
      arrivals.ReadHistory++;
      const id = call.request.sessionId;
      if (id === MISSING) return void call.emit("error", { code: grpc.status.NOT_FOUND, details: `session ${id} not found` });
      call.write({ start: { fromSeq: 1 } });
      if (id === HELD) return hold(call);
      for (let seq = 1; seq <= HISTORY_CHUNKS; seq++) call.write({ output: { sessionId: id, seq, offset: seq - 1, data: Buffer.from([seq]) } });
      call.write({ end: { lastSeq: HISTORY_CHUNKS, nextSeq: HISTORY_CHUNKS + 1 } });
      call.end();
    },
    // Acks every chunk at once; a chunk of the HELD session holds the call instead.
    AppendOutput(call: grpc.ServerDuplexStream<StoreApi.AppendOutputRequest__Output, StoreApi.AppendOutputResponse>) {
      arrivals.AppendOutput++;
      call.on("data", (req: StoreApi.AppendOutputRequest__Output) => {
        if (req.chunk?.sessionId === HELD) hold(call);
        else call.write({ sessionId: req.chunk?.sessionId, durableSeq: req.chunk?.seq });
      });
      call.on("end", () => call.end());
    },
  };
  server = await startServer({
    address: "127.0.0.1:0",
    log: createLogger("client-test", "silent"),
    services: [{ name: STORE_SERVICE_NAME, definition: serviceDefinition(STORE_SERVICE_NAME), implementation }],
  });
  client = createStoreClient(`127.0.0.1:${server.port}`);
});

afterAll(async () => {
  client?.close();
  await server?.stop(1_000);
});

/** The gRPC code a promise rejects with. */
async function codeOf(p: Promise<unknown>): Promise<number | undefined> {
  try {
    await p;
  } catch (err) {
    return callStatus(err).code;
  }
  throw new Error("the call succeeded");
}

async function drain<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const got: T[] = [];
  for await (const msg of stream) got.push(msg);
  return got;
}

describe("callUnary", () => {
  it("answers with the generated response type", async () => {
    const res = await callUnary(client, "GetSession", { sessionId: "s1" }, { deadlineMs: 5_000 });
    expectTypeOf(res).toEqualTypeOf<StoreApi.GetSessionResponse__Output>();
    expect(res.session?.sessionId).toBe("s1");
    expect(res.session?.rows).toBe(24);
    // The lower-camel name is the same method.
    expect((await callUnary(client, "getSession", { sessionId: "s2" }, { deadlineMs: 5_000 })).session?.sessionId).toBe("s2");
  });

  it("rejects with the server's status and details", async () => {
    const err = await callUnary(client, "GetSession", { sessionId: MISSING }, { deadlineMs: 5_000 }).catch((e: unknown) => e);
    expect(callStatus(err)).toEqual({ code: Code.NOT_FOUND, details: `session ${MISSING} not found` });
  });

  it("starts nothing when the signal was aborted before the call", async () => {
    const before = arrivals.GetSession;
    const err = await callUnary(client, "GetSession", { sessionId: "s1" }, { deadlineMs: 5_000, signal: AbortSignal.abort() }).catch((e: unknown) => e);
    expect(callStatus(err)).toEqual({ code: Code.CANCELLED, details: "Cancelled on client" });
    // A call made after it reaches the server: the aborted one would have arrived first.
    await callUnary(client, "GetSession", { sessionId: "s1" }, { deadlineMs: 5_000 });
    expect(arrivals.GetSession).toBe(before + 1);
  });

  it("cancels the call when the signal fires after it started", async () => {
    const abort = new AbortController();
    const held = nextHeld();
    const pending = callUnary(client, "GetSession", { sessionId: HELD }, { deadlineMs: 30_000, signal: abort.signal });
    await held;
    abort.abort();
    expect(await codeOf(pending)).toBe(Code.CANCELLED);
    expect(await heldEnds.at(-1)).toBe("cancelled");
  });

  it("fails with DEADLINE_EXCEEDED when no answer comes in time", async () => {
    const started = Date.now();
    expect(await codeOf(callUnary(client, "GetSession", { sessionId: HELD }, { deadlineMs: SHORT_DEADLINE_MS }))).toBe(Code.DEADLINE_EXCEEDED);
    expect(Date.now() - started).toBeGreaterThanOrEqual(SHORT_DEADLINE_MS - 5);
  });
});

describe("callServerStream", () => {
  it("gives every message in order, typed", async () => {
    const stream = callServerStream(client, "ReadHistory", { sessionId: "s1", fromSeq: 1, toSeq: 0 });
    expectTypeOf(stream).toEqualTypeOf<import("./client.js").ResponseStream<StoreApi.ReadHistoryResponse__Output>>();
    const got = await drain(stream);
    expect(got.map((m) => m.event)).toEqual(["start", ...Array<string>(HISTORY_CHUNKS).fill("output"), "end"]);
    expect(got.filter((m) => m.output).map((m) => [...m.output!.data])).toEqual([[1], [2], [3]]);
  });

  it("throws the server's status from the iteration", async () => {
    const err = await drain(callServerStream(client, "ReadHistory", { sessionId: MISSING })).catch((e: unknown) => e);
    expect(callStatus(err)).toEqual({ code: Code.NOT_FOUND, details: `session ${MISSING} not found` });
  });

  it("starts nothing when the signal was aborted before the call", async () => {
    const before = arrivals.ReadHistory;
    const err = await drain(callServerStream(client, "ReadHistory", { sessionId: "s1" }, { signal: AbortSignal.abort() })).catch((e: unknown) => e);
    expect(callStatus(err).code).toBe(Code.CANCELLED);
    await drain(callServerStream(client, "ReadHistory", { sessionId: "s1" }));
    expect(arrivals.ReadHistory).toBe(before + 1);
  });

  it("ends the call when the signal fires after the first message", async () => {
    const abort = new AbortController();
    const held = nextHeld();
    const stream = callServerStream(client, "ReadHistory", { sessionId: HELD }, { signal: abort.signal });
    const got: string[] = [];
    const err = await (async () => {
      for await (const msg of stream) {
        got.push(msg.event!);
        await held;
        abort.abort();
      }
    })().catch((e: unknown) => e);
    expect(got).toEqual(["start"]);
    expect(callStatus(err).code).toBe(Code.CANCELLED);
    expect(await heldEnds.at(-1)).toBe("cancelled");
  });

  it("ends the call when the caller stops iterating", async () => {
    const held = nextHeld();
    const stream = callServerStream(client, "ReadHistory", { sessionId: HELD });
    for await (const msg of stream) {
      expect(msg.start).toBeTruthy();
      await held;
      break;
    }
    expect(await heldEnds.at(-1)).toBe("cancelled");
  });

  it("fails with DEADLINE_EXCEEDED when the stream outlives its deadline", async () => {
    const got: string[] = [];
    const err = await (async () => {
      for await (const msg of callServerStream(client, "ReadHistory", { sessionId: HELD }, { deadlineMs: SHORT_DEADLINE_MS })) got.push(msg.event!);
    })().catch((e: unknown) => e);
    expect(got).toEqual(["start"]);
    expect(callStatus(err).code).toBe(Code.DEADLINE_EXCEEDED);
  });
});

describe("callDuplex", () => {
  /** The status a duplex call ends with. */
  const statusOf = (call: grpc.ClientDuplexStream<StoreApi.AppendOutputRequest, StoreApi.AppendOutputResponse__Output>) =>
    new Promise<grpc.StatusObject>((resolve) => {
      call.on("error", () => {});
      call.on("status", resolve);
    });

  it("carries typed messages both ways", async () => {
    const call = callDuplex(client, "AppendOutput");
    expectTypeOf(call).toEqualTypeOf<grpc.ClientDuplexStream<StoreApi.AppendOutputRequest, StoreApi.AppendOutputResponse__Output>>();
    const ack = new Promise<StoreApi.AppendOutputResponse__Output>((resolve) => call.once("data", resolve));
    call.write({ chunk: { sessionId: "s1", seq: 7, offset: 0, data: Buffer.from("x") } });
    expect(await ack).toMatchObject({ sessionId: "s1", durableSeq: 7 });
    const ended = statusOf(call);
    call.end();
    expect((await ended).code).toBe(Code.OK);
  });

  it("ends CANCELLED at once when the signal was aborted before the call", async () => {
    const call = callDuplex(client, "AppendOutput", { signal: AbortSignal.abort() });
    expect((await statusOf(call)).code).toBe(Code.CANCELLED);
  });

  it("cancels the call when the signal fires after it started", async () => {
    const abort = new AbortController();
    const held = nextHeld();
    const call = callDuplex(client, "AppendOutput", { signal: abort.signal });
    const ended = statusOf(call);
    call.write({ chunk: { sessionId: HELD, seq: 1, offset: 0, data: Buffer.from("x") } });
    await held;
    abort.abort();
    expect((await ended).code).toBe(Code.CANCELLED);
    expect(await heldEnds.at(-1)).toBe("cancelled");
  });

  it("fails with DEADLINE_EXCEEDED when the stream outlives its deadline", async () => {
    const call = callDuplex(client, "AppendOutput", { deadlineMs: SHORT_DEADLINE_MS });
    expect((await statusOf(call)).code).toBe(Code.DEADLINE_EXCEEDED);
  });
});

describe("fromDownstream: a failed downstream call as our caller's status", () => {
  const unavailable = (details: string) => `the store could not answer: ${details}`;

  it("passes the other service's verdict on the request with its details", async () => {
    const err = await callUnary(client, "GetSession", { sessionId: MISSING }, { deadlineMs: 5_000 }).catch((e: unknown) => e);
    const mapped = fromDownstream(err, { verdicts: [Code.NOT_FOUND], unavailable });
    expect(mapped).toBeInstanceOf(ServiceError);
    expect(mapped.code).toBe(Code.NOT_FOUND);
    expect(mapped.message).toBe(`session ${MISSING} not found`);
  });

  it("turns a code that is not a verdict into UNAVAILABLE, with the details", async () => {
    const err = await callUnary(client, "GetSession", { sessionId: MISSING }, { deadlineMs: 5_000 }).catch((e: unknown) => e);
    const mapped = fromDownstream(err, { verdicts: [Code.INVALID_ARGUMENT], unavailable });
    expect(mapped.code).toBe(Code.UNAVAILABLE);
    expect(mapped.message).toBe(`the store could not answer: session ${MISSING} not found`);
  });

  it("turns a server that cannot be reached into UNAVAILABLE", async () => {
    // A port that was just free on loopback: nothing listens there.
    const gone = await startServer({ address: "127.0.0.1:0", log: createLogger("client-test", "silent"), services: [] });
    await gone.stop(0);
    const unreachable = createStoreClient(`127.0.0.1:${gone.port}`);
    try {
      const err = await callUnary(unreachable, "GetSession", { sessionId: "s1" }, { deadlineMs: 5_000 }).catch((e: unknown) => e);
      expect(callStatus(err).code).toBe(Code.UNAVAILABLE);
      const mapped = fromDownstream(err, { verdicts: [Code.NOT_FOUND], unavailable });
      expect(mapped.code).toBe(Code.UNAVAILABLE);
      expect(mapped.message).toMatch(/^the store could not answer: .*(ECONNREFUSED|No connection established)/);
    } finally {
      unreachable.close();
    }
  });

  it("keeps a ServiceError of our own, and makes anything else UNAVAILABLE", () => {
    const own = new ServiceError(Code.DATA_LOSS, "seq 4 is missing");
    expect(fromDownstream(own, { verdicts: [], unavailable })).toBe(own);
    const other = fromDownstream(new TypeError("bad"), { verdicts: [Code.NOT_FOUND], unavailable });
    expect([other.code, other.message]).toEqual([Code.UNAVAILABLE, "the store could not answer: bad"]);
    expect(callStatus(new TypeError("bad"))).toEqual({ code: Code.UNKNOWN, details: "bad" });
  });
});
