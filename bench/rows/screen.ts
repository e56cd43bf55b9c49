/**
 * Screen rows (group `screen`): attaching to a ~50 MB session from its screen against the full
 * replay in the same run (bytes before the live tail, time to the first complete screen), the
 * snapshot job's throughput per core, snapshot storage as a share of the compressed history, and
 * ingest with the job on against off (S5).
 *
 * The session is the realistic corpus appended straight to the store while the suite holds the
 * session's lock (then compacted, once the job is done with it), so that the store child's snapshot job does all of its work on
 * the session afterwards, alone: its CPU then is the job's.
 */
import type * as grpc from "@grpc/grpc-js";
import type { PtyApi } from "@ptykeep/proto";
import { COMPACTOR_TUNING } from "../../store-service/src/compactor.js";
import { STORE_DEFAULTS } from "../../store-service/src/config.js";
import { snapshotStorage } from "../../store-service/src/sql/snapshots.js";
import { realisticCorpus } from "../corpus.js";
import { appendChunks, registerStoreSession } from "../lib/append.js";
import { compactAll } from "../lib/compaction.js";
import { fmt, ratio, type RowResult, type RunContext } from "../lib/result.js";
import type { BenchSystem } from "../lib/system.js";
import { mbPerS, median, MiB, quantile, rpc, waitFor } from "../lib/util.js";
import { cpuSnapshot } from "./throughput.js";

const SCREEN = Object.freeze({
  /** The "50 MB session" (as rows 6 and 11): 48 MiB = 50.3 MB. */
  SESSION_BYTES: { quick: 16 * MiB, full: 48 * MiB },
  /** A coalesced PTY read, as the pty-service sends them. */
  CHUNK_BYTES: 64 * 1024,
  /** Targets of the issue. */
  MAX_BYTES_BEFORE_TAIL: 256 * 1024,
  MAX_FIRST_SCREEN_P99_MS: 100,
  /** Attaches from the screen measured (p99 needs a few dozen). */
  SCREEN_TRIES: { quick: 10, full: 40 },
  /** Full replays measured (each sends the whole session). */
  REPLAY_TRIES: { quick: 1, full: 3 },
  SEED: 15,
  ATTACH_TIMEOUT_MS: 300_000,
  /** Row S5: ingest rounds with the job off, then on, alternating (each a fresh session of SESSION_BYTES). */
  INGEST_ROUNDS: { quick: 3, full: 5 },
  /** S5 is "within noise" when the medians differ by at most this share. */
  INGEST_NOISE: 0.1,
});

export async function runScreenRows(sys: BenchSystem, ctx: RunContext): Promise<RowResult[]> {
  const bytes = ctx.quick ? SCREEN.SESSION_BYTES.quick : SCREEN.SESSION_BYTES.full;
  const corpus = realisticCorpus(bytes, SCREEN.SEED);
  const session = await registerStoreSession(sys.storeClient);
  const { sessionId } = session;
  // Keep the store child's snapshot job off this session until the suite's own job runs.
  const holder = await sys.db.connect();
  let released = false;
  const release = async () => {
    if (released) return;
    released = true;
    await holder.query("SELECT pg_advisory_unlock($1::integer, hashtext($2))", [COMPACTOR_TUNING.SESSION_LOCK_CLASS, sessionId]).catch(() => {});
    holder.release();
  };
  try {
    await holder.query("SELECT pg_advisory_lock($1::integer, hashtext($2))", [COMPACTOR_TUNING.SESSION_LOCK_CLASS, sessionId]);
    await appendChunks(sys.storeClient, session, corpus, SCREEN.CHUNK_BYTES);
    ctx.log(`  screen: ${fmt(bytes / MiB, 0)} MiB appended`);

    // The store's own snapshot job takes the session once the lock is released: its CPU over
    // the time it takes to catch up with the whole session is the job's (nothing else runs).
    await release();
    const cpu0 = cpuSnapshot(sys);
    const caughtUp = await waitFor(
      "the snapshot job to reach the end of the session",
      async () => {
        const r = await sys.db.query<{ n: string; raw: string | null; stored: string | null; at: string | null }>(
          "SELECT count(*) AS n, sum(raw_length) AS raw, sum(octet_length(data)) AS stored, max(byte_offset) AS at FROM screen_snapshots WHERE session_id = $1",
          [sessionId],
        );
        const row = r.rows[0]!;
        return Number(row.at ?? 0) > bytes - STORE_DEFAULTS.SNAPSHOT_EVERY_BYTES * 2 ? { snapshots: Number(row.n), raw: Number(row.raw), stored: Number(row.stored) } : undefined;
      },
      { timeoutMs: SCREEN.ATTACH_TIMEOUT_MS, intervalMs: 200 },
    );
    const cpu1 = cpuSnapshot(sys);
    const cpuS = cpu1.store - cpu0.store;
    const wallS = (cpu1.at - cpu0.at) / 1000;
    const perCoreMBs = bytes / 1e6 / cpuS;
    ctx.log(`  screen: the store's job caught up with ${fmt(bytes / MiB, 1)} MiB in ${fmt(wallS, 1)} s, ${fmt(cpuS, 1)} CPU s of the store: ${fmt(perCoreMBs)} MB/s per core`);

    // Compacted once the job is done with it (the compactor skips a session the job holds).
    const compaction = await compactAll(sys.db);
    // Storage: the kept snapshots against the session's stored history.
    const storage = await snapshotStorage(sys.db, sessionId);
    const history = await sys.db.query<{ seg: string | null; raw: string | null }>(
      `SELECT (SELECT sum(octet_length(data)) FROM output_segments WHERE session_id = $1) AS seg,
              (SELECT sum(octet_length(data)) FROM output_chunks WHERE session_id = $1) AS raw`,
      [sessionId],
    );
    const historyStored = Number(history.rows[0]?.seg ?? 0) + Number(history.rows[0]?.raw ?? 0);
    const storageShare = storage.storedBytes / historyStored;

    // Attach from the screen vs the full replay, same session, same run.
    const screenTries = ctx.quick ? SCREEN.SCREEN_TRIES.quick : SCREEN.SCREEN_TRIES.full;
    // Where the time goes, tries interleaved so that all see the same load: the whole Attach
    // through the pty-service; the store's ReadHistory from the screen called directly (the
    // pty-service hop is the difference); and GetSession, which the pty-service asks first.
    const screen: Array<{ ms: number; bytes: number; screenBytes: number }> = [];
    const direct: number[] = [];
    const getSession: number[] = [];
    for (let i = 0; i < screenTries; i++) {
      screen.push(await attachToEnd(sys, sessionId, true));
      direct.push(await readFromScreen(sys, sessionId));
      const t0 = performance.now();
      await rpc(sys.storeClient, "GetSession", { sessionId });
      getSession.push(performance.now() - t0);
    }
    const replay: Array<{ ms: number; bytes: number; screenBytes: number }> = [];
    for (let i = 0; i < (ctx.quick ? SCREEN.REPLAY_TRIES.quick : SCREEN.REPLAY_TRIES.full); i++) replay.push(await attachToEnd(sys, sessionId, false));
    const screenP50 = median(screen.map((s) => s.ms));
    const screenP99 = quantile(
      screen.map((s) => s.ms),
      0.99,
    );
    const replayMs = median(replay.map((r) => r.ms));
    const sent = Math.max(...screen.map((s) => s.bytes + s.screenBytes));
    ctx.log(`  screen: attach from the screen p50 ${fmt(screenP50)} ms p99 ${fmt(screenP99)} ms, ${sent} bytes; full replay ${fmt(replayMs)} ms, ${replay[0]!.bytes} bytes`);
    const breakdown = `store ReadHistory from the screen, called directly: p50 ${fmt(median(direct))} ms, p99 ${fmt(quantile(direct, 0.99))} ms; GetSession p50 ${fmt(median(getSession))} ms, p99 ${fmt(quantile(getSession, 0.99))} ms`;
    ctx.log(`  screen: ${breakdown}`);

    const rows: RowResult[] = [
      {
        id: "S1",
        title: `Attach from the screen to a ${fmt(bytes / 1e6, 0)} MB session: bytes before the live tail`,
        measured: `${fmt(sent / 1024, 0)} KiB (snapshot ${fmt(screen[0]!.screenBytes / 1024, 0)} KiB + ${fmt(screen[0]!.bytes / 1024, 0)} KiB of output after it)`,
        baseline: `${fmt(replay[0]!.bytes / 1e6, 1)} MB with the full replay`,
        ratio: ratio(sent / replay[0]!.bytes, 4),
        target: `≤ ${SCREEN.MAX_BYTES_BEFORE_TAIL / 1024} KiB`,
        met: sent <= SCREEN.MAX_BYTES_BEFORE_TAIL,
        notes: [
          compaction.compacted ? `History compacted first (${compaction.segments} segments).` : `${compaction.note}: raw rows.`,
          "Attach (from_screen) through the pty-service to a session it does not host, so the whole stream comes from the store; bytes are the screen message's data plus every output chunk up to the end of the stored history.",
        ],
        data: { screen, replay },
      },
      {
        id: "S2",
        title: `Attach from the screen to a ${fmt(bytes / 1e6, 0)} MB session: time to the first complete screen`,
        measured: `p50 ${fmt(screenP50)} ms, p99 ${fmt(screenP99)} ms`,
        baseline: `${fmt(replayMs / 1000, 2)} s for the full replay (median of ${replay.length})`,
        ratio: ratio(screenP99 / replayMs, 4),
        target: `p99 ≤ ${SCREEN.MAX_FIRST_SCREEN_P99_MS} ms`,
        met: screenP99 <= SCREEN.MAX_FIRST_SCREEN_P99_MS,
        notes: [
          `From the call to the last byte of stored history (the screen is complete once snapshot and tail are in), ${screenTries} tries; the full replay to its last byte.`,
          `Where the time goes (tries interleaved with the attaches): ${breakdown}.`,
        ],
        data: { screenMs: screen.map((s) => s.ms), replayMs: replay.map((r) => r.ms), directMs: direct, getSessionMs: getSession },
      },
      {
        id: "S3",
        title: "Screen snapshot job throughput",
        measured: `${fmt(perCoreMBs)} MB of output per CPU second`,
        baseline: `${fmt(bytes / 1e6 / wallS)} MB/s wall clock`,
        ratio: "—",
        target: "—",
        met: null,
        notes: [
          `The store child's own snapshot job (defaults: a snapshot every ${STORE_DEFAULTS.SNAPSHOT_EVERY_BYTES / 1024} KiB, ${STORE_DEFAULTS.SNAPSHOT_SCROLLBACK} lines of scrollback), from the moment the session (appended and compacted while the suite held its lock) is released to the moment its newest snapshot is within two intervals of the end; CPU of the store-service process over that time (emulator, serializer, zstd, reads: nothing else runs). Kept after thinning: ${caughtUp.snapshots} snapshots, ${fmt(caughtUp.raw / MiB, 2)} MiB serialised, ${fmt(caughtUp.stored / MiB, 2)} MiB stored.`,
        ],
        data: { cpuS, wallS, ...caughtUp },
      },
      {
        id: "S4",
        title: "Screen snapshot storage / compressed history",
        measured: `${fmt(storage.storedBytes / 1024, 0)} KiB in ${storage.count} snapshots`,
        baseline: `${fmt(historyStored / MiB, 2)} MiB of stored history`,
        ratio: ratio(storageShare, 4),
        target: "—",
        met: null,
        notes: [`Kept after thinning to one per ${STORE_DEFAULTS.SNAPSHOT_KEEP_EVERY_BYTES / MiB} MiB of output (plus the newest).`],
        data: { storage, historyStored },
      },
    ];
    await rpc(sys.storeClient, "DeleteSession", { sessionId, force: true });
    rows.push(await ingestWithJob(sys, ctx, corpus));
    return rows;
  } finally {
    await release();
  }
}

/**
 * Row S5: ingest through the store (AppendOutput from the suite, 64 KiB chunks as the pty-service
 * coalesces them, timed to the last ack: the store's half of row 1's durable path) with the store
 * child's snapshot job off and on, alternating rounds in the same run. "Off" is the job kept off
 * the round's session by holding its lock (the pass still runs, one query and a skipped lock each
 * STORE_SNAPSHOT_INTERVAL_MS); "on" lets it snapshot the session while it is being written. After
 * each round, untimed: the suite waits for the job to be done with the session, then deletes it, so
 * no round pays for the one before. Also the store child's CPU per MB in each mode.
 */
async function ingestWithJob(sys: BenchSystem, ctx: RunContext, corpus: Buffer): Promise<RowResult> {
  const rounds = ctx.quick ? SCREEN.INGEST_ROUNDS.quick : SCREEN.INGEST_ROUNDS.full;
  // The first half is written untimed; the job (on) is then busy with it while the second half is
  // written and timed, since a pass feeds what was durable when it took the session.
  const half = Math.floor(corpus.length / 2 / SCREEN.CHUNK_BYTES) * SCREEN.CHUNK_BYTES;
  const prefix = corpus.subarray(0, half);
  const timed = corpus.subarray(half);
  const result = { off: [] as number[], on: [] as number[], offCpuPerMB: [] as number[], onCpuPerMB: [] as number[], onJobBusyThroughout: [] as boolean[] };
  for (let round = 0; round < rounds; round++) {
    for (const mode of ["off", "on"] as const) {
      const session = await registerStoreSession(sys.storeClient);
      const holder = await sys.db.connect();
      const lock = () => holder.query("SELECT pg_advisory_lock($1::integer, hashtext($2))", [COMPACTOR_TUNING.SESSION_LOCK_CLASS, session.sessionId]);
      const snapshotted = async () => {
        const r = await sys.db.query<{ at: string | null }>("SELECT max(byte_offset) AS at FROM screen_snapshots WHERE session_id = $1", [session.sessionId]);
        return Number(r.rows[0]?.at ?? 0);
      };
      try {
        if (mode === "off") await lock();
        await appendChunks(sys.storeClient, session, prefix, SCREEN.CHUNK_BYTES);
        // On: the job has taken the session once its first snapshot of it is stored.
        if (mode === "on") await waitFor("the snapshot job to take the session", async () => ((await snapshotted()) > 0 ? true : undefined), { timeoutMs: SCREEN.ATTACH_TIMEOUT_MS, intervalMs: 20 });
        const cpu0 = cpuSnapshot(sys);
        const ms = await appendChunks(sys.storeClient, session, timed, SCREEN.CHUNK_BYTES);
        const cpu1 = cpuSnapshot(sys);
        result[mode].push(mbPerS(timed.length, ms));
        result[mode === "off" ? "offCpuPerMB" : "onCpuPerMB"].push((cpu1.store - cpu0.store) / (timed.length / 1e6));
        if (mode === "on") {
          // Still short of the end of the first half at the last ack: the job worked all along.
          result.onJobBusyThroughout.push((await snapshotted()) < half - STORE_DEFAULTS.SNAPSHOT_EVERY_BYTES);
          // Waits out the job's pass over the session, then keeps it off.
          await lock();
        }
        await rpc(sys.storeClient, "DeleteSession", { sessionId: session.sessionId, force: true });
        await holder.query("SELECT pg_advisory_unlock_all()");
      } finally {
        holder.release();
      }
      ctx.log(`  screen S5 round ${round + 1} job ${mode}: ${fmt(result[mode].at(-1)!)} MB/s acked`);
    }
  }
  const off = median(result.off);
  const on = median(result.on);
  const r = on / off;
  const busy = result.onJobBusyThroughout.filter(Boolean).length;
  return {
    id: "S5",
    title: "Ingest through the store with the snapshot job on vs off",
    measured: `${fmt(on)} MB/s acked with the job on (store ${fmt(median(result.onCpuPerMB), 3)} CPU s/MB)`,
    baseline: `${fmt(off)} MB/s with it off (store ${fmt(median(result.offCpuPerMB), 3)} CPU s/MB)`,
    ratio: ratio(r, 2),
    target: `within noise (≥ ${fmt(1 - SCREEN.INGEST_NOISE, 2)}×)`,
    met: r >= 1 - SCREEN.INGEST_NOISE,
    notes: [
      `${fmt(corpus.length / MiB, 0)} MiB of the realistic corpus per round in ${SCREEN.CHUNK_BYTES / 1024} KiB chunks through one AppendOutput stream from the suite (the store's half of row 1's durable path): the first half untimed, the second half timed to its last ack. ${rounds} round(s) per mode, alternating off/on, medians. Off: the round's session locked by the suite, so the store child's job (running, otherwise default settings, STORE_SNAPSHOT_CPU_PERCENT ${process.env.STORE_SNAPSHOT_CPU_PERCENT ?? STORE_DEFAULTS.SNAPSHOT_CPU_PERCENT}) skips it; on: the timed half starts once the job has stored its first snapshot of the session, so it is busy with the first half meanwhile (still busy at the last ack in ${busy} of ${rounds} rounds). Store CPU per MB: over the timed half, the job's share included when on.`,
    ],
    data: result,
  };
}

/** The store's ReadHistory from the screen, called directly: ms to the end of the stream. */
async function readFromScreen(sys: BenchSystem, sessionId: string): Promise<number> {
  const started = performance.now();
  const stream = sys.storeClient.ReadHistory({ sessionId, fromSeq: 0, fromScreen: true });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stream.cancel();
      reject(new Error("ReadHistory did not end in time"));
    }, SCREEN.ATTACH_TIMEOUT_MS);
    stream.on("data", () => {});
    stream.on("error", (err: grpc.ServiceError) => {
      clearTimeout(timer);
      reject(err);
    });
    stream.on("end", () => {
      clearTimeout(timer);
      resolve(performance.now() - started);
    });
  });
}

/** Attach (from the screen or from 0) to a session the pty-service does not host: to the stream's end. */
async function attachToEnd(sys: BenchSystem, sessionId: string, fromScreen: boolean): Promise<{ ms: number; bytes: number; screenBytes: number }> {
  const started = performance.now();
  let bytes = 0;
  let screenBytes = 0;
  const stream = sys.ptyClient.Attach({ sessionId, fromSeq: 0, liveOnly: false, fromScreen });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stream.cancel();
      reject(new Error("Attach did not end in time"));
    }, SCREEN.ATTACH_TIMEOUT_MS);
    stream.on("data", (m: PtyApi.AttachResponse__Output) => {
      if (m.screen) screenBytes += m.screen.data.length;
      if (m.output) bytes += m.output.data.length;
      if (m.start && fromScreen && m.start.screenStatus !== "SCREEN_STATUS_SNAPSHOT") {
        clearTimeout(timer);
        stream.cancel();
        reject(new Error(`no screen snapshot: ${m.start.screenDetail}`));
      }
    });
    stream.on("error", (err: grpc.ServiceError) => {
      clearTimeout(timer);
      reject(err);
    });
    stream.on("end", () => {
      clearTimeout(timer);
      resolve({ ms: performance.now() - started, bytes, screenBytes });
    });
  });
}
