/**
 * Row 10: memory a pty-service spends per idle session. A pty-service of its own (a child process,
 * so nothing else is counted) is warmed up with a few sessions, then given many idle ones
 * (`sleep 3600`, no output); the growth of its resident set divided by the sessions added is the
 * figure. The sessions' programs are separate processes and not counted.
 */
import { createPtyClient, type PtyApi } from "@ptykeep/proto";
import { programs } from "../lib/programs.js";
import { fmt, ratio, type RowResult, type RunContext } from "../lib/result.js";
import type { BenchSystem } from "../lib/system.js";
import { delay, rpc, rssBytes } from "../lib/util.js";

const MEMORY = Object.freeze({
  // Quick mode keeps the run short: spawning is ~10/s on a busy 2-core machine.
  SESSIONS: { quick: 200, full: 1000 },
  /** Sessions spawned before the first reading, so code loaded and caches filled on first use are not counted per session. */
  WARMUP_SESSIONS: 20,
  /** Spawns in flight at once: fast, without measuring a burst of transient buffers. */
  SPAWN_CONCURRENCY: 8,
  /** Let timers, GC and the store link settle before reading RSS. */
  SETTLE_MS: 3_000,
  TARGET_BYTES: 256 * 1024,
  /** Room above SESSIONS for the warm-up ones. */
  MAX_SESSIONS_HEADROOM: 100,
  /** Ending 1000 sessions at shutdown (SIGHUP..SIGKILL each, exits recorded) takes a while. */
  SHUTDOWN_GRACE_MS: 30_000,
});

export async function runMemory(sys: BenchSystem, ctx: RunContext): Promise<RowResult> {
  const sessions = ctx.quick ? MEMORY.SESSIONS.quick : MEMORY.SESSIONS.full;
  const child = await sys.startPty("pty-service-memory", {
    PTY_MAX_SESSIONS: String(sessions + MEMORY.WARMUP_SESSIONS + MEMORY.MAX_SESSIONS_HEADROOM),
    PTY_SHUTDOWN_GRACE_MS: String(MEMORY.SHUTDOWN_GRACE_MS),
  });
  const client = createPtyClient(child.address);
  try {
    const spawnMany = async (n: number) => {
      let next = 0;
      await Promise.all(
        Array.from({ length: MEMORY.SPAWN_CONCURRENCY }, async () => {
          while (next < n) {
            next++;
            await rpc<PtyApi.SpawnResponse__Output>(client, "Spawn", { ...programs.idle(), rows: 24, cols: 80 });
          }
        }),
      );
    };
    const idleRss = rssBytes(child.pid);
    await spawnMany(MEMORY.WARMUP_SESSIONS);
    await delay(MEMORY.SETTLE_MS);
    const before = rssBytes(child.pid);
    const t0 = performance.now();
    await spawnMany(sessions);
    const spawnS = (performance.now() - t0) / 1000;
    await delay(MEMORY.SETTLE_MS);
    const after = rssBytes(child.pid);
    const listed = await rpc<PtyApi.ListSessionsResponse__Output>(client, "ListSessions", {});
    const perSession = (after - before) / sessions;
    ctx.log(`  row 10: ${listed.sessions.length} sessions, RSS ${fmt(before / 2 ** 20)} -> ${fmt(after / 2 ** 20)} MiB, ${fmt(perSession / 1024)} KiB each`);
    return {
      id: "10",
      title: `pty-service memory per idle session, ${sessions} sessions`,
      measured: `${fmt(perSession / 1024)} KiB RSS per session`,
      baseline: "—",
      ratio: `${ratio(perSession / MEMORY.TARGET_BYTES)} of the limit`,
      target: `≤ ${MEMORY.TARGET_BYTES / 1024} KB each`,
      met: perSession <= MEMORY.TARGET_BYTES,
      notes: [
        `A pty-service child of its own: RSS ${fmt(idleRss / 2 ** 20)} MiB idle, ${fmt(before / 2 ** 20)} MiB after ${MEMORY.WARMUP_SESSIONS} warm-up sessions, ${fmt(after / 2 ** 20)} MiB with ${sessions} more \`sleep 3600\` sessions (spawned in ${fmt(spawnS)} s, ${MEMORY.SPAWN_CONCURRENCY} at a time), read ${MEMORY.SETTLE_MS / 1000} s after the last spawn. RSS includes whatever the garbage collector has not returned yet, so it is an upper bound on what the sessions hold.`,
      ],
      data: { sessions, idleRss, before, after, perSession, spawnS, listed: listed.sessions.length },
    };
  } finally {
    client.close();
    await child.stop();
  }
}
