/**
 * Bytes no gRPC client would send, over a raw HTTP/2 connection with the gRPC framing written by
 * hand (1 byte compressed flag, 4 bytes big-endian length, then the message): garbage and truncated
 * protobuf, truncated and oversized frames, a compressed flag without an encoding, unknown methods.
 * Each gets a refusal (codes below), and both services answer their health check SERVING after every case.
 * Also here: arguments a shell would interpret reach the program literally, and a label map with
 * thousands of entries is refused by name.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import http2 from "node:http2";
import { Code } from "@ptykeep/proto";
import { codeOf, readHistory, spawn, startSystem, waitStoredEnd, type System } from "../e2e/helpers.js";

let sys: System;

beforeAll(async () => {
  sys = await startSystem("bad_frames");
});

afterAll(async () => {
  await sys?.close();
});

/** One gRPC message frame: the flag byte, the length the prefix claims, then the bytes given. */
function frame(message: Buffer, opts: { compressed?: boolean; claimedLength?: number } = {}): Buffer {
  const prefix = Buffer.alloc(5);
  prefix.writeUInt8(opts.compressed ? 1 : 0, 0);
  prefix.writeUInt32BE(opts.claimedLength ?? message.length, 1);
  return Buffer.concat([prefix, message]);
}

interface RawResult {
  httpStatus: number | undefined;
  grpcStatus: number | undefined;
  message: string;
  data: Buffer;
}

/** A POST over its own HTTP/2 connection; resolves when the stream closes (bounded by a timeout). */
function rawCall(address: string, path: string, body: Buffer, headers: http2.OutgoingHttpHeaders = {}): Promise<RawResult> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`http://${address}`);
    const result: RawResult = { httpStatus: undefined, grpcStatus: undefined, message: "", data: Buffer.alloc(0) };
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      session.destroy();
      reject(new Error(`no answer on ${path} within 10 s`));
    }, 10_000);
    const take = (h: http2.IncomingHttpHeaders) => {
      if (h[":status"] !== undefined) result.httpStatus = Number(h[":status"]);
      if (h["grpc-status"] !== undefined) result.grpcStatus = Number(h["grpc-status"]);
      if (h["grpc-message"] !== undefined) result.message = decodeURIComponent(String(h["grpc-message"]));
    };
    session.on("error", () => {});
    const req = session.request({ ":method": "POST", ":path": path, "content-type": "application/grpc", te: "trailers", ...headers });
    req.on("response", take);
    req.on("trailers", take);
    req.on("data", (d: Buffer) => chunks.push(d));
    req.on("error", () => {});
    req.on("close", () => {
      clearTimeout(timer);
      result.data = Buffer.concat(chunks);
      session.close();
      resolve(result);
    });
    req.end(body);
  });
}

/** Health Check by hand: an empty request; SERVING is field 1 = 1, i.e. the message 08 01. */
async function expectServing(address: string): Promise<void> {
  const r = await rawCall(address, "/grpc.health.v1.Health/Check", frame(Buffer.alloc(0)));
  expect(r.grpcStatus, r.message).toBe(Code.OK);
  expect(r.data.equals(frame(Buffer.from([0x08, 0x01]))), r.data.toString("hex")).toBe(true);
}

const GARBAGE = Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
/** Field 1, length-delimited, claiming 100 bytes and carrying 1. */
const TRUNCATED_FIELD = Buffer.from([0x0a, 0x64, 0x41]);
/** Field 1 with wire type 7, which does not exist. */
const BAD_WIRE_TYPE = Buffer.from([0x0f, 0x00]);

// The codes are grpc-js's for what it refuses before a handler runs (INTERNAL for a message it
// cannot decode; UNIMPLEMENTED, with a message about a missing or second request, for a unary
// call without exactly one whole frame; RESOURCE_EXHAUSTED over the size limit), and
// INVALID_ARGUMENT from ptykeep's validation for what its lenient decoder lets through
// (protobufjs reads a cut-short field as far as it goes and skips unknown wire types; grpc-js
// ignores the compressed flag when no grpc-encoding was negotiated).
const is = (code: number) => (r: RawResult) => expect(r.grpcStatus, r.message).toBe(code);
const cases: Array<[string, Buffer, (r: RawResult) => void]> = [
  ["garbage protobuf", frame(GARBAGE), is(Code.INTERNAL)],
  ["a length-delimited field cut short", frame(TRUNCATED_FIELD), is(Code.INVALID_ARGUMENT)],
  ["a wire type that does not exist", frame(BAD_WIRE_TYPE), is(Code.INVALID_ARGUMENT)],
  ["a frame shorter than its prefix claims", frame(Buffer.from("abc"), { claimedLength: 100 }), is(Code.UNIMPLEMENTED)],
  ["a prefix cut after 3 bytes", Buffer.from([0, 0, 0]), is(Code.UNIMPLEMENTED)],
  ["a 4 GiB length prefix", frame(Buffer.from("x"), { claimedLength: 0xffff_ffff }), is(Code.RESOURCE_EXHAUSTED)],
  ["the compressed flag without an encoding", frame(Buffer.from([0x0a, 0x01, 0x41]), { compressed: true }), is(Code.INVALID_ARGUMENT)],
  ["no message at all on a unary call", Buffer.alloc(0), is(Code.UNIMPLEMENTED)],
  ["two messages on a unary call", Buffer.concat([frame(Buffer.alloc(0)), frame(Buffer.alloc(0))]), is(Code.UNIMPLEMENTED)],
];

const SERVICES = [
  { name: "store-service", address: () => sys.store.address, path: "/ptykeep.store.v1.StoreService/GetSession", empty: /session_id is required/ },
  { name: "pty-service", address: () => sys.pty.address, path: "/ptykeep.pty.v1.PtyService/Spawn", empty: /command is required/ },
];

describe.each(SERVICES)("raw HTTP/2 frames to the $name", (svc) => {
  it.each(cases)("refuses %s and stays SERVING", async (_what, body, check) => {
    const r = await rawCall(svc.address(), svc.path, body);
    expect(r.grpcStatus, "a gRPC status, not a dropped connection").toBeTypeOf("number");
    check(r);
    expect(r.data.length, "no response message on a refused call").toBe(0);
    await expectServing(sys.store.address);
    await expectServing(sys.pty.address);
  });

  it("answers a request with no fields set with INVALID_ARGUMENT naming the field", async () => {
    const r = await rawCall(svc.address(), svc.path, frame(Buffer.alloc(0)));
    expect(r.grpcStatus).toBe(Code.INVALID_ARGUMENT);
    expect(r.message).toMatch(svc.empty);
    await expectServing(svc.address());
  });

  it("answers an unknown method with UNIMPLEMENTED, and a non-gRPC content type without a call", async () => {
    const unknown = await rawCall(svc.address(), svc.path.replace(/\/[^/]+$/, "/NoSuchMethod"), frame(Buffer.alloc(0)));
    expect(unknown.grpcStatus).toBe(Code.UNIMPLEMENTED);
    const json = await rawCall(svc.address(), svc.path, Buffer.from("{}"), { "content-type": "application/json" });
    expect(json.grpcStatus === undefined || json.grpcStatus !== Code.OK).toBe(true);
    expect(json.httpStatus === 415 || json.grpcStatus !== undefined).toBe(true);
    await expectServing(svc.address());
  });
});

describe("shell syntax and huge maps", () => {
  it("passes `;rm -rf /`, `$(id)` and friends to the program literally (it echoes its argv)", async () => {
    const hostile = [";rm -rf /", "$(id)", "`id`", "a && b", "| cat /etc/passwd", "'\"", "$HOME", "*", "\n"];
    // printf '<%s>' "$@" prints each argument as received, delimited, with no shell in between.
    const { sessionId } = await spawn(sys, { command: "/bin/sh", args: ["-c", "stty raw -echo; printf '<%s>' \"$@\"", "sh", ...hostile], cwd: "/tmp" });
    await waitStoredEnd(sys, sessionId);
    const h = await readHistory(sys, sessionId);
    expect(h.bytes.toString("utf8")).toBe(hostile.map((a) => `<${a}>`).join(""));
    expect(h.exit?.exitCode).toBe(0);
  });

  it("refuses a label map with thousands of entries by name, on both services", async () => {
    const labels = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, "v"]));
    const viaPty = await codeOf(spawn(sys, { command: "true", labels }));
    expect(viaPty.code).toBe(Code.INVALID_ARGUMENT);
    expect(viaPty.details).toMatch(/labels has 5000 entries; the limit is 64/);
    await expectServing(sys.pty.address);
    await expectServing(sys.store.address);
  });
});
