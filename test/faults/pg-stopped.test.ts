/**
 * PostgreSQL stopped for 30 s under a program that writes: the program is paused once the
 * pty-service holds its high-water mark of unacknowledged output, and stays paused with bounded
 * memory (sampled every second); nothing crashes; the store reports NOT_SERVING on its health
 * check (the image probe exits 1) while the pty-service stays SERVING. After PostgreSQL is back
 * the store is SERVING again, the program resumes and the history is exact.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { execFile } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { checkHealth, type PtyApi } from "@ptykeep/proto";
import { createTestDatabase, startPrivatePostgres, type PostgresServer } from "../support/postgres.js";
import { startServices } from "../support/services.js";
import { contiguous, readHistory, rpc, sha256, spawn, waitFor, waitStoredEnd, type System } from "../e2e/helpers.js";
import { Programs } from "../e2e/programs.js";

const HIGH_WATER = 256 * 1024;
const OUTAGE_MS = 30_000;
const SAMPLE_MS = 1_000;
const HEALTH_PROBE_MS = 500;
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

let server: PostgresServer;
let sys: System;
let programs: Programs;

beforeAll(async () => {
  server = await startPrivatePostgres();
  const db = await createTestDatabase(server.adminUrl, "faults_pg_stopped");
  sys = await startServices("faults_pg_stopped", {
    dbUrl: db.url,
    storeEnv: { STORE_PG_CONNECT_TIMEOUT_MS: "1000", STORE_HEALTH_PROBE_MS: String(HEALTH_PROBE_MS) },
    ptyEnv: { PTY_SESSION_HIGH_WATER_BYTES: String(HIGH_WATER) },
  });
  programs = new Programs();
});

afterAll(async () => {
  await sys?.close();
  await server?.dispose();
  programs?.remove();
});

async function sessionInfo(sessionId: string): Promise<PtyApi.PtySession__Output> {
  const res = await rpc<PtyApi.ListSessionsResponse__Output>(sys.ptyClient, "ListSessions", {});
  const s = res.sessions.find((x) => x.sessionId === sessionId);
  if (!s) throw new Error(`session ${sessionId} not listed`);
  return s;
}

const health = (address: string) => checkHealth(address, { deadlineMs: 5_000 });

/** The image's HEALTHCHECK command against the store: its exit code. */
function imageProbe(): Promise<number> {
  return new Promise((resolve) => {
    execFile(process.execPath, ["--import", "tsx", "proto/src/healthcheck.ts", sys.store.address], { cwd: ROOT, timeout: 30_000 }, (err) =>
      resolve(err ? ((err as { code?: number }).code ?? -1) : 0),
    );
  });
}

describe("PostgreSQL stopped while a program writes", () => {
  it("pauses the program, holds bounded memory, then resumes with an exact history", async () => {
    const content = randomBytes(4 * 1024 * 1024);
    const file = programs.file("4m.bin", content);
    // Raw mode; the program starts writing on the newline the test types once PostgreSQL is down.
    const { sessionId } = await spawn(sys, { command: "/bin/sh", args: ["-c", 'stty raw -echo; read x; cat "$0"', file], cwd: "/tmp" });
    await waitFor("the session running in the store", async () => (await rpc<{ session?: { state: string } }>(sys.storeClient, "GetSession", { sessionId })).session?.state === "SESSION_STATE_RUNNING");

    await server.stop();
    const stoppedAt = Date.now();
    try {
      await rpc(sys.ptyClient, "Write", { sessionId, data: Buffer.from("\n") });
      await waitFor("the program paused", async () => (await sessionInfo(sessionId)).paused);
      await waitFor("the store NOT_SERVING", async () => (await health(sys.store.address)) === "NOT_SERVING");
      expect(await imageProbe()).toBe(1);
      let samples = 0;
      while (Date.now() - stoppedAt < OUTAGE_MS) {
        const s = await sessionInfo(sessionId);
        expect(s.paused).toBe(true);
        expect(s.state).toBe("SESSION_STATE_RUNNING");
        expect(s.durableSeq).toBe(0);
        // The high-water mark plus at most one coalesced read batch and the stream's buffer.
        expect(sys.pty.unackedBytes()).toBeLessThan(HIGH_WATER + 512 * 1024);
        expect(await health(sys.pty.address)).toBe("SERVING");
        expect(await health(sys.store.address)).toBe("NOT_SERVING");
        samples++;
        await new Promise((r) => setTimeout(r, SAMPLE_MS));
      }
      expect(samples).toBeGreaterThan(10);
    } finally {
      await server.start();
    }
    await waitFor("the store SERVING again", async () => (await health(sys.store.address)) === "SERVING", 30_000);
    expect(await imageProbe()).toBe(0);

    await waitStoredEnd(sys, sessionId, 60_000);
    const h = await readHistory(sys, sessionId);
    expect(sha256(contiguous(h.chunks))).toBe(sha256(content));
    expect(h.exit?.exitCode).toBe(0);
    expect(sys.pty.unackedBytes()).toBe(0);
  }, 150_000);
});
