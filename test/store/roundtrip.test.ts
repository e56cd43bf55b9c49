/** Output goes in through AppendOutput and comes back byte for byte through ReadHistory. */
import { createHash, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppendStream, chunksOf, historyBytes, historyEnd, readHistory, register, startStoreFixture, unaryCall } from "./helpers.js";
import type { StoreApi } from "@ptykeep/proto";

let fx: Awaited<ReturnType<typeof startStoreFixture>>;

beforeAll(async () => {
  fx = await startStoreFixture("store_roundtrip");
});
afterAll(async () => {
  await fx?.close();
  await fx?.dropDb();
});

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

/** Every byte value, UTF-8 sequences split across chunk boundaries, and random binary. */
function trickyPieces(): Buffer[] {
  const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  const euro = Buffer.from("€😀 é", "utf8");
  const pieces: Buffer[] = [all, euro.subarray(0, 1), euro.subarray(1, 5), euro.subarray(5), Buffer.alloc(0)];
  for (let i = 0; i < 200; i++) pieces.push(randomBytes(1 + Math.floor(Math.random() * 20_000)));
  pieces.push(randomBytes(256 * 1024));
  return pieces;
}

describe("AppendOutput → ReadHistory", () => {
  it("returns exactly the bytes that were sent, in order, with their offsets", async () => {
    const { session } = await register(fx.client);
    const id = session!.sessionId;
    const pieces = trickyPieces();
    const reqs = chunksOf(id, pieces);
    const stream = new AppendStream(fx.client);
    stream.write(reqs);
    await stream.untilAcked(id, reqs.length);
    stream.close();
    await stream.until(() => stream.ended, "stream end");

    const events = await readHistory(fx.client, { sessionId: id });
    expect(events[0]!.start).toMatchObject({ fromSeq: 1, truncated: false, rows: 24, cols: 80, offset: 0 });
    const sent = Buffer.concat(pieces);
    expect(sha(historyBytes(events))).toBe(sha(sent));
    const outputs = events.filter((e) => e.output).map((e) => e.output!);
    expect(outputs.map((o) => o.seq)).toEqual(reqs.map((r) => r.chunk!.seq));
    expect(outputs.map((o) => o.offset)).toEqual(reqs.map((r) => r.chunk!.offset));
    expect(historyEnd(events)).toMatchObject({ reason: "HISTORY_END_REASON_CAUGHT_UP", lastSeq: reqs.length, nextSeq: reqs.length + 1, nextOffset: sent.length });

    const got = await unaryCall<StoreApi.GetSessionRequest, StoreApi.GetSessionResponse__Output>(fx.client, "GetSession", { sessionId: id });
    expect(got.session).toMatchObject({ durableSeq: reqs.length, durableBytes: sent.length });
  });

  it("keeps chunk timestamps to the microsecond", async () => {
    const { session } = await register(fx.client);
    const id = session!.sessionId;
    const stream = new AppendStream(fx.client);
    stream.write([{ chunk: { sessionId: id, seq: 1, offset: 0, ts: { seconds: 1_700_000_000, nanos: 123_456_000 }, data: Buffer.from("x") } }]);
    await stream.untilAcked(id, 1);
    stream.close();
    const events = await readHistory(fx.client, { sessionId: id });
    expect(events.find((e) => e.output)!.output!.ts).toEqual({ seconds: 1_700_000_000, nanos: 123_456_000 });
  });
});
