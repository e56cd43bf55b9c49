/**
 * PostgreSQL stopped for a while under a program that writes: the program is paused once the
 * pty-service holds its high-water mark of unacknowledged output, nothing crashes, and after
 * PostgreSQL is back the program resumes and the history is exact. The outage is 5 s here, not
 * the 30 s of the fault list, to keep the suite short: past the point where the program is
 * paused, a longer outage only waits longer in the same state.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { createPtyClient, createStoreClient, type PtyApi, type PtyServiceClient, type StoreServiceClient } from "@ptykeep/proto";
import { createTestDatabase, startPrivatePostgres, type PostgresServer } from "../support/postgres.js";
import { loadStoreConfig, startStoreService, type RunningStore } from "../../store-service/src/index.js";
import { loadPtyConfig, startPtyService, type RunningPty } from "../../pty-service/src/index.js";
import { contiguous, readHistory, rpc, sha256, spawn, waitFor, waitStoredEnd, type System } from "../e2e/helpers.js";
import { Programs } from "../e2e/programs.js";

const HIGH_WATER = 256 * 1024;
const OUTAGE_MS = 5_000;

let server: PostgresServer;
let store: RunningStore;
let pty: RunningPty;
let storeClient: StoreServiceClient;
let ptyClient: PtyServiceClient;
let programs: Programs;

beforeAll(async () => {
  server = await startPrivatePostgres();
  const db = await createTestDatabase(server.adminUrl, "faults_pg_stopped");
  store = await startStoreService({ config: loadStoreConfig({ DATABASE_URL: db.url, STORE_LISTEN: "127.0.0.1:0", STORE_PG_CONNECT_TIMEOUT_MS: "1000" }) });
  pty = await startPtyService({ config: loadPtyConfig({ STORE_ADDR: store.address, PTY_LISTEN: "127.0.0.1:0", PTY_DEFAULT_CWD: "/tmp", PTY_SESSION_HIGH_WATER_BYTES: String(HIGH_WATER) }) });
  storeClient = createStoreClient(store.address);
  ptyClient = createPtyClient(pty.address);
  programs = new Programs();
});

afterAll(async () => {
  await pty?.stop(5_000);
  ptyClient?.close();
  storeClient?.close();
  await store?.stop(2_000);
  await server?.dispose();
  programs?.remove();
});

async function sessionInfo(sessionId: string): Promise<PtyApi.PtySession__Output> {
  const res = await rpc<PtyApi.ListSessionsResponse__Output>(ptyClient, "ListSessions", {});
  const s = res.sessions.find((x) => x.sessionId === sessionId);
  if (!s) throw new Error(`session ${sessionId} not listed`);
  return s;
}

describe("PostgreSQL stopped while a program writes", () => {
  it("pauses the program, holds bounded memory, then resumes with an exact history", async () => {
    const sys = { storeClient, ptyClient } as unknown as System;
    const content = randomBytes(4 * 1024 * 1024);
    const file = programs.file("4m.bin", content);
    // Raw mode; the program starts writing on the newline the test types once PostgreSQL is down.
    const { sessionId } = await spawn(sys, { command: "/bin/sh", args: ["-c", 'stty raw -echo; read x; cat "$0"', file], cwd: "/tmp" });
    await waitFor("the session running in the store", async () => (await rpc<{ session?: { state: string } }>(storeClient, "GetSession", { sessionId })).session?.state === "SESSION_STATE_RUNNING");

    await server.stop();
    const stoppedAt = Date.now();
    try {
      await rpc(ptyClient, "Write", { sessionId, data: Buffer.from("\n") });
      await waitFor("the program paused", async () => (await sessionInfo(sessionId)).paused);
      const rest = OUTAGE_MS - (Date.now() - stoppedAt);
      if (rest > 0) await new Promise((r) => setTimeout(r, rest));
      const s = await sessionInfo(sessionId);
      expect(s.paused).toBe(true);
      expect(s.state).toBe("SESSION_STATE_RUNNING");
      expect(s.durableSeq).toBe(0);
      // The high-water mark plus at most one coalesced read batch and the stream's buffer.
      expect(pty.unackedBytes()).toBeLessThan(HIGH_WATER + 512 * 1024);
    } finally {
      await server.start();
    }

    await waitStoredEnd(sys, sessionId, 60_000);
    const h = await readHistory(sys, sessionId);
    expect(sha256(contiguous(h.chunks))).toBe(sha256(content));
    expect(h.exit?.exitCode).toBe(0);
    expect(pty.unackedBytes()).toBe(0);
  }, 90_000);
});
