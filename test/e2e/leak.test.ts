/**
 * Sessions started and ended leave nothing behind: open file descriptors, child processes
 * (zombies included) and memory return to their baseline, the pty-service forgets the sessions,
 * and the store has every one of them recorded as ended.
 *
 * Both services run in this process, so that memory can be measured after a full garbage
 * collection: the bytes still reachable (V8 heap plus Buffers and other memory held outside it)
 * are what a leak keeps, while RSS wanders by 25 MB with no leak (V8 grows its heap in steps and
 * returns memory when it likes; RSS is printed, for the record). 1000 cycles in the suite;
 * `LEAK_CYCLES=5000 npx vitest run test/e2e/leak.test.ts` for the long run.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readdirSync, readFileSync } from "node:fs";
import v8 from "node:v8";
import vm from "node:vm";
import type { PtyApi, StoreApi } from "@ptykeep/proto";
import { rpc, spawn, startSystem, waitFor, type System } from "./helpers.js";

const CYCLES = Number(process.env.LEAK_CYCLES ?? 1000);
const PARALLEL = 10;
/**
 * Reachable memory allowed to grow over the baseline. Without a leak it came back within 0.2 MB
 * here; a 4 KB Buffer kept per spawn (tried) added 4.1 MB over 1000 cycles and failed. Leaks of
 * about 2 KB per session and more fail at 1000 cycles, of about 0.5 KB at 5000.
 */
const LIVE_SLACK_BYTES = 2 * 1024 * 1024;

let sys: System;

beforeAll(async () => {
  // Ended sessions are forgotten at once, so the registry itself must return to empty.
  sys = await startSystem("e2e_leak", { ptyEnv: { PTY_ENDED_RETENTION_MS: "0" } });
});

afterAll(async () => {
  await sys?.close();
});

v8.setFlagsFromString("--expose-gc");
const collectGarbage = vm.runInNewContext("gc") as () => void;

/** Bytes still reachable after full collections: V8's heap plus what objects hold outside it. */
async function liveBytes(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    // Let pending callbacks (closing sockets, finished promises) run, then collect.
    await new Promise((r) => setTimeout(r, 100));
    collectGarbage();
  }
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

const openFds = () => readdirSync("/proc/self/fd").length;
const mb = (n: number) => (n / 1024 / 1024).toFixed(1);

/** Children of this process (the programs), zombies included: an unreaped child is a leak too. */
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

/** Waits (bounded) until no child is left; the error describes any that is. */
async function noChildren(): Promise<void> {
  await waitFor("no child processes", () => childProcesses().length === 0).catch((err: Error) => {
    const left = childProcesses().map((c) => {
      try {
        return `${readFileSync(`/proc/${c}/stat`, "latin1").trim()} [${readFileSync(`/proc/${c}/cmdline`, "latin1").replaceAll("\0", " ").trim()}]`;
      } catch {
        return `${c} (gone)`;
      }
    });
    throw new Error(`${err.message}; left: ${left.join("; ")}`);
  });
}

async function runSessions(count: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: PARALLEL }, async () => {
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

async function settled(): Promise<void> {
  await waitFor(
    "every session recorded as ended",
    async () => (await rpc<StoreApi.ListSessionsResponse__Output>(sys.storeClient, "ListSessions", { states: ["SESSION_STATE_STARTING", "SESSION_STATE_RUNNING"], pageSize: 1000 })).sessions.length === 0,
    30_000,
  );
  await waitFor("the registry forgot them", async () => (await rpc<PtyApi.ListSessionsResponse__Output>(sys.ptyClient, "ListSessions", {})).sessions.length === 0);
  await noChildren();
}

describe("resources", () => {
  it(`return to their baseline after ${CYCLES} sessions: fds, child processes, memory`, async () => {
    // Warm-up: connection pools, gRPC channels and compiled code reach their working size first.
    await runSessions(200);
    await settled();
    const fdsBefore = openFds();
    const liveBefore = await liveBytes();
    const rssBefore = process.memoryUsage().rss;

    const started = Date.now();
    await runSessions(CYCLES);
    const ms = Date.now() - started;
    await settled();
    const fdsAfter = await waitFor("fds back to baseline", () => (openFds() <= fdsBefore ? openFds() : undefined), 15_000);
    const liveAfter = await liveBytes();
    console.log(
      `${CYCLES} sessions in ${ms} ms; fds ${fdsBefore} → ${fdsAfter}; children 0 → 0; ` +
        `reachable after GC ${mb(liveBefore)} → ${mb(liveAfter)} MB; RSS ${mb(rssBefore)} → ${mb(process.memoryUsage().rss)} MB`,
    );
    expect(fdsAfter).toBeLessThanOrEqual(fdsBefore);
    expect(liveAfter).toBeLessThanOrEqual(liveBefore + LIVE_SLACK_BYTES);
    expect(sys.pty.unackedBytes()).toBe(0);
  }, 600_000);
});
