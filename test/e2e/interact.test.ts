/**
 * Interact, the interactive stream, against real PTYs and a real store: keystrokes go up and
 * their echo comes down in order; a 100 KB paste in many messages arrives whole; a resize reaches
 * the program and the history; the exit event ends the stream OK; output goes no further than
 * the window ahead of the viewer's acks, and a viewer that stops acknowledging while the program
 * floods is cut off and resumes from the seq it is told, with no gap and no duplicate, while the
 * program runs on; bad messages get the right codes; a cancelled stream releases everything it
 * started.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomBytes, randomUUID } from "node:crypto";
import { Code, createPtyClient, type PtyApi } from "@ptykeep/proto";
import { loadPtyConfig, startPtyService } from "../../pty-service/src/index.js";
import { contiguous, getSession, interact, readHistory, rpc, spawn, startSystem, waitFor, waitStoredEnd, type InteractRun, type System } from "./helpers.js";
import { Programs } from "./programs.js";

/** The smallest window the service accepts (two of the largest chunks). */
const WINDOW_BYTES = 512 * 1024;
const MAX_WRITE_BYTES = 64 * 1024;
/** Live output queued for a viewer that holds back acks, beyond which it is cut off. */
const VIEWER_BUFFER_BYTES = 1024 * 1024;
/** What AckWindow counts per output message on top of its data. */
const MESSAGE_OVERHEAD_BYTES = 64;

let sys: System;
const programs = new Programs();

beforeAll(async () => {
  // A small ring, so that a stream from 0 replays from the store before memory and live.
  sys = await startSystem("e2e_interact", {
    ptyEnv: {
      PTY_RING_BYTES: "65536",
      PTY_INTERACT_WINDOW_BYTES: String(WINDOW_BYTES),
      PTY_VIEWER_BUFFER_BYTES: String(VIEWER_BUFFER_BYTES),
      PTY_MAX_WRITE_BYTES: String(MAX_WRITE_BYTES),
    },
  });
});

afterAll(async () => {
  await sys?.close();
  programs.remove();
});

/** cat in raw mode: every byte typed comes back unchanged, once the terminal is set up. */
const RAW_CAT = { command: "/bin/sh", args: ["-c", "stty raw -echo -iexten; printf READY; exec cat"] };

async function sessionInfo(sessionId: string): Promise<PtyApi.PtySession__Output | undefined> {
  const res = await rpc<PtyApi.ListSessionsResponse__Output>(sys.ptyClient, "ListSessions", {});
  return res.sessions.find((s) => s.sessionId === sessionId);
}

async function kill(sessionId: string): Promise<void> {
  await rpc(sys.ptyClient, "Kill", { sessionId });
}

/** Checks the event order of a finished stream: one start first, the exit last. */
function checkShape(run: InteractRun): void {
  expect(run.events[0]?.start, "first event is start").toBeTruthy();
  expect(run.events.filter((e) => e.start).length).toBe(1);
  expect(run.events.at(-1)?.exit, "last event is exit").toBeTruthy();
}

describe("Interact", () => {
  it("types keystrokes one at a time and shows each echo in order, then ends OK after the exit event", async () => {
    const { sessionId } = await spawn(sys, RAW_CAT);
    const run = interact(sys, { sessionId }, { ack: true });
    await run.untilText("READY");
    // Control bytes too: raw mode passes them through, and the service never decodes them.
    const typed = ["h", "i", " ", "\x1b[A", "\x7f", "\x03", "\r", "é", "\x00", "\xff"].map((k) => Buffer.from(k, "latin1"));
    let expected = Buffer.from("READY");
    for (const key of typed) {
      run.send({ input: key });
      expected = Buffer.concat([expected, key]);
      await run.untilText(expected);
    }
    expect(run.bytes().equals(expected)).toBe(true);
    await kill(sessionId);
    expect((await run.done).code).toBe(Code.OK);
    checkShape(run);
    expect(contiguous(run.chunks, run.events[0]!.start!.fromSeq, 0).equals(expected)).toBe(true);
  });

  it("applies a 100 KB paste sent in many messages whole and in order, as the history records it", async () => {
    const { sessionId } = await spawn(sys, RAW_CAT);
    const run = interact(sys, { sessionId }, { ack: true });
    await run.untilText("READY");
    const paste = randomBytes(100 * 1024);
    let sentMessages = 0;
    for (let at = 0; at < paste.length; sentMessages++) {
      const size = 1 + Math.floor(Math.random() * 2000);
      run.send({ input: paste.subarray(at, at + size) });
      at += size;
    }
    expect(sentMessages).toBeGreaterThan(50);
    const expected = Buffer.concat([Buffer.from("READY"), paste]);
    await run.untilBytes(expected.length, 30_000);
    expect(run.bytes().equals(expected)).toBe(true);
    await kill(sessionId);
    expect((await run.done).code).toBe(Code.OK);
    await waitStoredEnd(sys, sessionId);
    expect((await readHistory(sys, sessionId)).bytes.equals(expected)).toBe(true);
  });

  it("resizes the terminal: the program gets SIGWINCH with the new size, viewers and the history see it", async () => {
    const script = programs.file(
      "winch.js",
      Buffer.from(`process.stdout.on("resize", () => process.stdout.write("SIZE " + process.stdout.rows + "x" + process.stdout.columns + "\\n"));
process.stdout.write("READY\\n");
setInterval(() => {}, 60_000);
`),
    );
    const { sessionId } = await spawn(sys, { command: process.execPath, args: [script], rows: 24, cols: 80 });
    const run = interact(sys, { sessionId }, { ack: true });
    const watcher = interact(sys, { sessionId, readOnly: true }, { ack: true });
    await run.untilText("READY");
    run.send({ resize: { rows: 30, cols: 100 } });
    await run.untilText("SIZE 30x100");
    await waitFor("the resize event", () => run.events.some((e) => e.resize?.rows === 30 && e.resize.cols === 100));
    await waitFor("the resize event on the other viewer", () => watcher.events.some((e) => e.resize?.rows === 30 && e.resize.cols === 100));
    expect(await sessionInfo(sessionId)).toMatchObject({ rows: 30, cols: 100 });
    await kill(sessionId);
    expect((await run.done).code).toBe(Code.OK);
    expect((await watcher.done).code).toBe(Code.OK);
    await waitStoredEnd(sys, sessionId);
    const history = await readHistory(sys, sessionId);
    expect(history.resizes.map((r) => `${r.rows}x${r.cols}`)).toEqual(["30x100"]);
    expect(history.bytes.toString("latin1")).toContain("SIZE 30x100");
  });

  it("ends OK right after the exit event of a program that exits by itself, with its exit code", async () => {
    const { sessionId } = await spawn(sys, { command: "/bin/sh", args: ["-c", 'read x; printf "got %s" "$x"; exit 3'] });
    const run = interact(sys, { sessionId }, { ack: true });
    run.send({ input: Buffer.from("yes\r") });
    const status = await run.done;
    expect(status.code).toBe(Code.OK);
    checkShape(run);
    expect(run.events.at(-1)!.exit).toMatchObject({ exitCode: 3, state: "SESSION_STATE_EXITED" });
    expect(run.bytes().toString("latin1")).toContain("got yes");
    // Opened on the ended session: the replay, then the exit, then OK.
    const late = interact(sys, { sessionId });
    expect((await late.done).code).toBe(Code.OK);
    checkShape(late);
    expect(late.bytes().equals(run.bytes())).toBe(true);
  });

  it("sends no more than the window ahead of acks; cuts off a viewer that stops acknowledging with the seq to resume from; resuming, and resuming after a cancel, leave no gap and no duplicate; the program runs on", async () => {
    // 4.5 MB: the window (512 KiB) and the viewer buffer (1 MiB) several times over.
    const n = 500_000;
    const expected = Programs.counterOutput(n);
    const { sessionId } = await spawn(sys, programs.counter(n, 2000, 1));
    // Reads everything it is sent, acknowledges the first 5 chunks only.
    const stalled = interact(sys, { sessionId }, { ack: 5 });
    const healthy = interact(sys, { sessionId }, { ack: true });
    const cancelled = interact(sys, { sessionId }, { ack: true });

    const status = await stalled.done;
    expect(status.code).toBe(Code.RESOURCE_EXHAUSTED);
    expect(status.details).toMatch(/PTY_VIEWER_BUFFER_BYTES.*not acknowledged \(PTY_INTERACT_WINDOW_BYTES=524288\)/);
    const resumeFrom = Number(/resume with from_seq=(\d+)/.exec(status.details)?.[1]);
    const firstSeq = stalled.events[0]!.start!.fromSeq;
    // The first seq not acknowledged when it was cut (its acks most likely all arrived before, but
    // that is timing; AckWindow's unit test pins the rule down).
    expect(resumeFrom).toBeGreaterThanOrEqual(firstSeq);
    expect(resumeFrom).toBeLessThanOrEqual(firstSeq + 5);
    // What it was sent beyond its acks stays within the window.
    const acked = stalled.chunks.filter((c) => c.seq < resumeFrom);
    const unacked = stalled.chunks.filter((c) => c.seq >= resumeFrom);
    expect(unacked[0]?.seq).toBe(resumeFrom);
    expect(unacked.reduce((a, c) => a + c.data.length + MESSAGE_OVERHEAD_BYTES, 0)).toBeLessThanOrEqual(WINDOW_BYTES);
    // The session was still running when the viewer was cut: the program did not wait for it.
    expect((await sessionInfo(sessionId))?.state).toBe("SESSION_STATE_RUNNING");
    const resumed = interact(sys, { sessionId, fromSeq: resumeFrom }, { ack: true });

    // A viewer that leaves mid-output resumes after the last chunk it received.
    await cancelled.untilBytes(1024 * 1024, 60_000);
    cancelled.call.cancel();
    expect((await cancelled.done).code).toBe(Code.CANCELLED);
    const lastSeen = cancelled.chunks.at(-1)!;
    const afterCancel = interact(sys, { sessionId, fromSeq: lastSeen.seq + 1 }, { ack: true });

    // The program ran to its end while one viewer was cut off and another left.
    await waitStoredEnd(sys, sessionId, 60_000);
    for (const run of [healthy, resumed, afterCancel]) expect((await run.done).code).toBe(Code.OK);
    expect(healthy.bytes().equals(expected)).toBe(true);

    const kept = contiguous(acked, firstSeq, 0);
    expect(resumed.events[0]!.start).toMatchObject({ fromSeq: resumeFrom, offset: kept.length });
    expect(Buffer.concat([kept, contiguous(resumed.chunks, resumeFrom, kept.length)]).equals(expected)).toBe(true);

    const seen = contiguous(cancelled.chunks, 1, 0);
    expect(Buffer.concat([seen, contiguous(afterCancel.chunks, lastSeen.seq + 1, seen.length)]).equals(expected)).toBe(true);
  });

  it("refuses bad messages with the code and a message that says what to fix", async () => {
    const { sessionId } = await spawn(sys, RAW_CAT);
    const cases: Array<{ what: string; run: () => InteractRun; code: Code; details: RegExp }> = [
      { what: "input before open", run: () => sendAfter(undefined, { input: Buffer.from("x") }), code: Code.INVALID_ARGUMENT, details: /first message must be open/ },
      { what: "closed before open", run: () => closed(interact(sys, undefined)), code: Code.INVALID_ARGUMENT, details: /closed before its open message/ },
      { what: "open twice", run: () => sendAfter({ sessionId }, { open: { sessionId, fromSeq: 0, liveOnly: false, readOnly: false } }), code: Code.INVALID_ARGUMENT, details: /open was sent twice/ },
      { what: "no session id", run: () => interact(sys, { sessionId: "" }), code: Code.INVALID_ARGUMENT, details: /open\.session_id is required/ },
      { what: "bad session id", run: () => interact(sys, { sessionId: "not-a-session" }), code: Code.INVALID_ARGUMENT, details: /open\.session_id "not-a-session" is not a UUID/ },
      { what: "unknown session", run: () => interact(sys, { sessionId: randomUUID() }), code: Code.NOT_FOUND, details: /unknown to this pty-service and to the store/ },
      { what: "input on a read-only stream", run: () => sendAfter({ sessionId, readOnly: true }, { input: Buffer.from("x") }), code: Code.PERMISSION_DENIED, details: /opened read_only: input is refused/ },
      { what: "resize on a read-only stream", run: () => sendAfter({ sessionId, readOnly: true }, { resize: { rows: 30, cols: 100 } }), code: Code.PERMISSION_DENIED, details: /opened read_only: resize is refused/ },
      { what: "input over the limit", run: () => sendAfter({ sessionId }, { input: Buffer.alloc(MAX_WRITE_BYTES + 1) }), code: Code.INVALID_ARGUMENT, details: /PTY_MAX_WRITE_BYTES.*split it/ },
      { what: "a zero size", run: () => sendAfter({ sessionId }, { resize: { rows: 0, cols: 100 } }), code: Code.INVALID_ARGUMENT, details: /rows must be between/ },
      { what: "an ack beyond what was sent", run: () => sendAfter({ sessionId }, { ackSeq: 1_000_000 }), code: Code.INVALID_ARGUMENT, details: /ack_seq 1000000 is beyond the last output sent/ },
      { what: "a message with no event", run: () => sendAfter({ sessionId }, {}), code: Code.INVALID_ARGUMENT, details: /no event set/ },
    ];
    for (const c of cases) {
      const status = await c.run().done;
      expect({ what: c.what, code: status.code }).toEqual({ what: c.what, code: c.code });
      expect(status.details, c.what).toMatch(c.details);
    }
    // The session took none of it, and still takes input from a stream that may type.
    expect((await sessionInfo(sessionId))?.viewers).toBe(0);
    const run = interact(sys, { sessionId }, { ack: true });
    run.send({ input: Buffer.from("ok") });
    await run.untilText("READYok");
    expect(run.bytes().toString("latin1")).toBe("READYok");
    await kill(sessionId);
    expect((await run.done).code).toBe(Code.OK);

    function sendAfter(open: Partial<PtyApi.InteractOpen> | undefined, msg: PtyApi.InteractRequest): InteractRun {
      const r = interact(sys, open);
      r.send(msg);
      return r;
    }
    function closed(r: InteractRun): InteractRun {
      r.call.end();
      return r;
    }
  });

  it("refuses input to an ended session with FAILED_PRECONDITION saying the program ended, on the node that ran it and on another", async () => {
    // More output than the window: a stream that acknowledges nothing is still replaying (held
    // by its window, not ended) when the input arrives.
    const { sessionId } = await spawn(sys, { command: "/bin/sh", args: ["-c", 'stty raw -echo; head -c 1200000 /dev/zero | tr "\\0" x; exit 7'] });
    const stored = await waitStoredEnd(sys, sessionId);
    expect(stored.durableBytes).toBe(1_200_000);
    const elsewhere = await startPtyService({ config: loadPtyConfig({ STORE_ADDR: sys.store.address, PTY_LISTEN: "127.0.0.1:0", PTY_DEFAULT_CWD: "/tmp" }) });
    const elsewhereClient = createPtyClient(elsewhere.address);
    try {
      // The node that ran it still holds the ended session; the other only replays it from the store.
      for (const [where, client] of [["the node that ran it", sys.ptyClient], ["another node", elsewhereClient]] as const) {
        for (const msg of [{ input: Buffer.from("too late") }, { resize: { rows: 30, cols: 100 } }]) {
          const run = interact(sys, { sessionId }, { client });
          await run.untilBytes(1);
          run.send(msg);
          const status = await run.done;
          const what = `${Object.keys(msg)[0]} on ${where}`;
          expect({ what, code: status.code }).toEqual({ what, code: Code.FAILED_PRECONDITION });
          expect(status.details, what).toMatch(new RegExp(`cannot (write to|resize) session ${sessionId}: its program exited with code 7`));
        }
      }
    } finally {
      elsewhereClient.close();
      await elsewhere.stop(5_000);
    }
  });

  it("releases what a cancelled stream started: the viewer, the store replay, the call", async () => {
    // Runs until killed: still running when the live streams below open.
    const { sessionId } = await spawn(sys, programs.counter(100_000_000, 200, 2));
    // Well past the 64 KiB ring: a stream from 0 starts in the store.
    await waitFor("output stored", async () => (await getSession(sys, sessionId)).durableBytes >= 600_000);
    const before = await callCounts();
    const ways: Array<() => Promise<void>> = [
      // Leaves during the store replay, after one chunk.
      async () => {
        const run = interact(sys, { sessionId }, { ack: true });
        await run.untilBytes(1);
        run.call.cancel();
        await run.done;
      },
      // Never reads: the service waits on HTTP/2 flow control when the call is cancelled.
      async () => {
        const run = interact(sys, { sessionId });
        run.call.pause();
        await waitFor("the stream under way", async () => ((await sessionInfo(sessionId))?.viewers ?? 0) > 0);
        run.call.cancel();
        await run.done;
      },
      // Reads but never acknowledges: the service waits for acks when the call is cancelled.
      async () => {
        const run = interact(sys, { sessionId });
        // Received the window, or so nearly that the next chunk like those seen does not fit.
        const cost = (chunks: Array<{ data: Buffer }>) => chunks.reduce((a, c) => a + c.data.length + MESSAGE_OVERHEAD_BYTES, 0);
        await waitFor("the window full", () => cost(run.chunks) + Math.max(0, ...run.chunks.map((c) => cost([c]))) > WINDOW_BYTES);
        run.call.cancel();
        await run.done;
      },
      // Leaves while live, typing.
      async () => {
        const run = interact(sys, { sessionId, liveOnly: true }, { ack: true });
        await waitFor("the stream started", () => run.events.length > 0);
        run.send({ input: Buffer.from("x") });
        run.call.cancel();
        await run.done;
      },
    ];
    for (let i = 0; i < 5; i++) for (const way of ways) await way();

    await waitFor("no viewer left on the session", async () => (await sessionInfo(sessionId))?.viewers === 0);
    await waitFor("every Interact call finished", async () => {
      const now = await callCounts();
      return now.interactStarted - before.interactStarted === 5 * ways.length && now.interactHandled - before.interactHandled === 5 * ways.length ? now : undefined;
    });
    await waitFor("every store replay finished", async () => {
      const now = await callCounts();
      return now.readStarted - before.readStarted === now.readHandled - before.readHandled ? now : undefined;
    });
    // The session and the other viewers were not disturbed: a full stream gets all of it, as
    // the store recorded it.
    const full = interact(sys, { sessionId }, { ack: true });
    await full.untilBytes(1);
    await kill(sessionId);
    expect((await full.done).code).toBe(Code.OK);
    await waitStoredEnd(sys, sessionId);
    const stored = await readHistory(sys, sessionId);
    expect(contiguous(full.chunks, 1, 0).equals(stored.bytes)).toBe(true);
    expect(stored.bytes.subarray(0, 90).equals(Programs.counterOutput(10))).toBe(true);
  });
});

/** Calls started and finished: Interact on the pty-service, ReadHistory on the store. */
async function callCounts(): Promise<{ interactStarted: number; interactHandled: number; readStarted: number; readHandled: number }> {
  const count = async (registry: { getMetricsAsJSON(): Promise<Array<{ name: string; values: Array<{ labels: Record<string, unknown>; value: number }> }>> }, name: string, method: string) =>
    (await registry.getMetricsAsJSON())
      .find((m) => m.name === name)
      ?.values.filter((v) => v.labels.grpc_method === method)
      .reduce((a, v) => a + v.value, 0) ?? 0;
  return {
    interactStarted: await count(sys.pty.metrics.registry, "ptykeep_grpc_server_started_total", "Interact"),
    interactHandled: await count(sys.pty.metrics.registry, "ptykeep_grpc_server_handled_total", "Interact"),
    readStarted: await count(sys.store.metrics.registry, "ptykeep_grpc_server_started_total", "ReadHistory"),
    readHandled: await count(sys.store.metrics.registry, "ptykeep_grpc_server_handled_total", "ReadHistory"),
  };
}
