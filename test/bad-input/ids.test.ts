/**
 * Every RPC of both services that names a session, given the ids a broken or hostile caller
 * sends: none, malformed, NUL-containing, 100 KB long, and well-formed but unknown. Malformed ids
 * are INVALID_ARGUMENT with a message naming the field; unknown ones NOT_FOUND naming the id
 * (CheckLiveness answers UNKNOWN for them, by design). Both services answer SERVING after each
 * RPC's cases.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type * as grpc from "@grpc/grpc-js";
import { Code, checkHealth, uuidv7, type PtyApi } from "@ptykeep/proto";
import { codeOf, rpc, startSystem, type System } from "../e2e/helpers.js";
import { AppendStream, chunk } from "../store/helpers.js";

let sys: System;

beforeAll(async () => {
  sys = await startSystem("bad_ids");
});

afterAll(async () => {
  await sys?.close();
});

const UNKNOWN = uuidv7();
const MALFORMED: Array<[string, string, RegExp]> = [
  ["missing", "", /session_id is required/],
  ["malformed", "not-a-uuid", /session_id .*is not a UUID/],
  ["NUL inside", `${UNKNOWN.slice(0, 8)}\0${UNKNOWN.slice(9)}`, /session_id/],
  ["100 KB long", "a".repeat(100_000), /session_id/],
];

/** Opens a server stream and resolves with how it failed. */
function streamError(stream: grpc.ClientReadableStream<unknown>): Promise<{ code: number; details: string }> {
  return new Promise((resolve, reject) => {
    stream.on("data", () => {});
    stream.on("error", (e: grpc.ServiceError) => resolve({ code: e.code, details: e.details }));
    stream.on("end", () => reject(new Error("the stream ended without an error")));
  });
}

/** Each RPC, as a function of the session id it is given; resolves with the call's status. */
const ptyCalls: Record<string, (sessionId: string) => Promise<{ code: number; details: string }>> = {
  Write: (sessionId) => codeOf(rpc(sys.ptyClient, "Write", { sessionId, data: Buffer.from("x") })),
  Resize: (sessionId) => codeOf(rpc(sys.ptyClient, "Resize", { sessionId, rows: 24, cols: 80 })),
  Signal: (sessionId) => codeOf(rpc(sys.ptyClient, "Signal", { sessionId, signal: "SIGINT" })),
  Kill: (sessionId) => codeOf(rpc(sys.ptyClient, "Kill", { sessionId })),
  Attach: (sessionId) => streamError(sys.ptyClient.Attach({ sessionId }, { deadline: Date.now() + 10_000 })),
};
const storeCalls: Record<string, (sessionId: string) => Promise<{ code: number; details: string }>> = {
  MarkRunning: (sessionId) => codeOf(rpc(sys.storeClient, "MarkRunning", { sessionId, pid: 42 })),
  MarkExited: (sessionId) => codeOf(rpc(sys.storeClient, "MarkExited", { sessionId, reason: "END_REASON_EXITED", exitCode: 0, finalSeq: 0 })),
  UpdateSize: (sessionId) => codeOf(rpc(sys.storeClient, "UpdateSize", { sessionId, rows: 24, cols: 80, atSeq: 0, changeNo: 1 })),
  GetSession: (sessionId) => codeOf(rpc(sys.storeClient, "GetSession", { sessionId })),
  DeleteSession: (sessionId) => codeOf(rpc(sys.storeClient, "DeleteSession", { sessionId })),
  ReadHistory: (sessionId) => streamError(sys.storeClient.ReadHistory({ sessionId }, { deadline: Date.now() + 10_000 })),
};

async function bothServing(): Promise<void> {
  expect(await checkHealth(sys.pty.address, { deadlineMs: 5_000 })).toBe("SERVING");
  expect(await checkHealth(sys.store.address, { deadlineMs: 5_000 })).toBe("SERVING");
}

describe.each([
  ["pty-service", ptyCalls],
  ["store-service", storeCalls],
] as const)("%s: session ids", (_service, calls) => {
  for (const [method, callWith] of Object.entries(calls)) {
    it(`${method} refuses malformed ids by field and unknown ids as NOT_FOUND`, async () => {
      for (const [what, id, message] of MALFORMED) {
        const r = await callWith(id);
        expect({ what, code: r.code }).toEqual({ what, code: Code.INVALID_ARGUMENT });
        expect(r.details).toMatch(message);
        // The message quotes at most a bounded prefix of what was sent.
        expect(r.details.length).toBeLessThan(400);
      }
      const unknown = await callWith(UNKNOWN);
      expect(unknown.code, unknown.details).toBe(Code.NOT_FOUND);
      expect(unknown.details).toContain(UNKNOWN);
      await bothServing();
    });
  }
});

describe("session ids in lists", () => {
  it("CheckLiveness names the entry that is malformed, and answers UNKNOWN for unknown ids", async () => {
    for (const [what, id, message] of MALFORMED) {
      const r = await codeOf(rpc(sys.ptyClient, "CheckLiveness", { sessionIds: [UNKNOWN, id] }));
      expect({ what, code: r.code }).toEqual({ what, code: Code.INVALID_ARGUMENT });
      expect(r.details).toMatch(new RegExp(message.source.replace("session_id", "session_ids\\[1\\]")));
    }
    const res = await rpc<PtyApi.CheckLivenessResponse__Output>(sys.ptyClient, "CheckLiveness", { sessionIds: [UNKNOWN] });
    expect(res.sessions.map((s) => s.liveness)).toEqual(["LIVENESS_UNKNOWN"]);
    await bothServing();
  });

  it("AppendOutput rejects a chunk of an unknown session and carries on; a malformed id ends the call", async () => {
    const stream = new AppendStream(sys.storeClient);
    try {
      stream.write([chunk(UNKNOWN, 1, 0, Buffer.from("x"))]);
      await stream.until(() => stream.rejections().length >= 1 || stream.error !== undefined, "a rejection");
      expect(stream.rejections()[0]).toMatchObject({ code: Code.NOT_FOUND, seq: 1 });
      expect(stream.rejections()[0]!.message).toContain(UNKNOWN);
      expect(stream.error).toBeUndefined();
      // A malformed chunk is a broken sender: INVALID_ARGUMENT for the whole call, naming the field.
      for (const [, id] of MALFORMED.slice(1)) stream.write([chunk(id, 1, 0, Buffer.from("x"))]);
      await stream.until(() => stream.error !== undefined, "the call to end");
      expect(stream.error!.code).toBe(Code.INVALID_ARGUMENT);
      expect(stream.error!.details).toMatch(/session_id is not a UUID/);
      expect(stream.error!.details.length).toBeLessThan(400);
    } finally {
      stream.cancel();
    }
    await bothServing();
  });
});
