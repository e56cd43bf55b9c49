/**
 * Row 3: many sessions writing at a steady rate at once. A pty-service of its own sends to the
 * store through an ack observer (ack-observer.ts) that times every chunk from its timestamp to
 * the ack that covers it: the durable lag. The pty-service's ListSessions is polled for sessions
 * paused by flow control. Programs are paced perl writers (paced-writer.pl), each starting at
 * its own offset of the realistic corpus.
 */
import type { PtyApi } from "@ptykeep/proto";
import { createPtyClient } from "@ptykeep/proto";
import { startAckObserver } from "../lib/ack-observer.js";
import { programs } from "../lib/programs.js";
import { fmt, ratio, type RowResult, type RunContext } from "../lib/result.js";
import type { BenchSystem } from "../lib/system.js";
import { cpuSeconds, delay, quantile, rpc, treeCpuSeconds, waitFor } from "../lib/util.js";

const MANY = Object.freeze({
  SESSIONS: 100,
  /** 50 KB/s each: 5,000 bytes every 100 ms. */
  CHUNK_BYTES: 5_000,
  INTERVAL_MS: 100,
  SECONDS: { quick: 10, full: 60 },
  LAG_P99_LIMIT_MS: 250,
  /** How often the pty-service is asked which sessions are paused. */
  PAUSE_POLL_MS: 100,
  SPAWN_CONCURRENCY: 10,
  /** After the writers end, acks for the last chunks must arrive within this. */
  DRAIN_TIMEOUT_MS: 30_000,
  SEED_OFFSET_STEP: 104_729,
  /** The first seconds after 100 writers start at once are reported apart from the steady state. */
  WARMUP_S: 15,
});

export async function runManySessions(sys: BenchSystem, ctx: RunContext, corpus: { file: string; bytes: number }): Promise<RowResult> {
  const seconds = ctx.quick ? MANY.SECONDS.quick : MANY.SECONDS.full;
  const count = Math.round((seconds * 1000) / MANY.INTERVAL_MS);
  const observer = await startAckObserver(sys.store.address);
  const child = await sys.startPty("pty-service-many", {}, observer.address);
  const client = createPtyClient(child.address);
  const pausedSeen = new Set<string>();
  let polls = 0;
  let polling = true;
  const poller = (async () => {
    while (polling) {
      const r = await rpc<PtyApi.ListSessionsResponse__Output>(client, "ListSessions", {}).catch(() => undefined);
      if (r) {
        polls++;
        for (const s of r.sessions) if (s.paused) pausedSeen.add(s.sessionId);
      }
      await delay(MANY.PAUSE_POLL_MS);
    }
  })();
  try {
    const ids: string[] = [];
    let next = 0;
    const pgPid = sys.cluster.pid() ?? 0;
    const cpu = () => {
      const self = process.cpuUsage();
      return { pty: cpuSeconds(child.pid), store: cpuSeconds(sys.store.pid), postgres: treeCpuSeconds(pgPid), suite: (self.user + self.system) / 1e6 };
    };
    const started = performance.now();
    await Promise.all(
      Array.from({ length: MANY.SPAWN_CONCURRENCY }, async () => {
        while (next < MANY.SESSIONS) {
          const i = next++;
          const program = programs.paced(corpus.file, (i * MANY.SEED_OFFSET_STEP) % corpus.bytes, MANY.CHUNK_BYTES, MANY.INTERVAL_MS, count);
          const { sessionId } = await rpc<PtyApi.SpawnResponse__Output>(client, "Spawn", { ...program, rows: 24, cols: 80 });
          ids.push(sessionId);
        }
      }),
    );
    const spawnS = (performance.now() - started) / 1000;
    // All writers start together, once every session exists: the row measures writing, not spawning.
    await Promise.all(ids.map((sessionId) => rpc(client, "Write", { sessionId, data: Buffer.from("g") })));
    const writingFrom = performance.now();
    const cpu0 = cpu();
    ctx.log(`  row 3: ${ids.length} sessions spawned in ${fmt(spawnS)} s; writing for ${seconds} s`);
    const expectedBytes = MANY.SESSIONS * count * MANY.CHUNK_BYTES;
    // Every program ends after `count` chunks; wait until all their output is acknowledged.
    await waitFor(
      "every session's output to be acknowledged",
      async () => {
        const r = await rpc<PtyApi.ListSessionsResponse__Output>(client, "ListSessions", {});
        return r.sessions.length >= MANY.SESSIONS && r.sessions.every((s) => s.state !== "SESSION_STATE_RUNNING" && Number(s.durableSeq) >= Number(s.lastSeq)) ? true : undefined;
      },
      { timeoutMs: seconds * 1000 + MANY.DRAIN_TIMEOUT_MS, intervalMs: 250 },
    );
    const wallS = (performance.now() - writingFrom) / 1000;
    const cpu1 = cpu();
    const cpuShare = (k: keyof typeof cpu0) => fmt(((cpu1[k] - cpu0[k]) / wallS) * 100, 0);
    // The store's snapshot job works on these sessions meanwhile: how far its screens trail the output.
    const screens = await sys.db.query<{ n: string; behind: string }>(
      `SELECT count(x.at_seq) AS n, s.durable_bytes - coalesce(max(x.byte_offset), 0) AS behind
       FROM sessions s LEFT JOIN screen_snapshots x ON x.session_id = s.session_id
       WHERE s.session_id = ANY($1::uuid[]) GROUP BY s.session_id, s.durable_bytes`,
      [ids],
    );
    const behindKiB = screens.rows.map((r) => Number(r.behind) / 1024);
    const snapshotNote = `The store's snapshot job ran meanwhile (STORE_SNAPSHOT_CPU_PERCENT ${process.env.STORE_SNAPSHOT_CPU_PERCENT ?? "default"}, STORE_SNAPSHOTTER ${process.env.STORE_SNAPSHOTTER ?? "default"}): ${screens.rows.reduce((a, r) => a + Number(r.n), 0)} snapshots of these sessions kept after thinning; at the last ack, output past a session's newest snapshot p50 ${fmt(quantile(behindKiB, 0.5), 0)} KiB, max ${fmt(Math.max(...behindKiB), 0)} KiB.`;
    const lags = observer.lagsMs;
    // Lag over time, per second of chunk timestamps: a start-up transient, periodic spikes and a
    // steady backlog look different here.
    const t0 = Math.min(...observer.chunkTsMs);
    const perSecond: number[][] = [];
    observer.chunkTsMs.forEach((ts, i) => (perSecond[Math.floor((ts - t0) / 1000)] ??= []).push(lags[i]!));
    const timeline = perSecond.map((l, second) => ({ second, chunks: l?.length ?? 0, p99: l ? quantile(l, 0.99) : Number.NaN }));
    const worst = timeline.reduce((a, b) => (b.p99 > a.p99 ? b : a), timeline[0]!);
    const slowSeconds = timeline.filter((t) => t.p99 > MANY.LAG_P99_LIMIT_MS).map((t) => t.second);
    const steady = lags.filter((_, i) => observer.chunkTsMs[i]! >= t0 + MANY.WARMUP_S * 1000);
    const steadyP99 = quantile(steady, 0.99);
    const p50 = quantile(lags, 0.5);
    const p99 = quantile(lags, 0.99);
    const max = Math.max(...lags);
    ctx.log(`  row 3: ${lags.length} chunks, lag p50 ${fmt(p50)} p99 ${fmt(p99)} max ${fmt(max)} ms, paused sessions ${pausedSeen.size}`);
    return {
      id: "3",
      title: `${MANY.SESSIONS} sessions × 50 KB/s × ${seconds} s: durable lag`,
      measured: `lag p50 ${fmt(p50)} ms, p99 ${fmt(p99)} ms, max ${fmt(max)} ms; ${pausedSeen.size} session(s) seen paused`,
      baseline: "—",
      ratio: `p99 ${ratio(p99 / MANY.LAG_P99_LIMIT_MS)} of the limit`,
      target: `p99 ≤ ${MANY.LAG_P99_LIMIT_MS} ms, no session paused`,
      met: p99 <= MANY.LAG_P99_LIMIT_MS && pausedSeen.size === 0 && observer.rejections === 0,
      notes: [
        `${MANY.SESSIONS} perl writers, ${MANY.CHUNK_BYTES} bytes every ${MANY.INTERVAL_MS} ms each (${fmt((MANY.SESSIONS * MANY.CHUNK_BYTES * 1000) / MANY.INTERVAL_MS / 1e6)} MB/s in all), ${fmt(observer.bytes / 1e6)} MB of ${fmt(expectedBytes / 1e6)} MB expected went to the store in ${observer.chunks} chunks; ${fmt(wallS)} s from the start signal to the last ack (spawning took ${fmt(spawnS)} s before; the writers wait for one typed byte so they all start together). Lag = ack seen - chunk timestamp, per chunk, measured through a pass-through proxy in front of the store (adds one hop). Paused checked by ${polls} polls of ListSessions every ${MANY.PAUSE_POLL_MS} ms. Of the lag, before reaching the store (pty-service side): p50 ${fmt(quantile(observer.sendLagsMs, 0.5))} ms, p99 ${fmt(quantile(observer.sendLagsMs, 0.99))} ms; from arrival to ack (store side): p50 ${fmt(quantile(observer.storeLagsMs, 0.5))} ms, p99 ${fmt(quantile(observer.storeLagsMs, 0.99))} ms. Per second of writing, the p99 lag was above ${MANY.LAG_P99_LIMIT_MS} ms in ${slowSeconds.length} of ${timeline.length} seconds (${slowSeconds.join(", ") || "none"}); worst second ${worst.second} at ${fmt(worst.p99)} ms. After the first ${MANY.WARMUP_S} s, p99 ${fmt(steadyP99)} ms over ${steady.length} chunks. Store rejections: ${observer.rejections}. CPU over the run, % of one core: pty-service ${cpuShare("pty")}, store-service ${cpuShare("store")}, PostgreSQL ${cpuShare("postgres")}, suite with the proxy ${cpuShare("suite")}.`,
        snapshotNote,
      ],
      data: { timeline, steadyP99, sendLagP99: quantile(observer.sendLagsMs, 0.99), storeLagP99: quantile(observer.storeLagsMs, 0.99), sessions: MANY.SESSIONS, seconds, chunks: observer.chunks, bytes: observer.bytes, expectedBytes, p50, p99, max, paused: [...pausedSeen], spawnS, wallS },
    };
  } finally {
    polling = false;
    await poller;
    client.close();
    await child.stop();
    await observer.stop();
  }
}
