/**
 * The compose topology without Docker: PostgreSQL, three store-service PROCESSES on their own
 * loopback ports, and a pty-service balancing over all three (STORE_ADDR as a comma list, the
 * same round-robin a dns: name gives). While sessions stream output, the replica holding the
 * pty-service's output stream is killed with SIGKILL (no flush, no goodbye): every session's
 * history must still be complete, byte for byte, with no gap and no duplicate, and new sessions
 * must keep working on the surviving replicas.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createPtyClient, createStoreClient, type PtyApi, type PtyServiceClient, type StoreServiceClient } from "@ptykeep/proto";
import { createTestDatabase } from "../support/postgres.js";
import { loadPtyConfig, startPtyService, type RunningPty } from "../../pty-service/src/index.js";
import { contiguous, readHistory, rpc, sha256, waitFor, waitStoredEnd, type System } from "../e2e/helpers.js";
import { PROCESS_START_TIMEOUT_MS, scrape, startServiceProcess, type ServiceProcess } from "./processes.js";

/** Tuning of this test, each with its reason. */
const T = Object.freeze({
  REPLICAS: 3,
  SESSIONS: 4,
  /** Each session prints this many blocks of numbers, pausing between blocks, so that output is still flowing when a replica dies… */
  BLOCKS: 150,
  BLOCK_NUMBERS: 150,
  BLOCK_PAUSE_S: 0.02,
  /** …and the kill comes once this much of every session is durable (mid-stream). */
  KILL_AFTER_BYTES: 20_000,
  /** Sessions finish and are recorded within this after the kill. */
  SETTLE_TIMEOUT_MS: 60_000,
});

function startStoreProcess(databaseUrl: string): Promise<ServiceProcess> {
  return startServiceProcess("store-service", { DATABASE_URL: databaseUrl, STORE_LISTEN: "127.0.0.1:0", STORE_METRICS_LISTEN: "127.0.0.1:0" });
}

function metric(store: ServiceProcess, name: string): Promise<number> {
  return scrape(store.metrics!, name);
}

/** What the session's program prints, as the terminal turns it into bytes (\n → \r\n). */
function expectedOutput(session: number): Buffer {
  const lines: string[] = [];
  for (let b = 1; b <= T.BLOCKS; b++) for (let n = 1; n <= T.BLOCK_NUMBERS; n++) lines.push(`s${session} b${b} n${n}`);
  return Buffer.from(lines.map((l) => l + "\r\n").join(""), "latin1");
}

function programFor(session: number): { command: string; args: string[] } {
  const script = `b=1; while [ $b -le ${T.BLOCKS} ]; do n=1; while [ $n -le ${T.BLOCK_NUMBERS} ]; do echo "s${session} b$b n$n"; n=$((n+1)); done; sleep ${T.BLOCK_PAUSE_S}; b=$((b+1)); done`;
  return { command: "/bin/sh", args: ["-c", script] };
}

let db: { url: string; drop(): Promise<void> };
const stores: ServiceProcess[] = [];
let pty: RunningPty;
let ptyClient: PtyServiceClient;
let storeClient: StoreServiceClient;

beforeAll(async () => {
  db = await createTestDatabase(inject("pgAdminUrl"), "replicas");
  // Concurrently, as compose starts replicas: migrations serialise on their advisory lock.
  stores.push(...(await Promise.all(Array.from({ length: T.REPLICAS }, () => startStoreProcess(db.url)))));
  const storeAddr = stores.map((s) => s.address).join(",");
  pty = await startPtyService({ config: loadPtyConfig({ STORE_ADDR: storeAddr, PTY_LISTEN: "127.0.0.1:0", PTY_DEFAULT_CWD: "/tmp" }) });
  ptyClient = createPtyClient(pty.address);
  storeClient = createStoreClient(storeAddr);
}, PROCESS_START_TIMEOUT_MS * 2);

afterAll(async () => {
  await pty?.stop(5_000);
  ptyClient?.close();
  storeClient?.close();
  for (const s of stores) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill("SIGTERM");
  await Promise.all(stores.map((s) => s.exited));
  await db?.drop();
}, 60_000);

describe("three store replicas", () => {
  it("keeps every session's history complete through the SIGKILL of the replica holding the output stream", async () => {
    const sys = { ptyClient, storeClient } as System;
    const ids: string[] = [];
    for (let i = 0; i < T.SESSIONS; i++) {
      ids.push((await rpc<PtyApi.SpawnResponse__Output>(ptyClient, "Spawn", { ...programFor(i), rows: 24, cols: 80 })).sessionId);
    }

    // Mid-stream: every session has output durable, none has ended.
    await waitFor("output durable on every session", async () => {
      const sessions = await Promise.all(ids.map((id) => rpc<{ session: { durableSeq: number } }>(storeClient, "GetSession", { sessionId: id })));
      return sessions.every((s) => s.session.durableSeq > 0);
    });
    await waitFor(`${T.KILL_AFTER_BYTES} bytes durable`, async () => (await Promise.all(stores.map((s) => metric(s, "ptykeep_store_durable_bytes_total")))).reduce((a, b) => a + b, 0) >= T.KILL_AFTER_BYTES * T.SESSIONS);
    const streamsPerReplica = await Promise.all(stores.map((s) => metric(s, "ptykeep_store_append_streams")));
    const victim = streamsPerReplica.findIndex((n) => n > 0);
    expect(victim, `some replica holds the output stream (${streamsPerReplica.join(",")})`).toBeGreaterThanOrEqual(0);
    const running = await rpc<PtyApi.ListSessionsResponse__Output>(ptyClient, "ListSessions", {});
    expect(running.sessions.filter((s) => s.state === "SESSION_STATE_RUNNING").length, "sessions still running at the kill").toBe(T.SESSIONS);

    stores[victim]!.child.kill("SIGKILL");
    expect(await stores[victim]!.exited).toBeNull();

    for (const [i, id] of ids.entries()) {
      await waitStoredEnd(sys, id, T.SETTLE_TIMEOUT_MS);
      const history = await readHistory(sys, id);
      const bytes = contiguous(history.chunks); // throws on a gap or a duplicate seq/offset
      expect(bytes.length).toBe(expectedOutput(i).length);
      expect(sha256(bytes)).toBe(sha256(expectedOutput(i)));
      expect(history.exit?.exitCode).toBe(0);
    }

    // The survivors take new sessions.
    const after = await rpc<PtyApi.SpawnResponse__Output>(ptyClient, "Spawn", { command: "/bin/echo", args: ["after", "the", "kill"], rows: 24, cols: 80 });
    await waitStoredEnd(sys, after.sessionId, T.SETTLE_TIMEOUT_MS);
    expect((await readHistory(sys, after.sessionId)).bytes.toString("latin1")).toBe("after the kill\r\n");
    // The output after the kill went through the survivors.
    const survivorsReceived = await Promise.all(stores.filter((_, i) => i !== victim).map((s) => metric(s, "ptykeep_store_received_bytes_total")));
    expect(survivorsReceived.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
  }, PROCESS_START_TIMEOUT_MS + T.SETTLE_TIMEOUT_MS * 2);
});
