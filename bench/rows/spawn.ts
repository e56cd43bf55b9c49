/**
 * The spawn rows: what starting programs costs everyone else on the pty-service.
 *
 * - "event-loop block per Spawn, p99": a pty-service child of its own runs with an event-loop
 *   probe (bench/lib/loop-probe.mjs: a 1 ms timer; for each tick, how late it fired and how long
 *   the main thread ran on a CPU since the tick before). Spawns are made one at a time; a Spawn's
 *   block is the most CPU the main thread spent between two ticks while it was in flight (from
 *   sending it to its reply, plus one tick): the time the loop could not turn. Lateness is
 *   reported beside it: on a quiet machine the two agree, on a shared one lateness also counts
 *   the time the thread waited for a CPU, which is not the service's doing. Compared with the
 *   same probe while the service idles.
 * - "echo p99 during a burst of 50 Spawns / idle echo p99": a session echoes typed bytes (raw
 *   terminal, `cat`); one byte is written, its echo awaited on Attach, then the next, 10 ms apart:
 *   first with nothing else happening, then while 50 Spawns are in flight at once, in rounds.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { createPtyClient, type PtyApi } from "@ptykeep/proto";
import { programs } from "../lib/programs.js";
import { fmt, ratio, type RowResult, type RunContext } from "../lib/result.js";
import { ROOT, type BenchSystem } from "../lib/system.js";
import { CALL_DEADLINE_MS, delay, quantile, rpc } from "../lib/util.js";
import { openEcho } from "./echo.js";

const SPAWN = Object.freeze({
  /** Spawns made one at a time for the block row (p99 of 100 is the second largest). */
  SEQUENTIAL: { quick: 50, full: 100 },
  /** Spawns in flight at once in a burst (the issue's figure). */
  BURST: 50,
  /** Bursts typed through; each contributes the keystrokes made while it was in flight. */
  BURST_ROUNDS: { quick: 3, full: 6 },
  /** Keystrokes of the idle echo measurement. */
  IDLE_KEYS: { quick: 200, full: 400 },
  /** Pause between keystrokes (a fast typist), as rows 4-5. */
  KEY_INTERVAL_MS: 10,
  /** Quiet time before the idle probe window and between phases, so start-up work is over. */
  SETTLE_MS: 2_000,
  /** Targets (issue 14). */
  BLOCK_P99_LIMIT_MS: 2,
  ECHO_RATIO_LIMIT: 2,
});

interface Tick {
  /** When it fired, ms since the epoch. */
  at: number;
  /** ms past its due time. */
  late: number;
  /** ms the main thread ran on a CPU since the previous tick. */
  cpu: number;
}

function readProbe(file: string): Tick[] {
  const { ticks } = JSON.parse(readFileSync(file, "utf8")) as { ticks: Array<[number, number, number]> };
  return ticks.map(([at, late, cpu]) => ({ at, late, cpu }));
}

/** Largest value of a tick that fired in [from, to] (0 if none did). */
function worstIn(ticks: readonly Tick[], from: number, to: number, field: "late" | "cpu"): number {
  let worst = 0;
  for (const t of ticks) if (t.at >= from && t.at <= to && t[field] > worst) worst = t[field];
  return worst;
}

export async function runSpawnRows(sys: BenchSystem, ctx: RunContext): Promise<RowResult[]> {
  const dir = mkdtempSync(path.join(sys.dir, "spawn-probe-"));
  const probeFile = path.join(dir, "loop.json");
  const child = await sys.startPty("pty-spawn", {
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --import ${pathToFileURL(path.join(ROOT, "bench/lib/loop-probe.mjs")).href}`.trim(),
    BENCH_LOOP_PROBE_FILE: probeFile,
    PTY_ENDED_RETENTION_MS: "0",
  });
  const client = createPtyClient(child.address);
  const started: string[] = [];
  const spawnIdle = async () => {
    const { sessionId } = await rpc<PtyApi.SpawnResponse__Output>(client, "Spawn", { ...programs.idle(), rows: 24, cols: 80 });
    started.push(sessionId);
  };
  const endStarted = async () => {
    const ids = started.splice(0);
    await Promise.all(ids.map((sessionId) => rpc(client, "Kill", { sessionId }, CALL_DEADLINE_MS).catch(() => {})));
    await Promise.all(ids.map((sessionId) => rpc(sys.storeClient, "DeleteSession", { sessionId, force: true }, CALL_DEADLINE_MS).catch(() => {})));
  };
  const sequential = ctx.quick ? SPAWN.SEQUENTIAL.quick : SPAWN.SEQUENTIAL.full;
  const rounds = ctx.quick ? SPAWN.BURST_ROUNDS.quick : SPAWN.BURST_ROUNDS.full;
  const idleKeys = ctx.quick ? SPAWN.IDLE_KEYS.quick : SPAWN.IDLE_KEYS.full;
  const windows: Array<{ from: number; to: number; ms: number }> = [];
  let idleWindow = { from: 0, to: 0 };
  const idleEcho: number[] = [];
  const burstEcho: number[] = [];
  const burstMs: number[] = [];
  let echo: Awaited<ReturnType<typeof openEcho>> | undefined;
  let burstFailure: string | undefined;
  const burstRound = async (on: NonNullable<typeof echo>) => {
    let inFlight = true;
    const t0 = performance.now();
    const burst = Promise.all(Array.from({ length: SPAWN.BURST }, () => spawnIdle())).finally(() => {
      inFlight = false;
      burstMs.push(performance.now() - t0);
    });
    // Awaited after the keystrokes; a failed Spawn meanwhile must not surface as unhandled.
    burst.catch(() => {});
    for (let i = 0; inFlight; i++) {
      const ms = await on.key(i);
      // Only keystrokes made entirely while spawns were in flight count.
      if (inFlight) burstEcho.push(ms);
      await delay(SPAWN.KEY_INTERVAL_MS);
    }
    await burst;
    await endStarted();
    await delay(SPAWN.SETTLE_MS / 4);
  };
  try {
    // A first Spawn warms what is done once (store connection, worker threads).
    await spawnIdle();
    await endStarted();
    await delay(SPAWN.SETTLE_MS);
    idleWindow = { from: Date.now(), to: 0 };
    await delay(SPAWN.SETTLE_MS);
    idleWindow.to = Date.now();

    for (let i = 0; i < sequential; i++) {
      const from = Date.now();
      const t0 = performance.now();
      await spawnIdle();
      windows.push({ from, to: Date.now() + 1, ms: performance.now() - t0 });
    }
    await endStarted();
    ctx.log(`  spawn: ${sequential} sequential spawns, median ${fmt(quantile(windows.map((w) => w.ms), 0.5))} ms per reply`);

    // Keystrokes by unary Write, their echo seen on Attach; the session ends with the others.
    echo = await openEcho(client, "write", async () => {});
    await delay(SPAWN.SETTLE_MS);
    for (let i = 0; i < idleKeys; i++) {
      idleEcho.push(await echo.key(i));
      await delay(SPAWN.KEY_INTERVAL_MS);
    }
    // A burst may break the service's connection (an event loop blocked past the keepalive
    // timeout): row 14 is still reported, and row 15 says what failed.
    try {
      for (let r = 0; r < rounds; r++) await burstRound(echo);
    } catch (err) {
      burstFailure = `${String(err)} (after ${burstEcho.length} keystrokes, in burst ${burstMs.length + 1})`;
    }
  } finally {
    if (echo) {
      await echo.close();
      started.push(echo.sessionId);
    }
    await endStarted();
    client.close();
    await child.stop();
  }
  const ticks = readProbe(probeFile);
  rmSync(dir, { recursive: true, force: true });

  const blocks = windows.map((w) => worstIn(ticks, w.from, w.to, "cpu"));
  const lateness = windows.map((w) => worstIn(ticks, w.from, w.to, "late"));
  const idleTicks = ticks.filter((t) => t.at >= idleWindow.from && t.at <= idleWindow.to);
  const blockP99 = quantile(blocks, 0.99);
  const latenessP99 = quantile(lateness, 0.99);
  const idleCpuP99 = quantile(idleTicks.map((t) => t.cpu), 0.99);
  const idleLateP99 = quantile(idleTicks.map((t) => t.late), 0.99);
  const idleP99 = quantile(idleEcho, 0.99);
  const burstP99 = quantile(burstEcho, 0.99);
  const echoRatio = burstP99 / idleP99;
  ctx.log(`  spawn: block per Spawn p50 ${fmt(quantile(blocks, 0.5), 2)} p99 ${fmt(blockP99, 2)} ms on CPU, lateness p99 ${fmt(latenessP99, 2)} ms (idle: ${fmt(idleCpuP99, 2)} / ${fmt(idleLateP99, 2)} ms)`);
  ctx.log(`  spawn: echo p99 idle ${fmt(idleP99, 2)} ms, during bursts of ${SPAWN.BURST} spawns ${fmt(burstP99, 2)} ms (${burstEcho.length} keystrokes)${burstFailure ? `; the bursts failed: ${burstFailure}` : ""}`);
  return [
    {
      id: "14",
      title: "event-loop block per Spawn, p99",
      measured: `${fmt(blockP99, 2)} ms on CPU (p50 ${fmt(quantile(blocks, 0.5), 2)}); lateness p99 ${fmt(latenessP99, 2)} ms`,
      baseline: `${fmt(idleCpuP99, 2)} ms on CPU, lateness ${fmt(idleLateP99, 2)} ms: p99 per tick of the idle service`,
      ratio: `${ratio(blockP99 / SPAWN.BLOCK_P99_LIMIT_MS)} of the limit`,
      target: `≤ ${SPAWN.BLOCK_P99_LIMIT_MS} ms`,
      met: blockP99 <= SPAWN.BLOCK_P99_LIMIT_MS,
      notes: [
        `${sequential} Spawns of \`sleep 3600\`, one at a time, into a pty-service child of its own with an event-loop probe (bench/lib/loop-probe.mjs, a 1 ms timer). A Spawn's block is the most CPU time the main thread spent between two probe ticks while the Spawn was in flight; lateness, the most a tick fired late meanwhile, also counts time spent waiting for a CPU on a busy machine. Replies took p50 ${fmt(quantile(windows.map((w) => w.ms), 0.5))} ms (they include registering the session with the store); max block ${fmt(Math.max(...blocks), 2)} ms, max lateness ${fmt(Math.max(...lateness), 2)} ms.`,
      ],
      data: { blocksMs: blocks, latenessMs: lateness, idleCpuP99, idleLateP99, replyMs: windows.map((w) => w.ms) },
    },
    {
      id: "15",
      title: `echo p99 of a running session during a burst of ${SPAWN.BURST} Spawns / idle echo p99`,
      measured: burstFailure ? `failed: ${burstFailure}` : `${fmt(burstP99, 2)} ms (p50 ${fmt(quantile(burstEcho, 0.5), 2)})`,
      baseline: `${fmt(idleP99, 2)} ms idle (p50 ${fmt(quantile(idleEcho, 0.5), 2)})`,
      ratio: ratio(echoRatio),
      target: `≤ ${SPAWN.ECHO_RATIO_LIMIT}×`,
      met: !burstFailure && echoRatio <= SPAWN.ECHO_RATIO_LIMIT,
      notes: [
        `One byte typed every ${SPAWN.KEY_INTERVAL_MS} ms into \`stty raw -echo; cat\`, Write → byte on Attach: ${idleEcho.length} keystrokes idle, then ${burstEcho.length} made while ${rounds} bursts of ${SPAWN.BURST} concurrent Spawns were in flight (each burst took p50 ${fmt(quantile(burstMs, 0.5), 0)} ms to be answered). Max during bursts ${fmt(Math.max(...burstEcho), 2)} ms.`,
      ],
      data: { idleEchoMs: idleEcho, burstEchoMs: burstEcho, burstMs },
    },
  ];
}
