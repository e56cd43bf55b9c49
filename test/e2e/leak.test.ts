/**
 * A thousand sessions started and ended leave nothing behind: the process's open file
 * descriptors and child processes return to their baseline, the service forgets the sessions,
 * holds no unacknowledged output, and the store has every one of them recorded as ended.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readdirSync, readFileSync } from "node:fs";
import type { PtyApi, StoreApi } from "@ptykeep/proto";
import { rpc, spawn, startSystem, waitFor, type System } from "./helpers.js";

let sys: System;

beforeAll(async () => {
  // Ended sessions are forgotten at once, so the registry itself must return to empty.
  sys = await startSystem("e2e_leak", { ptyEnv: { PTY_ENDED_RETENTION_MS: "0" } });
});

afterAll(async () => {
  await sys?.close();
});

function openFds(): number {
  return readdirSync("/proc/self/fd").length;
}

/** Children of this process, zombies included (an unreaped child is a leak too). */
function childProcesses(): number[] {
  const children: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "latin1");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === process.pid) children.push(Number(entry));
    } catch {
      // gone
    }
  }
  return children;
}

async function runSessions(count: number, parallel: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < count) {
        next++;
        const { sessionId } = await spawn(sys, { command: "true" });
        await waitFor("session ended", async () => {
          const res = await rpc<PtyApi.CheckLivenessResponse__Output>(sys.ptyClient, "CheckLiveness", { sessionIds: [sessionId] });
          return res.sessions[0]?.liveness !== "LIVENESS_RUNNING";
        });
      }
    }),
  );
}

async function liveInStore(): Promise<number> {
  const res = await rpc<StoreApi.ListSessionsResponse__Output>(sys.storeClient, "ListSessions", { states: ["SESSION_STATE_STARTING", "SESSION_STATE_RUNNING"], ptyNode: sys.pty.address, pageSize: 1000 });
  return res.sessions.length;
}

async function listed(): Promise<number> {
  return (await rpc<PtyApi.ListSessionsResponse__Output>(sys.ptyClient, "ListSessions", {})).sessions.length;
}

describe("resources", () => {
  it("returns to its baseline of fds and child processes after 1000 sessions", async () => {
    // Warm-up: connection pools and gRPC channels reach their working size first.
    await runSessions(40, 10);
    await waitFor("warm-up recorded", async () => (await liveInStore()) === 0 && (await listed()) === 0);
    const fdsBefore = openFds();
    const childrenBefore = childProcesses().length;

    const started = Date.now();
    await runSessions(1000, 10);
    const ms = Date.now() - started;
    await waitFor("every session recorded as ended", async () => (await liveInStore()) === 0, 30_000);
    await waitFor("the registry forgot them", async () => (await listed()) === 0);
    await waitFor("children reaped", () => childProcesses().length <= childrenBefore);
    const fdsAfter = await waitFor("fds back to baseline", () => (openFds() <= fdsBefore + 2 ? openFds() : undefined), 15_000);
    console.log(`1000 sessions in ${ms} ms; fds ${fdsBefore} → ${fdsAfter}; children ${childrenBefore} → ${childProcesses().length}`);
    expect(childProcesses().length).toBe(childrenBefore);
    expect(sys.pty.unackedBytes()).toBe(0);
  }, 300_000);
});
