/**
 * The reaper, against real pty-services in child processes and three store replicas on one
 * database (each running its compactor and reaper): a crashed pty-service's sessions become lost
 * within two reaper intervals plus the grace period, each exactly once; a pty-service that stops
 * answering for less than the grace keeps its sessions; sessions a node does not know are lost at
 * once; and `reap --once` does one pass from the command line.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { inject } from "vitest";
import pg from "pg";
import * as grpc from "@grpc/grpc-js";
import { callUnary, createPtyClient, createStoreClient, ptyV1, uuidv7, type PtyApi, type PtyServiceClient, type StoreApi, type StoreServiceClient } from "@ptykeep/proto";
import { createTestDatabase } from "../support/postgres.js";
import { loadStoreConfig, startStoreService, type RunningStore } from "../../store-service/src/index.js";
import { freePort, startPtyChild, type PtyChild } from "./pty-child.js";
import { historyBytes, historyEnd, readHistory, register } from "../store/helpers.js";
import { Reaper } from "../../store-service/src/reaper.js";
import { log, startHistoryFixture, unaryCall } from "./helpers.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const REAPER_INTERVAL_MS = 300;
const REAPER_GRACE_MS = 2_500;
/** Below the interval, as configuration requires; a pty-service on loopback answers in a few ms. */
const CHECK_TIMEOUT_MS = 250;
/** Scheduling on a busy 2-core machine: passes start late, calls and commits take time. */
const SLACK_MS = 1_000;

async function until(cond: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function spawnSession(client: PtyServiceClient, command: string, args: string[]): Promise<PtyApi.SpawnResponse__Output> {
  return callUnary(client, "Spawn", { command, args, rows: 24, cols: 80 }, { deadlineMs: 15_000 });
}

describe("reaper with three store replicas", () => {
  let db: { url: string; drop(): Promise<void> };
  let replicas: RunningStore[] = [];
  let storeClient: StoreServiceClient;
  let sql: pg.Client;
  const children: PtyChild[] = [];
  const pids: number[] = [];

  beforeAll(async () => {
    db = await createTestDatabase(inject("pgAdminUrl"), "hist_reaper");
    const env = {
      DATABASE_URL: db.url,
      STORE_LISTEN: "127.0.0.1:0",
      STORE_REAPER: "on",
      STORE_REAPER_INTERVAL_MS: String(REAPER_INTERVAL_MS),
      STORE_REAPER_GRACE_MS: String(REAPER_GRACE_MS),
      STORE_REAPER_MIN_AGE_MS: "0",
      STORE_REAPER_CHECK_TIMEOUT_MS: String(CHECK_TIMEOUT_MS),
      STORE_COMPACTOR: "on",
      STORE_COMPACT_INTERVAL_MS: "200",
      STORE_COMPACT_AFTER_MS: "0",
    };
    replicas = await Promise.all([0, 1, 2].map(() => startStoreService({ config: loadStoreConfig(env) })));
    storeClient = createStoreClient(replicas.map((r) => r.address).join(","));
    sql = new pg.Client({ connectionString: db.url });
    await sql.connect();
  });

  afterAll(async () => {
    for (const c of children) await c.stop().catch(() => {});
    for (const pid of pids) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone (the usual case: the PTY hang-up ended it)
      }
    }
    storeClient?.close();
    await sql?.end();
    await Promise.all(replicas.map((r) => r.stop(2_000)));
    await db?.drop();
  });

  const sessionRows = async (ids: string[]) =>
    (
      await sql.query<{ session_id: string; state: string; end_reason: string; ended_at: Date | null; durable_bytes: string; pid: number }>(
        "SELECT session_id::text, state, end_reason, ended_at, durable_bytes, pid FROM sessions WHERE session_id = ANY($1::uuid[]) ORDER BY session_id",
        [ids],
      )
    ).rows;

  it("marks a SIGKILLed pty-service's sessions lost within two intervals plus the grace, once each", async () => {
    const pty = await startPtyChild(replicas.map((r) => r.address).join(","));
    children.push(pty);
    const client = createPtyClient(pty.address);
    const lines = 20_000;
    const expected = Buffer.from(Array.from({ length: lines }, (_, i) => `${i + 1}\r\n`).join(""));
    const ids: string[] = [];
    try {
      for (let i = 0; i < 4; i++) ids.push((await spawnSession(client, "sh", ["-c", `seq 1 ${lines}; exec sleep 600`])).sessionId);
    } finally {
      client.close();
    }
    ids.sort();
    await until(async () => (await sessionRows(ids)).every((r) => r.state === "running" && Number(r.durable_bytes) === expected.length), "all output stored");
    pids.push(...(await sessionRows(ids)).map((r) => r.pid));
    // The replicas' compactors pack it meanwhile (the sessions are quiet, and output is cold at once).
    await until(async () => (await sql.query("SELECT 1 FROM output_chunks WHERE session_id = ANY($1::uuid[]) LIMIT 1", [ids])).rows.length === 0, "output compacted");

    pty.child.kill("SIGKILL");
    const killedAt = Date.now();
    await pty.exited;
    await until(async () => (await sessionRows(ids)).every((r) => r.state === "lost"), "sessions lost", 20_000);
    const elapsed = Date.now() - killedAt;
    console.log(`pty-service SIGKILL -> ${ids.length} sessions lost in ${elapsed} ms (interval ${REAPER_INTERVAL_MS} ms, grace ${REAPER_GRACE_MS} ms)`);
    expect(elapsed).toBeGreaterThanOrEqual(REAPER_GRACE_MS - REAPER_INTERVAL_MS / 4);
    expect(elapsed).toBeLessThanOrEqual(2 * REAPER_INTERVAL_MS + REAPER_GRACE_MS + SLACK_MS);

    for (const r of await sessionRows(ids)) {
      expect(r.ended_at).not.toBeNull();
      expect(r.end_reason).toMatch(/unreachable/);
    }
    // One transition per session, by one holder; only the lease holder checked nodes.
    const log = await sql.query<{ session_id: string; n: string }>("SELECT session_id::text, count(*) AS n FROM reaper_log WHERE session_id = ANY($1::uuid[]) GROUP BY session_id ORDER BY session_id", [ids]);
    expect(log.rows.map((r) => [r.session_id, Number(r.n)])).toEqual(ids.map((id) => [id, 1]));
    expect(replicas.reduce((a, r) => a + r.reaper!.stats.sessionsLost, 0)).toBe(ids.length);
    expect(replicas.filter((r) => r.reaper!.stats.nodeChecks > 0).length).toBe(1);
    expect(replicas.filter((r) => r.reaper!.stats.passesWithoutLease > 0).length).toBe(2);

    // Compacted by three compactors, each range once; the history is whole and ends as lost.
    const segments = Number((await sql.query("SELECT count(*) AS n FROM output_segments")).rows[0].n);
    expect(replicas.reduce((a, r) => a + r.compactor!.stats.segmentsWritten, 0)).toBe(segments);
    expect(replicas.reduce((a, r) => a + r.compactor!.stats.segmentsAbandoned, 0)).toBe(0);
    for (const id of ids) {
      const events = await readHistory(storeClient, { sessionId: id });
      expect(historyBytes(events).equals(expected)).toBe(true);
      expect(events.find((e) => e.exit)?.exit?.state).toBe("SESSION_STATE_LOST");
      expect(historyEnd(events).reason).toBe("HISTORY_END_REASON_COMPLETE");
    }
  });

  it("keeps the sessions of a pty-service that stops answering for less than the grace; loses sessions it does not know", async () => {
    const pty = await startPtyChild(replicas.map((r) => r.address).join(","));
    children.push(pty);
    const client = createPtyClient(pty.address);
    const ids: string[] = [];
    try {
      for (let i = 0; i < 2; i++) ids.push((await spawnSession(client, "sleep", ["600"])).sessionId);
    } finally {
      client.close();
    }
    await until(async () => (await sessionRows(ids)).every((r) => r.state === "running"), "sessions running");
    pids.push(...(await sessionRows(ids)).map((r) => r.pid));
    const failing = async () =>
      (await sql.query<{ ms: string | null }>("SELECT (extract(epoch FROM now() - first_failure_at) * 1000)::bigint AS ms FROM pty_nodes WHERE pty_node = $1", [pty.address])).rows[0]?.ms ?? null;
    await until(async () => (await sql.query("SELECT 1 FROM pty_nodes WHERE pty_node = $1 AND last_success_at IS NOT NULL", [pty.address])).rows.length === 1, "a first successful check");

    pty.child.kill("SIGSTOP");
    // Failed checks for about half the grace period.
    await until(async () => Number((await failing()) ?? 0) >= REAPER_GRACE_MS / 2, "checks failing", 10_000);
    pty.child.kill("SIGCONT");
    await until(async () => (await failing()) === null, "a successful check again", 10_000);
    expect((await sessionRows(ids)).map((r) => r.state)).toEqual(["running", "running"]);
    expect((await sql.query("SELECT 1 FROM reaper_log WHERE session_id = ANY($1::uuid[])", [ids])).rows).toEqual([]);

    // A session registered on this node that the node does not host: lost at the next pass.
    const stray = uuidv7();
    await register(storeClient, { sessionId: stray, ptyNode: pty.address });
    await until(async () => (await sessionRows([stray]))[0]!.state === "lost", "stray session lost", 10_000);
    expect((await sessionRows([stray]))[0]!.end_reason).toMatch(/no longer knows/);
    expect((await sessionRows(ids)).map((r) => r.state)).toEqual(["running", "running"]);

    // A graceful stop records its sessions as killed: nothing for the reaper to do.
    await pty.stop();
    await until(async () => (await sessionRows(ids)).every((r) => r.state === "killed"), "sessions killed");
    expect((await sql.query("SELECT 1 FROM reaper_log WHERE session_id = ANY($1::uuid[])", [ids])).rows).toEqual([]);
  });
});

describe("reap --once", () => {
  it("runs one pass from the command line", async () => {
    const db = await createTestDatabase(inject("pgAdminUrl"), "hist_reap_cli");
    const store = await startStoreService({ config: loadStoreConfig({ DATABASE_URL: db.url, STORE_LISTEN: "127.0.0.1:0", STORE_REAPER: "off", STORE_COMPACTOR: "off" }) });
    const client = createStoreClient(store.address);
    try {
      const sessionId = uuidv7();
      await register(client, { sessionId, ptyNode: `127.0.0.1:${await freePort()}` });
      const run = () =>
        promisify(execFile)(process.execPath, ["--import", "tsx", path.join(ROOT, "store-service/src/reap.ts"), "--once"], {
          cwd: ROOT,
          env: { ...process.env, DATABASE_URL: db.url, STORE_REAPER_GRACE_MS: "0", STORE_REAPER_MIN_AGE_MS: "0", STORE_REAPER_CHECK_TIMEOUT_MS: "1000", LOG_LEVEL: "silent" },
        });
      const first = await run();
      expect(JSON.parse(first.stdout)).toEqual({ leader: true, nodes: 1, sessions: 1, lost: 1, recovered: 0 });
      const second = await run();
      // The lost session's node is asked again (STORE_REAPER_RECHECK_MS, an hour by default).
      expect(JSON.parse(second.stdout)).toEqual({ leader: true, nodes: 1, sessions: 0, lost: 0, recovered: 0 });
      const bad = await promisify(execFile)(process.execPath, ["--import", "tsx", path.join(ROOT, "store-service/src/reap.ts")], { cwd: ROOT, env: { ...process.env, DATABASE_URL: db.url } }).catch((e: { code: number; stderr: string }) => e);
      expect(bad).toMatchObject({ code: 2 });
    } finally {
      client.close();
      await store.stop(2_000);
      await db.drop();
    }
  });
});

describe("Reaper against a scripted pty-service", () => {
  it("loses unknown sessions at once, exited-without-record ones after the grace, and hands the lease over on expiry", async () => {
    const fx = await startHistoryFixture("hist_reaper_scripted");
    // A CheckLiveness endpoint answering from a table: the states a real pty-service cannot be
    // made to show on demand (an exit it never records).
    const answers = new Map<string, PtyApi.Liveness>();
    const server = new grpc.Server();
    server.addService(ptyV1.PtyService.service, {
      CheckLiveness: (call: grpc.ServerUnaryCall<PtyApi.CheckLivenessRequest__Output, PtyApi.CheckLivenessResponse>, cb: grpc.sendUnaryData<PtyApi.CheckLivenessResponse>) => {
        cb(null, { sessions: call.request.sessionIds.filter((id) => answers.has(id)).map((id) => ({ sessionId: id, liveness: answers.get(id)! })) });
      },
    });
    const port = await new Promise<number>((resolve, reject) => server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
    const node = `127.0.0.1:${port}`;
    const graceMs = 600;
    const opts = { pool: fx.pool, log, intervalMs: 100, graceMs, minAgeMs: 0, checkTimeoutMs: 2_000, recheckMs: 60_000 };
    const a = new Reaper({ ...opts, holderId: "replica-a" });
    const b = new Reaper({ ...opts, holderId: "replica-b" });
    try {
      const [running, exited, unknown, late] = [uuidv7(), uuidv7(), uuidv7(), uuidv7()];
      for (const id of [running, exited, unknown, late]) {
        await register(fx.client, { sessionId: id, ptyNode: node });
        await unaryCall(fx.client, "MarkRunning", { sessionId: id, pid: 99 });
      }
      answers.set(running, "LIVENESS_RUNNING");
      answers.set(exited, "LIVENESS_EXITED");
      answers.set(late, "LIVENESS_EXITED");
      const state = async (id: string) => (await fx.query<{ state: string; end_reason: string }>("SELECT state, end_reason FROM sessions WHERE session_id = $1", [id]))[0]!;

      const first = await a.runOnce();
      const firstAt = Date.now();
      expect(first).toEqual({ leader: true, nodes: 1, sessions: 4, lost: 1, recovered: 0 });
      expect(await state(unknown)).toMatchObject({ state: "lost", end_reason: expect.stringMatching(/no longer knows/) });
      expect((await state(exited)).state).toBe("running");
      // Another replica does nothing while the lease is held.
      expect(await b.runOnce()).toEqual({ leader: false, nodes: 0, sessions: 0, lost: 0, recovered: 0 });

      // The pty-service's own record of `late` arrives within the grace: it wins.
      await unaryCall(fx.client, "MarkExited", { sessionId: late, exitCode: 3, signal: "", finalSeq: 0, reason: "END_REASON_EXITED" });
      const deadline = Date.now() + 10_000;
      while ((await state(exited)).state !== "lost") {
        if (Date.now() > deadline) throw new Error("exited-without-record session never marked lost");
        await a.runOnce();
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(Date.now() - firstAt).toBeGreaterThanOrEqual(graceMs - 50);
      expect((await state(exited)).end_reason).toMatch(/never recorded/);
      expect((await state(late)).state).toBe("exited");
      expect((await state(running)).state).toBe("running");
      const log = await fx.query<{ session_id: string; holder: string; fencing_token: number }>("SELECT session_id::text, holder, fencing_token FROM reaper_log ORDER BY id");
      expect(log.map((r) => r.session_id).sort()).toEqual([exited, unknown].sort());
      expect(new Set(log.map((r) => `${r.holder}/${r.fencing_token}`))).toEqual(new Set(["replica-a/1"]));

      // The holder stops renewing (it died): once the lease expires another replica takes it,
      // with a new fencing token, and the old holder is refused until that one lets go.
      await fx.query("UPDATE store_leases SET expires_at = now() - interval '1 second'");
      expect((await b.runOnce()).leader).toBe(true);
      expect((await fx.query<{ holder: string; token: number }>("SELECT holder, token FROM store_leases"))[0]).toEqual({ holder: "replica-b", token: 2 });
      expect((await a.runOnce()).leader).toBe(false);
      await b.close();
      expect((await a.runOnce()).leader).toBe(true);
    } finally {
      await a.close();
      await b.close();
      server.forceShutdown();
      await fx.shutdown();
    }
  });

  it("asks a node again about the sessions lost while it was unreachable, for the re-check time only, and revises the verdict", async () => {
    const fx = await startHistoryFixture("hist_reaper_recheck");
    const answers = new Map<string, PtyApi.Liveness>();
    const port = await freePort();
    const node = `127.0.0.1:${port}`;
    let server: grpc.Server | undefined;
    const startNode = async () => {
      server = new grpc.Server();
      server.addService(ptyV1.PtyService.service, {
        CheckLiveness: (call: grpc.ServerUnaryCall<PtyApi.CheckLivenessRequest__Output, PtyApi.CheckLivenessResponse>, cb: grpc.sendUnaryData<PtyApi.CheckLivenessResponse>) => {
          cb(null, { sessions: call.request.sessionIds.map((id) => ({ sessionId: id, liveness: answers.get(id) ?? "LIVENESS_UNKNOWN" })) });
        },
      });
      await new Promise<void>((resolve, reject) => server!.bindAsync(node, grpc.ServerCredentials.createInsecure(), (e) => (e ? reject(e) : resolve())));
    };
    const recheckMs = 30_000;
    // Passes are run by hand here; the interval only sizes the lease.
    const reaper = new Reaper({ pool: fx.pool, log, intervalMs: 2_000, graceMs: 0, minAgeMs: 0, checkTimeoutMs: 1_000, recheckMs });
    try {
      const [back, restarted, exited, expired] = [uuidv7(), uuidv7(), uuidv7(), uuidv7()];
      for (const id of [back, restarted, exited]) {
        await register(fx.client, { sessionId: id, ptyNode: node });
        await unaryCall(fx.client, "MarkRunning", { sessionId: id, pid: 99 });
      }
      // Nobody listens on the node: lost at once (grace 0), with one sentence for a reason.
      expect(await reaper.runOnce()).toEqual({ leader: true, nodes: 1, sessions: 3, lost: 3, recovered: 0 });
      const row = async (id: string) => (await fx.query<{ state: string; end_reason: string; unreachable_count: number }>("SELECT state, end_reason, unreachable_count FROM sessions WHERE session_id = $1", [id]))[0]!;
      expect(await row(back)).toEqual({ state: "lost", end_reason: `pty-service ${node} unreachable for 0 s: connection refused`, unreachable_count: 1 });
      // Still unreachable: asked again, nothing changes.
      expect(await reaper.runOnce()).toEqual({ leader: true, nodes: 1, sessions: 0, lost: 0, recovered: 0 });

      // Another session on a second dead node, lost long enough ago that its re-checks are over.
      const deadNode = `127.0.0.1:${await freePort()}`;
      await register(fx.client, { sessionId: expired, ptyNode: deadNode });
      await unaryCall(fx.client, "MarkRunning", { sessionId: expired, pid: 99 });
      await reaper.runOnce();
      expect((await row(expired)).state).toBe("lost");
      await fx.query("UPDATE unreachable_intervals SET recheck_until = now() - interval '1 millisecond' WHERE session_id = $1", [expired]);

      // The node answers again: one session runs, one it does not know, one exited unrecorded.
      answers.set(back, "LIVENESS_RUNNING");
      answers.set(exited, "LIVENESS_EXITED");
      await startNode();
      const checksBefore = reaper.stats.nodeChecks;
      expect(await reaper.runOnce()).toEqual({ leader: true, nodes: 1, sessions: 0, lost: 0, recovered: 1 });
      // Only the node within its re-check time was called.
      expect(reaper.stats.nodeChecks).toBe(checksBefore + 1);
      expect(await row(back)).toEqual({ state: "running", end_reason: "", unreachable_count: 1 });
      expect(await row(restarted)).toMatchObject({ state: "lost", end_reason: `pty-service ${node} came back without the session (it restarted or lost it)` });
      expect(await row(exited)).toMatchObject({ state: "lost", end_reason: `pty-service ${node} came back and reports the program exited, but its end was never recorded` });
      const outcomes = await fx.query<{ session_id: string; outcome: string | null; reason: string }>("SELECT session_id::text, outcome, reason FROM unreachable_intervals");
      expect(Object.fromEntries(outcomes.map((o) => [o.session_id, o.outcome]))).toEqual({ [back]: "recovered", [restarted]: "gone", [exited]: "gone", [expired]: null });
      // The record of how the exited one ended arrives after all: it wins, and the interval says so.
      await unaryCall(fx.client, "MarkExited", { sessionId: exited, exitCode: 0, signal: "", finalSeq: 0, reason: "END_REASON_EXITED" });
      expect((await row(exited)).state).toBe("exited");
      expect((await fx.query<{ outcome: string }>("SELECT outcome FROM unreachable_intervals WHERE session_id = $1", [exited]))[0]!.outcome).toBe("ended");
      // Nothing left to re-check: the node is no longer called.
      expect(await reaper.runOnce()).toMatchObject({ nodes: 1, sessions: 1 });
      // ...except for `back`, alive again and checked as such.
      const session = await unaryCall<StoreApi.GetSessionRequest, StoreApi.GetSessionResponse__Output>(fx.client, "GetSession", { sessionId: back });
      expect(session.session!.lastUnreachable).toMatchObject({ ptyNode: node, atSeq: 0, outcome: "UNREACHABLE_OUTCOME_RECOVERED", reason: `pty-service ${node} unreachable for 0 s: connection refused` });
      // A replay carries the interval after the start (no output yet: at seq 0).
      const events = await readHistory(fx.client, { sessionId: back });
      expect(events.map((e) => Object.keys(e).find((k) => (e as Record<string, unknown>)[k] != null && k !== "event"))).toEqual(["start", "unreachable", "end"]);
    } finally {
      await reaper.close();
      server?.forceShutdown();
      await fx.shutdown();
    }
  });
});
