/**
 * A pty-service that stops answering for longer than the reaper's grace period, then answers
 * again with its programs still running: a process stopped with SIGSTOP (what a long GC pause or
 * a frozen VM does), or a network partition (the proxy of proxy.ts between the store and the
 * pty-service, both ways). The sessions are lost after the grace, running again within one
 * reaper interval once the node is back, the unreachable interval is recorded (GetSession,
 * ListSessions, ReadHistory and Attach at its seq, metrics), the history is exact, and the
 * compactor writes no segment of a session still writing. A node that comes back without the
 * session (restarted) keeps it lost. (A stop shorter than the grace loses nothing:
 * test/history/reaper.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { createPtyClient, timestampToMs, type PtyApi, type PtyServiceClient, type StoreApi } from "@ptykeep/proto";
import { startStoreFixture, unaryCall } from "../store/helpers.js";
import { freePort, startPtyChild, type PtyChild } from "../history/pty-child.js";
import { attach, contiguous, readHistory, rpc, sha256, waitFor, type System } from "../e2e/helpers.js";
import { Proxy } from "./proxy.js";

const REAPER_INTERVAL_MS = 300;
const REAPER_GRACE_MS = 2_500;
/** Below the interval, as configuration requires; a pty-service on loopback answers in a few ms. */
const CHECK_TIMEOUT_MS = 250;
/** Scheduling on a busy 2-core machine: passes start late, calls and commits take time. */
const SLACK_MS = 1_000;

let fx: Awaited<ReturnType<typeof startStoreFixture>>;
let sql: pg.Client;
let dir: string;
const children: PtyChild[] = [];
const proxies: Proxy[] = [];

beforeAll(async () => {
  fx = await startStoreFixture("faults_partition", {
    STORE_REAPER: "on",
    STORE_REAPER_INTERVAL_MS: String(REAPER_INTERVAL_MS),
    STORE_REAPER_GRACE_MS: String(REAPER_GRACE_MS),
    STORE_REAPER_MIN_AGE_MS: "0",
    STORE_REAPER_CHECK_TIMEOUT_MS: String(CHECK_TIMEOUT_MS),
    // The compactor runs often; output stays hot for a minute, so a writing session has nothing
    // to compact: any segment would come from treating it as ended.
    STORE_COMPACTOR: "on",
    STORE_COMPACT_INTERVAL_MS: "200",
    STORE_COMPACT_AFTER_MS: "60000",
  });
  sql = new pg.Client({ connectionString: fx.dbUrl });
  await sql.connect();
  dir = mkdtempSync(path.join(os.tmpdir(), "ptykeep-partition-"));
});

afterAll(async () => {
  for (const p of proxies) p.heal();
  for (const c of children) {
    c.child.kill("SIGCONT");
    await c.stop().catch(() => {});
  }
  for (const p of proxies) await p.close();
  await sql?.end();
  await fx?.close();
  await fx?.dropDb();
  rmSync(dir, { recursive: true, force: true });
});

const session = async (sessionId: string) => (await unaryCall<StoreApi.GetSessionRequest, StoreApi.GetSessionResponse__Output>(fx.client, "GetSession", { sessionId })).session!;
const segments = async (sessionId: string) => Number((await sql.query("SELECT count(*) AS n FROM output_segments WHERE session_id = $1", [sessionId])).rows[0].n);

/**
 * Starts a program printing "line 1\n", "line 2\n"… (raw mode: bytes as written) every 20 ms
 * until `stop` exists, then exiting 0.
 */
async function startWriter(client: PtyServiceClient, name: string): Promise<{ sessionId: string; stop: string }> {
  const stop = path.join(dir, `${name}.stop`);
  const script = 'stty raw -echo; i=1; while [ ! -e "$0" ]; do printf "line %d\\n" $i; i=$((i+1)); sleep 0.02; done; exit 0';
  const res = await rpc<PtyApi.SpawnResponse__Output>(client, "Spawn", { command: "/bin/sh", args: ["-c", script, stop], rows: 24, cols: 80, cwd: "/tmp" });
  return { sessionId: res.sessionId, stop };
}

/** The output "line 1\n" … "line n\n" for the n lines the history holds: anything lost, doubled or reordered breaks it. */
function expectedLines(bytes: Buffer): Buffer {
  const n = bytes.toString("latin1").split("\n").length - 1;
  return Buffer.from(Array.from({ length: n }, (_, i) => `line ${i + 1}\n`).join(""), "latin1");
}

/** The unreachable event of a replay and the output event just before it. */
function eventAfterChunk(events: Array<{ output?: { seq: number } | null; unreachable?: StoreApi.UnreachableInterval__Output | null; start?: unknown }>) {
  const at = events.findIndex((e) => e.unreachable);
  expect(at).toBeGreaterThan(0);
  const before = events.slice(0, at).reverse().find((e) => e.output || e.start);
  return { interval: events[at]!.unreachable!, previousSeq: before?.output ? before.output.seq : 0 };
}

/**
 * The partition case, whatever makes the node unreachable: lost after the grace, running again
 * within one interval of `heal`, the interval recorded everywhere, the history exact, and no
 * segment written while the program writes.
 */
async function loseAndRecover(opts: { ptyAddress: string; cut(): void; heal(): void; label: string }) {
  const ptyClient = createPtyClient(opts.ptyAddress);
  try {
    const { sessionId, stop } = await startWriter(ptyClient, opts.label);
    await waitFor("output stored", async () => (await session(sessionId)).durableSeq >= 20, 15_000);
    expect((await session(sessionId)).state).toBe("SESSION_STATE_RUNNING");

    const recoveredBefore = fx.store.reaper!.stats.sessionsRecovered;
    opts.cut();
    const cutAt = Date.now();
    const lost = await waitFor("session lost", async () => ((await session(sessionId)).state === "SESSION_STATE_LOST" ? session(sessionId) : undefined), REAPER_GRACE_MS + 10_000);
    const lostSeenMs = Date.now() - cutAt;
    expect(await segments(sessionId)).toBe(0);

    // The lost record: one sentence naming the node and the cause; an open interval.
    expect(lost.endReason).toBe(lost.lastUnreachable!.reason);
    expect(lost.endReason).toMatch(new RegExp(`^pty-service ${lost.ptyNode.replace(/\./g, "\\.")} unreachable for \\d+ s: no answer within ${CHECK_TIMEOUT_MS} ms$`));
    expect(lost.lastUnreachable).toMatchObject({ outcome: "UNREACHABLE_OUTCOME_UNSPECIFIED", endedAt: null, ptyNode: lost.ptyNode });
    expect(lost.unreachableCount).toBe(1);
    const since = timestampToMs(lost.lastUnreachable!.since)!;
    const lostAt = timestampToMs(lost.lastUnreachable!.lostAt)!;
    const lostAfterFirstFailureMs = lostAt - since;
    // Lost within grace + one interval of the first failed check, never much before the grace.
    expect(lostAfterFirstFailureMs).toBeGreaterThanOrEqual(REAPER_GRACE_MS - REAPER_INTERVAL_MS / 4);
    expect(lostAfterFirstFailureMs).toBeLessThanOrEqual(REAPER_GRACE_MS + REAPER_INTERVAL_MS + SLACK_MS);

    opts.heal();
    const healedAt = Date.now();
    // When the node itself answers again (a stopped process takes a moment to catch up).
    const answering = rpc(ptyClient, "CheckLiveness", { sessionIds: [sessionId] }).then(() => Date.now() - healedAt);
    await waitFor("session running again", async () => (await session(sessionId)).state === "SESSION_STATE_RUNNING", 10_000, 10);
    const runningAgainMs = Date.now() - healedAt;
    const answeringMs = await answering;
    const recoveredBy = fx.store.reaper!.stats.sessionsRecovered > recoveredBefore ? "the reaper's check" : "its output";
    console.log(
      `${opts.label}: lost ${lostAfterFirstFailureMs} ms after the first failed check (seen ${lostSeenMs} ms after the cut; grace ${REAPER_GRACE_MS} ms, interval ${REAPER_INTERVAL_MS} ms); ` +
        `running again ${runningAgainMs} ms after the node was back (by ${recoveredBy}; the node answered a call ${answeringMs} ms after)`,
    );
    expect(runningAgainMs).toBeLessThanOrEqual(answeringMs + REAPER_INTERVAL_MS + SLACK_MS);

    // It goes on writing, and stays running; still nothing compacted.
    const back = await session(sessionId);
    await waitFor("more output after the recovery", async () => (await session(sessionId)).durableSeq > back.durableSeq + 20, 15_000);
    const running = await session(sessionId);
    expect(running).toMatchObject({ state: "SESSION_STATE_RUNNING", endReason: "", endedAt: null, unreachableCount: 1 });
    expect(running.lastUnreachable).toMatchObject({ outcome: "UNREACHABLE_OUTCOME_RECOVERED", reason: lost.endReason, atSeq: lost.lastUnreachable!.atSeq });
    expect(timestampToMs(running.lastUnreachable!.endedAt)!).toBeGreaterThanOrEqual(lostAt);
    expect(await segments(sessionId)).toBe(0);
    const listed = await unaryCall<StoreApi.ListSessionsRequest, StoreApi.ListSessionsResponse__Output>(fx.client, "ListSessions", { states: ["SESSION_STATE_RUNNING"] });
    expect(listed.sessions.find((s) => s.sessionId === sessionId)?.lastUnreachable).toEqual(running.lastUnreachable);
    // Marked lost once; the metric counts the recovered interval.
    expect((await sql.query("SELECT 1 FROM reaper_log WHERE session_id = $1", [sessionId])).rows).toHaveLength(1);
    expect(await fx.store.metrics.registry.metrics()).toMatch(/ptykeep_store_unreachable_intervals\{[^}]*outcome="recovered"[^}]*\} [1-9]/);

    // Attach through the pty-service: memory and the store's interval, at its seq.
    const sys = { ptyClient } as unknown as System;
    const viewer = attach(sys, { sessionId });
    await viewer.untilBytes(Number(running.durableBytes));
    viewer.call.cancel();
    const attached = eventAfterChunk(viewer.events);
    expect(attached.interval).toEqual(running.lastUnreachable);
    expect(attached.previousSeq).toBe(Number(running.lastUnreachable!.atSeq));

    // The program ends; its whole history is exact, with the interval at its seq.
    writeFileSync(stop, "");
    await waitFor("session exited", async () => {
      const s = await session(sessionId);
      return s.state === "SESSION_STATE_EXITED" && s.durableSeq === s.finalSeq;
    }, 15_000);
    const events: Array<StoreApi.ReadHistoryResponse__Output> = [];
    const stream = fx.client.readHistory({ sessionId, fromSeq: 0, toSeq: 0 });
    for await (const m of stream as AsyncIterable<StoreApi.ReadHistoryResponse__Output>) events.push(m);
    const bytes = contiguous(events.filter((e) => e.output).map((e) => e.output!));
    expect(sha256(bytes)).toBe(sha256(expectedLines(bytes)));
    expect(bytes.length).toBeGreaterThan(Number(running.durableBytes));
    const replayed = eventAfterChunk(events);
    expect(replayed.previousSeq).toBe(Number(running.lastUnreachable!.atSeq));
    expect(replayed.interval.outcome).toBe("UNREACHABLE_OUTCOME_RECOVERED");
    expect(events.find((e) => e.exit)?.exit).toMatchObject({ state: "SESSION_STATE_EXITED", exitCode: 0 });
    return { lostAfterFirstFailureMs, runningAgainMs };
  } finally {
    ptyClient.close();
  }
}

describe("a pty-service unreachable past the grace period, then back", () => {
  it("SIGSTOP then SIGCONT: lost, running again within one interval, interval recorded, history exact, nothing compacted", async () => {
    const pty = await startPtyChild(fx.store.address);
    children.push(pty);
    await loseAndRecover({ ptyAddress: pty.address, label: "SIGSTOP", cut: () => pty.child.kill("SIGSTOP"), heal: () => pty.child.kill("SIGCONT") });
  }, 90_000);

  it("a network partition both ways (blackhole proxy) then healed: the same", async () => {
    // The reaper reaches the pty-service only through one proxy (its advertised address), and
    // the pty-service's output reaches the store only through another.
    const port = await freePort();
    const toPty = new Proxy(port);
    const toStore = new Proxy(fx.store.port);
    proxies.push(toPty, toStore);
    const advertised = await toPty.listen();
    const storeVia = await toStore.listen();
    const pty = await startPtyChild(storeVia, { port, env: { PTY_ADVERTISE: advertised } });
    children.push(pty);
    await loseAndRecover({
      // The test's own client talks to the pty-service directly: only the two services are cut off.
      ptyAddress: pty.address,
      label: "partition",
      cut: () => {
        toPty.partition();
        toStore.partition();
      },
      heal: () => {
        toPty.heal();
        toStore.heal();
      },
    });
  }, 90_000);

  it("a node that comes back without the session (restarted) keeps it lost, and is no longer asked about it", async () => {
    const first = await startPtyChild(fx.store.address);
    children.push(first);
    const port = Number(first.address.split(":")[1]);
    const client = createPtyClient(first.address);
    let sessionId: string;
    try {
      sessionId = (await rpc<PtyApi.SpawnResponse__Output>(client, "Spawn", { command: "sleep", args: ["600"], rows: 24, cols: 80 })).sessionId;
    } finally {
      client.close();
    }
    await waitFor("session running", async () => (await session(sessionId)).state === "SESSION_STATE_RUNNING");
    first.child.kill("SIGSTOP");
    await waitFor("session lost", async () => (await session(sessionId)).state === "SESSION_STATE_LOST", REAPER_GRACE_MS + 10_000);
    // The node restarts at the same address: its programs went with it (their terminal hung up).
    first.child.kill("SIGKILL");
    await first.exited;
    const second = await startPtyChild(fx.store.address, { port });
    children.push(second);
    await waitFor("the interval closed as gone", async () => (await session(sessionId)).lastUnreachable?.outcome === "UNREACHABLE_OUTCOME_GONE", 10_000);
    const gone = await session(sessionId);
    expect(gone.state).toBe("SESSION_STATE_LOST");
    expect(gone.endReason).toBe(`pty-service ${second.address} came back without the session (it restarted or lost it)`);
    expect(gone.lastUnreachable!.reason).toMatch(/unreachable for \d+ s: no answer within/);
    expect(timestampToMs(gone.lastUnreachable!.endedAt)).toBeDefined();
    // No longer re-checked: the reaper has nothing to ask this node.
    const reaper = fx.store.reaper!;
    const checks = reaper.stats.nodeChecks;
    const passes = reaper.stats.passes;
    await waitFor("two more passes", () => reaper.stats.passes >= passes + 2, 10_000);
    expect(reaper.stats.nodeChecks).toBe(checks);
    const h = await readHistory({ storeClient: fx.client } as unknown as System, sessionId);
    expect(h.exit).toMatchObject({ state: "SESSION_STATE_LOST", reason: gone.endReason });
  }, 60_000);
});
