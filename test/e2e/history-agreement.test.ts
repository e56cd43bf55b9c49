/**
 * ReadHistory and Attach say the same true thing about a session:
 * - reads made while a program writes end CAUGHT_UP, never GAP (GAP means a chunk is missing);
 * - a from_seq past the end is OUT_OF_RANGE on both, naming the valid range, and the point just
 *   after the end is a valid "caught up" position with the right offset;
 * - the exit event (reason and time) is the same whichever way it is read;
 * - a replay that stops at a missing chunk is DATA_LOSS on Attach, hosted here or not.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as grpc from "@grpc/grpc-js";
import { Code, type PtyApi, type StoreApi } from "@ptykeep/proto";
import { attach, codeOf, contiguous, getSession, readHistory, spawn, startSystem, waitFor, waitStoredEnd, type System } from "./helpers.js";
import { Programs } from "./programs.js";
import { AppendStream, chunksOf, register } from "../store/helpers.js";
import { runPtykeep } from "../cli/helpers.js";

let sys: System;
const programs = new Programs();

beforeAll(async () => {
  sys = await startSystem("e2e_history_agreement");
});

afterAll(async () => {
  await sys?.close();
  programs.remove();
});

/** 64 KiB-ish blocks ("%08d\n" lines, 7282 to a block) every 40 ms: a busy session. */
const LINES_PER_BLOCK = 7282;
const BLOCK_PAUSE_MS = 40;

function failedStatus(p: Promise<unknown>): Promise<{ code: number; details: string }> {
  return codeOf(p);
}

describe("reads while the program writes", () => {
  it("never end with GAP, and every byte is where the program wrote it", async () => {
    const blocks = 60;
    const n = LINES_PER_BLOCK * blocks;
    const expected = Programs.counterOutput(n);
    const { sessionId } = await spawn(sys, programs.counter(n, LINES_PER_BLOCK, BLOCK_PAUSE_MS));
    const reasons = new Map<string, number>();
    let reads = 0;
    let next = 1;
    let ended = false;
    while (!ended) {
      // Follow the tail, a few chunks back, so that each read is small and ends at the live edge.
      const h = await readHistory(sys, sessionId, Math.max(1, next - 3));
      reads++;
      const reason = h.end!.reason;
      reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
      expect(reason, `read ${reads} from seq ${h.start!.fromSeq}: ${JSON.stringify(h.end)}`).not.toBe("HISTORY_END_REASON_GAP");
      const bytes = contiguous(h.chunks, h.start!.fromSeq, h.start!.offset);
      expect(bytes.equals(expected.subarray(h.start!.offset, h.start!.offset + bytes.length)), `bytes of read ${reads}`).toBe(true);
      expect(h.end!.nextOffset).toBe(h.start!.offset + bytes.length);
      next = h.end!.nextSeq;
      ended = reason === "HISTORY_END_REASON_COMPLETE";
    }
    console.log(`reads while writing: ${reads}, end reasons ${JSON.stringify(Object.fromEntries(reasons))}`);
    expect(reads).toBeGreaterThan(30);
    const whole = await readHistory(sys, sessionId);
    expect(contiguous(whole.chunks).equals(expected)).toBe(true);
  }, 180_000);

  it("ptykeep logs --raw succeeds while the program writes", async () => {
    // Runs until killed below.
    const { sessionId } = await spawn(sys, programs.counter(LINES_PER_BLOCK * 100_000, LINES_PER_BLOCK, BLOCK_PAUSE_MS));
    const env = { STORE_ADDR: sys.store.address, PTY_ADDR: sys.pty.address };
    await waitFor("output stored", async () => (await getSession(sys, sessionId)).durableSeq > 0);
    let runs = 0;
    for (let round = 0; round < 2; round++) {
      // Several at once: each ends at the live edge of a session committing every 40 ms.
      const results = await Promise.all([0, 1, 2].map(() => runPtykeep(["logs", sessionId, "--raw"], { env, timeoutMs: 120_000 })));
      for (const res of results) {
        runs++;
        expect(res.stderr).toBe("");
        expect(res.code).toBe(0);
        // The output up to wherever the program had got (a chunk may end inside a line).
        const lines = Math.ceil(res.stdout.length / 9);
        expect(res.stdout.equals(Programs.counterOutput(lines).subarray(0, res.stdout.length))).toBe(true);
      }
    }
    expect(runs).toBe(6);
    await rpcKill(sessionId);
  }, 300_000);
});

async function rpcKill(sessionId: string): Promise<void> {
  await new Promise<void>((resolve, reject) =>
    sys.ptyClient.kill({ sessionId }, { deadline: Date.now() + 30_000 }, (err: grpc.ServiceError | null) => (err ? reject(err) : resolve())),
  );
}

describe("a from_seq past the end", () => {
  it("is a caught-up point just after the last chunk, and OUT_OF_RANGE beyond, on both RPCs", async () => {
    // A running session that printed "ready" and waits.
    const { sessionId } = await spawn(sys, { command: "/bin/sh", args: ["-c", "stty raw -echo; printf ready; exec sleep 600"] });
    const s = await waitFor("output stored", async () => {
      const x = await getSession(sys, sessionId);
      return x.durableSeq >= 1 && x.durableBytes === 5 ? x : undefined;
    });
    const last = s.durableSeq;

    const atEdge = await readHistory(sys, sessionId, last + 1);
    expect(atEdge.start).toMatchObject({ fromSeq: last + 1, offset: 5 });
    expect(atEdge.chunks).toEqual([]);
    expect(atEdge.end).toMatchObject({ reason: "HISTORY_END_REASON_CAUGHT_UP", lastSeq: last, nextSeq: last + 1, nextOffset: 5 });

    const store = await failedStatus(readHistory(sys, sessionId, last + 5));
    expect(store.code).toBe(Code.OUT_OF_RANGE);
    expect(store.details).toContain(`from_seq ${last + 5}`);
    expect(store.details).toContain(`${last + 1}`);

    const live = attach(sys, { sessionId, fromSeq: last + 5 });
    const status = await live.done;
    expect(status.code).toBe(Code.OUT_OF_RANGE);
    expect(status.details).toContain(`from_seq ${last + 5}`);

    await rpcKill(sessionId);
    const ended = await waitStoredEnd(sys, sessionId);
    const final = ended.finalSeq;
    // After the end: the point just after the last chunk replays the exit; beyond it is out of range.
    const afterEnd = await readHistory(sys, sessionId, final + 1);
    expect(afterEnd.start).toMatchObject({ fromSeq: final + 1, offset: ended.durableBytes });
    expect(afterEnd.exit?.finalSeq).toBe(final);
    expect(afterEnd.end).toMatchObject({ reason: "HISTORY_END_REASON_COMPLETE", lastSeq: final, nextSeq: final + 1, nextOffset: ended.durableBytes });
    const attachAfterEnd = attach(sys, { sessionId, fromSeq: final + 1 });
    expect((await attachAfterEnd.done).code).toBe(Code.OK);
    expect(attachAfterEnd.events[0]?.start).toMatchObject({ fromSeq: final + 1, offset: ended.durableBytes });
    expect(attachAfterEnd.events.at(-1)?.exit?.finalSeq).toBe(final);

    const storeBeyond = await failedStatus(readHistory(sys, sessionId, final + 2));
    expect(storeBeyond.code).toBe(Code.OUT_OF_RANGE);
    expect(storeBeyond.details).toContain(`from_seq ${final + 2}`);
    const attachBeyond = await attach(sys, { sessionId, fromSeq: final + 2 }).done;
    expect(attachBeyond.code).toBe(Code.OUT_OF_RANGE);
    expect(attachBeyond.details).toContain(`from_seq ${final + 2}`);
  });
});

describe("the exit event", () => {
  it("is the same via Attach (live and replayed) and ReadHistory", async () => {
    const { sessionId } = await spawn(sys, { command: "/bin/sh", args: ["-c", "read x; exit 3"] });
    const live = attach(sys, { sessionId, fromSeq: 0 });
    await waitFor("viewer attached", () => live.events.length > 0);
    await new Promise<void>((resolve, reject) =>
      sys.ptyClient.write({ sessionId, data: Buffer.from("go\r") }, { deadline: Date.now() + 10_000 }, (err: grpc.ServiceError | null) => (err ? reject(err) : resolve())),
    );
    expect((await live.done).code).toBe(Code.OK);
    const liveExit = live.events.at(-1)?.exit;
    await waitStoredEnd(sys, sessionId);
    const stored = (await readHistory(sys, sessionId)).exit;
    const replayed = attach(sys, { sessionId, fromSeq: 0 });
    expect((await replayed.done).code).toBe(Code.OK);
    const replayedExit = replayed.events.at(-1)?.exit;

    expect(liveExit).toBeTruthy();
    expect(liveExit!.reason).toBe("exited with code 3");
    const same = (e: StoreApi.SessionExit__Output | PtyApi.AttachResponse__Output["exit"] | undefined) => ({
      state: e?.state,
      exitCode: e?.exitCode,
      signal: e?.signal,
      finalSeq: e?.finalSeq,
      reason: e?.reason,
      ts: e?.ts ? `${e.ts.seconds}.${String(e.ts.nanos).padStart(9, "0")}` : undefined,
    });
    expect(same(stored)).toEqual(same(liveExit));
    expect(same(replayedExit)).toEqual(same(liveExit));
  });
});

describe("a replay that stops at a missing chunk", () => {
  it("ends Attach of a session hosted elsewhere with DATA_LOSS, as for a hosted one", async () => {
    const sessionId = (await register(sys.storeClient, { ptyNode: "127.0.0.1:1" })).session!.sessionId;
    const reqs = chunksOf(sessionId, ["a", "bb", "ccc", "dddd"].map((x) => Buffer.from(x)));
    const s = new AppendStream(sys.storeClient);
    // Chunk 3 never arrives: 4 is stored beyond the gap.
    s.write([reqs[0]!, reqs[1]!, reqs[3]!]);
    await s.untilAcked(sessionId, 2);
    await waitFor("chunk 4 stored", async () => (await readHistory(sys, sessionId)).end?.reason === "HISTORY_END_REASON_GAP");
    s.close();
    const run = attach(sys, { sessionId, fromSeq: 0 });
    const status = await run.done;
    expect(status.code).toBe(Code.DATA_LOSS);
    expect(status.details).toContain("seq 3");
    expect(run.chunks.map((c) => c.seq)).toEqual([1, 2]);
  });
});
