/** Every request the store refuses: INVALID_ARGUMENT (or NOT_FOUND) with a message naming the field. */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Code, checkHealth, uuidv7, type StoreApi } from "@ptykeep/proto";
import { codeOf, register, startStoreFixture, unaryCall } from "./helpers.js";

let fx: Awaited<ReturnType<typeof startStoreFixture>>;
beforeAll(async () => {
  fx = await startStoreFixture("store_validation");
});
afterAll(async () => {
  await fx?.close();
  await fx?.dropDb();
});
// Every refusal leaves the store up and healthy.
afterEach(async () => {
  expect(await checkHealth(fx.store.address, { deadlineMs: 5_000 })).toBe("SERVING");
});

async function expectInvalid(p: Promise<unknown>, field: RegExp) {
  const r = await codeOf(p);
  expect(r.code, r.details).toBe(Code.INVALID_ARGUMENT);
  expect(r.details).toMatch(field);
}

describe("RegisterSession validation", () => {
  const cases: Array<[string, Partial<StoreApi.RegisterSessionRequest>, RegExp]> = [
    ["missing id", { sessionId: "" }, /session_id is required/],
    ["malformed id", { sessionId: "not-a-uuid" }, /session_id .* is not a UUID/],
    ["empty command", { command: "" }, /command is required/],
    ["NUL in command", { command: "ba\0sh" }, /command must not contain NUL/],
    ["oversized command", { command: "x".repeat(5000) }, /command is 5000 bytes; the limit is 4096/],
    ["NUL in an argument", { args: ["ok", "b\0d"] }, /args\[1\] must not contain NUL/],
    ["too many arguments", { args: Array.from({ length: 1025 }, () => "a") }, /args has 1025 entries/],
    ["oversized cwd", { cwd: "/".repeat(4097) }, /cwd is 4097 bytes/],
    ["missing pty node", { ptyNode: "" }, /pty_node is required/],
    ["rows 0", { rows: 0 }, /rows must be between 1 and 1000, got 0/],
    ["cols 1001", { cols: 1001 }, /cols must be between 1 and 1000, got 1001/],
    ["cols 100000", { cols: 100_000 }, /cols must be between 1 and 1000, got 100000/],
    ["rows -1 (uint32: 4294967295)", { rows: -1 }, /rows must be between 1 and 1000, got 4294967295/],
    ["bad label key", { labels: { "bad key!": "v" } }, /labels key "bad key!"/],
    ["oversized label value", { labels: { k: "v".repeat(300) } }, /labels\[k\] is 300 bytes/],
    ["bad env name", { envNames: ["GOOD", "1BAD"] }, /env_names\[1\] name "1BAD"/],
    ["env name with =", { envNames: ["A=B"] }, /env_names\[0\] name "A=B"/],
  ];
  for (const [what, req, field] of cases) {
    it(`refuses ${what}`, () => expectInvalid(register(fx.client, req), field));
  }
});

describe("other unary validation", () => {
  it("GetSession: malformed id is INVALID_ARGUMENT, unknown is NOT_FOUND", async () => {
    await expectInvalid(unaryCall(fx.client, "GetSession", { sessionId: "123" }), /session_id/);
    await expectInvalid(unaryCall(fx.client, "GetSession", {}), /session_id is required/);
    const r = await codeOf(unaryCall(fx.client, "GetSession", { sessionId: uuidv7() }));
    expect(r.code).toBe(Code.NOT_FOUND);
    expect(r.details).toMatch(/not found/);
  });

  it("MarkRunning: bad id, missing pid, unknown session", async () => {
    await expectInvalid(unaryCall(fx.client, "MarkRunning", { sessionId: "x", pid: 1 }), /session_id/);
    await expectInvalid(unaryCall(fx.client, "MarkRunning", { sessionId: uuidv7(), pid: 0 }), /pid must be 1 or more/);
    await expectInvalid(unaryCall(fx.client, "MarkRunning", { sessionId: uuidv7(), pid: -5 }), /pid/);
    expect((await codeOf(unaryCall(fx.client, "MarkRunning", { sessionId: uuidv7(), pid: 5 }))).code).toBe(Code.NOT_FOUND);
  });

  it("MarkExited: reason required, signal bounded, unknown session", async () => {
    await expectInvalid(unaryCall(fx.client, "MarkExited", { sessionId: uuidv7(), exitCode: 0 }), /reason must be END_REASON_EXITED or END_REASON_KILLED/);
    await expectInvalid(unaryCall(fx.client, "MarkExited", { sessionId: uuidv7(), signal: "S".repeat(100), reason: "END_REASON_KILLED" }), /signal is 100 bytes/);
    await expectInvalid(unaryCall(fx.client, "MarkExited", { sessionId: "", reason: "END_REASON_KILLED" }), /session_id is required/);
    expect((await codeOf(unaryCall(fx.client, "MarkExited", { sessionId: uuidv7(), reason: "END_REASON_KILLED" }))).code).toBe(Code.NOT_FOUND);
  });

  it("UpdateSize: bad id", async () => {
    await expectInvalid(unaryCall(fx.client, "UpdateSize", { sessionId: "zz", rows: 1, cols: 1, changeNo: 1 }), /session_id/);
  });

  it("DeleteSession: bad id, unknown id", async () => {
    await expectInvalid(unaryCall(fx.client, "DeleteSession", { sessionId: "nope" }), /session_id/);
    expect((await codeOf(unaryCall(fx.client, "DeleteSession", { sessionId: uuidv7() }))).code).toBe(Code.NOT_FOUND);
  });

  it("ListSessions: page size, page token, states, labels", async () => {
    await expectInvalid(unaryCall(fx.client, "ListSessions", { pageSize: 1001 }), /page_size must be between 1 and 1000/);
    await expectInvalid(unaryCall(fx.client, "ListSessions", { pageToken: "garbage!!" }), /page_token/);
    await expectInvalid(unaryCall(fx.client, "ListSessions", { pageToken: Buffer.from("not a uuid").toString("base64url") }), /page_token/);
    await expectInvalid(unaryCall(fx.client, "ListSessions", { states: ["SESSION_STATE_UNSPECIFIED"] }), /states\[0\]/);
    await expectInvalid(unaryCall(fx.client, "ListSessions", { labels: { "": "x" } }), /labels key/);
  });
});
