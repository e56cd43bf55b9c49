/**
 * The handler wrappers against a real grpc-js server and client: a server stream whose caller
 * leaves must end its handler, whether the handler is blocked on HTTP/2 flow control (the caller
 * stopped reading) or busy between writes. A handler that never returns would hold its buffers
 * and whatever it read for good, and grpc-js would not tell anyone.
 *
 * The caller that stops reading is a plain HTTP/2 client: a paused grpc-js client stream keeps
 * reading from HTTP/2 into its own memory (seen here: 500 MB in 10 s), so the server would never
 * block on it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as grpc from "@grpc/grpc-js";
import http2 from "node:http2";
import { createLogger, serverStream, startServer, writeMessage, type RunningServer } from "./index.js";

const identity = (b: Buffer) => b;
const STREAM: grpc.MethodDefinition<Buffer, Buffer> = {
  path: "/ptykeep.test.Echo/Flood",
  requestStream: false,
  responseStream: true,
  requestSerialize: identity,
  requestDeserialize: identity,
  responseSerialize: identity,
  responseDeserialize: identity,
};
const MESSAGE_BYTES = 64 * 1024;

interface HandlerRun {
  written: number;
  /** How the handler ended: "returned", or the error it threw. */
  outcome: Promise<string>;
}

const runs: HandlerRun[] = [];
/** How each Late handler saw its call's signal. */
const lateRuns: string[] = [];
let lateArrivals = 0;
let running: RunningServer;
let client: grpc.Client;

beforeAll(async () => {
  const log = createLogger("server-test", "silent");
  const implementation = {
    // Writes 64 KiB messages until the caller leaves; request byte 1 = pause 5 ms between writes.
    Flood: serverStream<Buffer, Buffer>("Flood", log, async (req, call, ctx) => {
      const run = { written: 0 } as HandlerRun;
      let settle!: (s: string) => void;
      run.outcome = new Promise((r) => (settle = r));
      runs.push(run);
      try {
        for (;;) {
          await writeMessage(call, Buffer.alloc(MESSAGE_BYTES, 7), ctx.signal);
          run.written++;
          if (req[0] === 1) await new Promise((r) => setTimeout(r, 5));
        }
      } catch (err) {
        settle((err as Error).name);
        throw err;
      }
    }),
  };
  // Hands the call to its handler only once the caller has cancelled it: what happens when the
  // cancellation arrives before the handler listens for it (an interceptor still deciding).
  const late = serverStream<Buffer, Buffer>("Late", log, async (_req, _call, ctx) => {
    lateRuns.push(ctx.signal.aborted ? "aborted" : await new Promise<string>((resolve) => {
      ctx.signal.addEventListener("abort", () => resolve("aborted late"), { once: true });
      setTimeout(() => resolve("never aborted"), 2_000).unref();
    }));
  });
  const lateImplementation = (call: grpc.ServerWritableStream<Buffer, Buffer>) => {
    lateArrivals++;
    call.once("cancelled", () => late(call));
  };
  running = await startServer({
    address: "127.0.0.1:0",
    log,
    services: [{ name: "ptykeep.test.Echo", definition: { Flood: STREAM, Late: { ...STREAM, path: "/ptykeep.test.Echo/Late" } }, implementation: { ...implementation, Late: lateImplementation } }],
  });
  client = new grpc.Client(`127.0.0.1:${running.port}`, grpc.credentials.createInsecure());
});

afterAll(async () => {
  client?.close();
  await running?.stop(1_000);
});

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms))]);
}

describe("a server stream whose caller leaves", () => {
  it("ends a handler blocked on flow control (the caller stopped reading)", async () => {
    const session = http2.connect(`http://127.0.0.1:${running.port}`);
    session.on("error", () => {});
    const stream = session.request({ ":method": "POST", ":path": STREAM.path, "content-type": "application/grpc", te: "trailers" });
    stream.on("error", () => {});
    // One gRPC frame: not compressed, 1 byte long, byte 0 (no pause between writes).
    stream.end(Buffer.from([0, 0, 0, 0, 1, 0]));
    stream.pause();
    try {
      // Blocked once the count stops moving: the HTTP/2 windows and the server's buffer are full.
      let blockedAt = -1;
      for (let tries = 0; tries < 50 && runs.at(-1)?.written !== blockedAt; tries++) {
        blockedAt = runs.at(-1)?.written ?? -1;
        await new Promise((r) => setTimeout(r, 200));
      }
      const run = runs.at(-1)!;
      expect(run.written).toBe(blockedAt);
      // A paused reader costs the server its buffers, not the whole stream.
      expect(blockedAt * MESSAGE_BYTES).toBeLessThan(4 * 1024 * 1024);
      stream.close(http2.constants.NGHTTP2_CANCEL);
      expect(await within(run.outcome, 2_000, "the handler ended")).toBe("AbortError");
      expect(run.written).toBeLessThanOrEqual(blockedAt + 1);
    } finally {
      session.destroy();
    }
  });

  it("ends a handler busy between writes", async () => {
    const call = client.makeServerStreamRequest(STREAM.path, identity, identity, Buffer.from([1]));
    call.on("error", () => {});
    let received = 0;
    await new Promise<void>((resolve) =>
      call.on("data", () => {
        if (++received === 5) resolve();
      }),
    );
    call.cancel();
    const run = runs.at(-1)!;
    expect(await within(run.outcome, 2_000, "the handler ended")).toBe("AbortError");
  });
});

describe("a call cancelled before its handler runs", () => {
  it("starts the handler with its signal already aborted", async () => {
    const call = client.makeServerStreamRequest("/ptykeep.test.Echo/Late", identity, identity, Buffer.from([0]));
    call.on("error", () => {});
    await within(
      (async () => {
        while (lateArrivals === 0) await new Promise((r) => setTimeout(r, 20));
      })(),
      5_000,
      "the call reached the server",
    );
    call.cancel();
    await within(
      (async () => {
        while (lateRuns.length === 0) await new Promise((r) => setTimeout(r, 20));
      })(),
      5_000,
      "the handler ran",
    );
    expect(lateRuns).toEqual(["aborted"]);
  });
});
