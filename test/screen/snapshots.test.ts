/**
 * Screen snapshots in the store: the snapshot job, and ReadHistory from the screen.
 *
 * At every snapshot point, the snapshot written into a fresh terminal followed by the chunks after
 * it equals, cell by cell plus cursor, buffer and modes, a terminal that saw the whole history;
 * the seam between snapshot and chunks has no gap and no duplicate, for running and ended sessions
 * and after retention trims; each byte is fed to the emulator once however many passes it takes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, type StoreApi } from "@ptykeep/proto";
import { SNAPSHOTTER_TUNING, Snapshotter } from "../../store-service/src/snapshotter.js";
import { log, newSession, readHistory, startHistoryFixture, unaryCall, type HistoryFixture } from "../history/helpers.js";
import { codeOf, historyEnd } from "../store/helpers.js";
import { SCROLLBACK, checkFromScreen as check, fullScreen as screenOf, snapshotSeqs as seqsOf, storeScript, type ScreenState } from "./helpers.js";
import { terminalScript, type ScriptEvent } from "./terminal-script.js";

let fx: HistoryFixture;
beforeAll(async () => {
  fx = await startHistoryFixture("screen_snapshots");
});
afterAll(async () => {
  await fx?.shutdown();
});

function snapshotter(opts: Partial<ConstructorParameters<typeof Snapshotter>[0]> = {}) {
  // keepEveryBytes 1: every snapshot is its own span, so none is thinned and every point is tested.
  return new Snapshotter({ pool: fx.pool, log, everyBytes: 2048, everyMs: 3_600_000, keepEveryBytes: 1, scrollback: SCROLLBACK, ...opts });
}

const store = (sessionId: string, events: ScriptEvent[], at: { seq: number; offset: number; changeNo: number }) => storeScript(fx, sessionId, events, at);
const snapshotSeqs = (sessionId: string) => seqsOf(fx, sessionId);
const fullScreen = (sessionId: string, toSeq = 0) => screenOf(fx, sessionId, toSeq);
const checkFromScreen = (sessionId: string, atSeq: number, want: ScreenState, toSeq = 0) => check(fx, sessionId, atSeq, want, toSeq);

describe("screen snapshots", () => {
  it("reproduce the screen exactly from every snapshot point, with no gap or duplicate at the seam", async () => {
    const id = await newSession(fx);
    const script = terminalScript(7);
    const half = Math.floor(script.length / 2);
    const at = await store(id, script.slice(0, half), { seq: 1, offset: 0, changeNo: 0 });
    const first = snapshotter({ everyBytes: 512 });
    await first.runOnce();
    const third = Math.floor(script.length * 0.75);
    const mid = await store(id, script.slice(half, third), at);
    await first.runOnce();
    // Linear: the same job fed every byte once over both passes.
    expect(first.stats.bytesFed).toBe(mid.offset);
    // Another replica (no emulator in memory) carries on from the newest stored snapshot.
    const [newest] = await fx.query<{ byte_offset: number }>("SELECT byte_offset FROM screen_snapshots WHERE session_id = $1 ORDER BY at_seq DESC LIMIT 1", [id]);
    const end = await store(id, script.slice(third), mid);
    const second = snapshotter({ everyBytes: 512 });
    await second.runOnce();
    expect(second.stats.bytesFed).toBe(end.offset - Number(newest!.byte_offset));
    const seqs = await snapshotSeqs(id);
    expect(seqs.length).toBeGreaterThan(10);

    const want = await fullScreen(id);
    for (const s of seqs) await checkFromScreen(id, s, want);
    // Running session, newest screen: ends caught up at the last chunk.
    const latest = await readHistory(fx.client, { sessionId: id, fromScreen: true });
    expect(latest[1]!.screen!.atSeq).toBe(seqs[seqs.length - 1]);
    expect(historyEnd(latest)).toMatchObject({ reason: "HISTORY_END_REASON_CAUGHT_UP", lastSeq: end.seq - 1, nextOffset: end.offset });
  });

  it("a replay bounded by to_seq shows the screen at that point", async () => {
    const id = await newSession(fx);
    const script = terminalScript(11);
    const end = await store(id, script, { seq: 1, offset: 0, changeNo: 0 });
    await snapshotter().runOnce();
    const seqs = await snapshotSeqs(id);
    const point = Math.floor((end.seq - 1) * 0.6);
    const want = await fullScreen(id, point);
    const events = await checkFromScreen(id, 0, want, point);
    expect(events[1]!.screen!.atSeq).toBe(Math.max(...seqs.filter((s) => s <= point)));
    expect(historyEnd(events)).toMatchObject({ reason: "HISTORY_END_REASON_TO_SEQ", lastSeq: point });
  });

  it("an ended session's final screen is a snapshot, followed by the exit and nothing else", async () => {
    const id = await newSession(fx);
    const end = await store(id, terminalScript(3), { seq: 1, offset: 0, changeNo: 0 });
    await unaryCall(fx.client, "MarkRunning", { sessionId: id, pid: 42 });
    await unaryCall(fx.client, "MarkExited", { sessionId: id, exitCode: 0, signal: "", finalSeq: end.seq - 1, reason: "END_REASON_EXITED" });
    await snapshotter({ everyBytes: 1024 * 1024 }).runOnce();
    const [row] = await fx.query<{ at_seq: number; reason: string }>("SELECT at_seq, reason FROM screen_snapshots WHERE session_id = $1 ORDER BY at_seq DESC LIMIT 1", [id]);
    expect(row).toMatchObject({ at_seq: end.seq - 1, reason: "end" });
    const events = await checkFromScreen(id, 0, await fullScreen(id));
    expect(events.filter((e) => e.output)).toEqual([]);
    expect(events[events.length - 2]!.exit).toBeTruthy();
    expect(historyEnd(events)).toMatchObject({ reason: "HISTORY_END_REASON_COMPLETE", lastSeq: end.seq - 1 });
  });

  it("says why it falls back to the full history: no snapshot yet", async () => {
    const id = await newSession(fx);
    await store(id, terminalScript(5).slice(0, 20), { seq: 1, offset: 0, changeNo: 0 });
    const events = await readHistory(fx.client, { sessionId: id, fromScreen: true });
    expect(events[0]!.start).toMatchObject({ fromSeq: 1, screenStatus: "SCREEN_STATUS_NO_SNAPSHOT", screenSeq: 0 });
    expect(events[0]!.start!.screenDetail).toMatch(/no screen snapshot/);
    expect(events.some((e) => e.screen)).toBe(false);
    expect(events.filter((e) => e.output).length).toBe(20);
  });

  it("skips a snapshot that does not decode (older one, or full replay), counts it and never serves it", async () => {
    const id = await newSession(fx);
    await store(id, terminalScript(13), { seq: 1, offset: 0, changeNo: 0 });
    await snapshotter().runOnce();
    const seqs = await snapshotSeqs(id);
    const newest = seqs[seqs.length - 1]!;
    await fx.query("UPDATE screen_snapshots SET data = $2 WHERE session_id = $1 AND at_seq = $3", [id, Buffer.from("not a zstd frame"), newest]);
    const metricsBefore = await unreadableCount();
    const events = await checkFromScreen(id, 0, await fullScreen(id));
    expect(events[1]!.screen!.atSeq).toBe(seqs[seqs.length - 2]);
    expect(await unreadableCount()).toBe(metricsBefore + 1);
    // Every snapshot unreadable: the full history, and the start says why.
    await fx.query("UPDATE screen_snapshots SET data = $2 WHERE session_id = $1", [id, Buffer.from("garbage")]);
    const all = await readHistory(fx.client, { sessionId: id, fromScreen: true });
    expect(all[0]!.start).toMatchObject({ fromSeq: 1, screenStatus: "SCREEN_STATUS_UNREADABLE" });
    expect(all.some((e) => e.screen)).toBe(false);
    // The job does not build on a damaged snapshot either: it starts again from the first chunk.
    await fx.query("DELETE FROM screen_snapshots WHERE session_id = $1 AND at_seq < $2", [id, newest]);
    const job = snapshotter();
    await store(id, [{ data: Buffer.from("more\r\n".repeat(600)) }], { seq: (await fx.query<{ d: number }>("SELECT durable_seq AS d FROM sessions WHERE session_id = $1", [id]))[0]!.d + 1, offset: Number((await fx.query<{ b: number }>("SELECT durable_bytes AS b FROM sessions WHERE session_id = $1", [id]))[0]!.b), changeNo: 100 });
    await job.runOnce();
    expect(job.stats.unreadable).toBe(1);
    expect(job.stats.bytesFed).toBe(Number((await fx.query<{ b: number }>("SELECT durable_bytes AS b FROM sessions WHERE session_id = $1", [id]))[0]!.b));
  });

  it("after retention trims, the first kept seq has a snapshot and the screen there is right", async () => {
    const id = await newSession(fx);
    const end = await store(id, terminalScript(17), { seq: 1, offset: 0, changeNo: 0 });
    const job = snapshotter({ everyBytes: 1024 * 1024 });
    const want = await fullScreen(id);
    const compactor = fx.compactor({ segmentRawBytes: 4 * 1024, retentionBytes: Math.floor(end.offset / 2), screenBeforeTrim: (s, atSeq, signal) => job.snapshotForRetention(s, atSeq, signal) });
    await compactor.runOnce();
    const session = (await unaryCall<StoreApi.GetSessionRequest, StoreApi.GetSessionResponse__Output>(fx.client, "GetSession", { sessionId: id })).session!;
    expect(session.firstKeptSeq).toBeGreaterThan(1);
    const seqs = await snapshotSeqs(id);
    expect(seqs).toEqual([session.firstKeptSeq - 1]);
    // From the screen at the start of kept history: the whole kept tail, and the right screen.
    const events = await checkFromScreen(id, 0, want);
    expect(events[0]!.start!.fromSeq).toBe(session.firstKeptSeq);
    // The plain replay from there would start mid-session, without the alternate screen it is in.
    expect(historyEnd(events)).toMatchObject({ lastSeq: end.seq - 1 });
    const [kept] = await fx.query<{ reason: string }>("SELECT reason FROM screen_snapshots WHERE session_id = $1", [id]);
    expect(kept!.reason).toBe("retention");
  });

  it("a pass over a long history stores only the snapshots thinning keeps: the first due in each span and the newest", async () => {
    const id = await newSession(fx);
    const end = await store(id, terminalScript(23), { seq: 1, offset: 0, changeNo: 0 });
    // About 8 KiB of output: 8 spans of 1 KiB, 4 points due in each.
    const keepEveryBytes = 1024;
    const job = snapshotter({ everyBytes: 256, keepEveryBytes });
    await job.runOnce();
    const kept = await fx.query<{ at_seq: number; byte_offset: number }>("SELECT at_seq, byte_offset FROM screen_snapshots WHERE session_id = $1 ORDER BY at_seq", [id]);
    const spans = kept.map((k) => Math.floor(Number(k.byte_offset) / keepEveryBytes));
    expect(new Set(spans).size).toBe(spans.length);
    expect(kept.length).toBeGreaterThan(Math.floor(end.offset / keepEveryBytes / 2));
    // Not one per 256 bytes (about 30), each thinned by the next: only the last span's first
    // point gives way to the newest.
    expect(job.stats.snapshotsWritten).toBeLessThanOrEqual(kept.length + 1);
    expect(end.offset - Number(kept[kept.length - 1]!.byte_offset)).toBeLessThan(keepEveryBytes);
    const want = await fullScreen(id);
    for (const k of kept) await checkFromScreen(id, Number(k.at_seq), want);
  });

  it("a job held to a share of the time waits out the rest, and its screens stay exact", async () => {
    const id = await newSession(fx);
    const script = terminalScript(29);
    const half = Math.floor(script.length / 2);
    const at = await store(id, script.slice(0, half), { seq: 1, offset: 0, changeNo: 0 });
    const job = snapshotter({ everyBytes: 1024, cpuShare: 0.25 });
    await job.runOnce();
    await store(id, script.slice(half), at);
    await job.runOnce();
    expect(job.stats.busyMs).toBeGreaterThan(0);
    // 25 %: three times the work waited, but for what is still owed (less than one pause).
    expect(job.stats.pausedMs).toBeGreaterThanOrEqual(3 * job.stats.busyMs - SNAPSHOTTER_TUNING.MIN_PAUSE_MS);
    const seqs = await snapshotSeqs(id);
    expect(seqs.length).toBeGreaterThan(3);
    const want = await fullScreen(id);
    for (const s of seqs) await checkFromScreen(id, s, want);
  });

  it("refuses a CPU share outside (0, 1]", () => {
    expect(() => snapshotter({ cpuShare: 0 })).toThrow(/cpuShare/);
    expect(() => snapshotter({ cpuShare: 1.5 })).toThrow(/cpuShare/);
  });

  it("refuses bad points with the status and the field to fix", async () => {
    const id = await newSession(fx);
    const end = await store(id, terminalScript(19).slice(0, 30), { seq: 1, offset: 0, changeNo: 0 });
    const fail = (req: Partial<StoreApi.ReadHistoryRequest>) => codeOf(readHistory(fx.client, { sessionId: id, ...req }));
    expect(await fail({ fromScreen: true, fromSeq: 3 })).toMatchObject({ code: Code.INVALID_ARGUMENT, details: expect.stringMatching(/from_seq/) });
    expect(await fail({ screenAtSeq: 3 })).toMatchObject({ code: Code.INVALID_ARGUMENT, details: expect.stringMatching(/screen_at_seq .*from_screen/) });
    expect(await fail({ fromScreen: true, screenAtSeq: 10, toSeq: 5 })).toMatchObject({ code: Code.INVALID_ARGUMENT, details: expect.stringMatching(/screen_at_seq 10 is after to_seq 5/) });
    expect(await fail({ fromScreen: true, screenAtSeq: end.seq + 5 })).toMatchObject({ code: Code.OUT_OF_RANGE, details: expect.stringMatching(/screen_at_seq/) });
    await fx.query("UPDATE sessions SET first_kept_seq = 10 WHERE session_id = $1", [id]);
    expect(await fail({ fromScreen: true, screenAtSeq: 4 })).toMatchObject({ code: Code.OUT_OF_RANGE, details: expect.stringMatching(/screen_at_seq 4 is before the oldest kept/) });
  });
});

async function unreadableCount(): Promise<number> {
  const text = await fx.store.metrics.registry.getSingleMetricAsString("ptykeep_store_screen_snapshots_unreadable_total");
  return Number(/ (\d+)$/m.exec(text)?.[1] ?? 0);
}
