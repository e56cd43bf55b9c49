/**
 * PostgreSQL frozen with SIGSTOP (postmaster and every backend) while the store holds chunks to
 * flush: the store does not hang or crash; calls fail within the statement/query timeout; no
 * chunk is acknowledged while frozen; after SIGCONT the chunks are written (the timed-out
 * connections are not reused with a stale reply) and the history is exact, each seq once.
 */
import { readFileSync, readdirSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, type StoreApi } from "@ptykeep/proto";
import { createTestDatabase, startPrivatePostgres, type PostgresServer } from "../support/postgres.js";
import { codeOf, outageSession, resendAfterOutage, startStoreFixture, unaryCall } from "../store/helpers.js";

/** Short so that the case is quick; the default is 30 s. */
const STATEMENT_TIMEOUT_MS = 1_000;
const CONNECT_TIMEOUT_MS = 1_000;
/** How long PostgreSQL stays frozen: several statement timeouts, so flushes fail and are retried. */
const FROZEN_MS = 3_500;

let server: PostgresServer;
let fx: Awaited<ReturnType<typeof startStoreFixture>>;

beforeAll(async () => {
  server = await startPrivatePostgres();
  const db = await createTestDatabase(server.adminUrl, "faults_pg_pause");
  fx = await startStoreFixture("unused", { STORE_PG_STATEMENT_TIMEOUT_MS: String(STATEMENT_TIMEOUT_MS), STORE_PG_CONNECT_TIMEOUT_MS: String(CONNECT_TIMEOUT_MS) }, db.url);
});
afterAll(async () => {
  await fx?.close();
  await server?.dispose();
});

/** The postmaster and all its descendants (backends, checkpointer, walwriter...). */
function clusterPids(root: number): number[] {
  const out = [root];
  for (let i = 0; i < out.length; i++) {
    for (const task of readdirSync(`/proc/${out[i]}/task`)) {
      const children = readFileSync(`/proc/${out[i]}/task/${task}/children`, "utf8").trim();
      if (children) out.push(...children.split(" ").map(Number));
    }
  }
  return out;
}

function signalAll(pids: number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // Exited meanwhile.
    }
  }
}

describe("PostgreSQL paused with SIGSTOP during a flush", () => {
  it("fails calls within the timeout, acks nothing while frozen, stores everything once after SIGCONT", async (ctx) => {
    const root = server.pid();
    if (root === undefined) ctx.skip(); // PostgreSQL in a container: no pids to stop from here.
    const o = await outageSession(fx);
    const { id, reqs, s } = o;

    const frozen = clusterPids(root!);
    expect(frozen.length).toBeGreaterThan(1);
    signalAll(frozen, "SIGSTOP");
    try {
      const stoppedAt = Date.now();
      s.write(reqs.slice(20, 40));
      // A unary call while frozen fails with a retryable code within the timeouts, not hanging.
      const t0 = Date.now();
      const down = await codeOf(unaryCall<StoreApi.GetSessionRequest, unknown>(fx.client, "GetSession", { sessionId: id }));
      expect([Code.UNAVAILABLE, Code.DEADLINE_EXCEEDED], down.details).toContain(down.code);
      expect(Date.now() - t0).toBeLessThan(STATEMENT_TIMEOUT_MS + CONNECT_TIMEOUT_MS + 2_000);
      const rest = FROZEN_MS - (Date.now() - stoppedAt);
      if (rest > 0) await new Promise((r) => setTimeout(r, rest));
      expect(s.acked.get(id)).toBe(20);
      expect(s.error).toBeUndefined();
    } finally {
      signalAll(frozen, "SIGCONT");
    }

    // Resend part of what was sent while frozen (as a reconnecting sender would), and new chunks.
    await resendAfterOutage(fx, o);
  }, 60_000);
});
