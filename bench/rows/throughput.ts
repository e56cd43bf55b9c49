/**
 * Rows 1 and 2: single-session throughput with every byte durable in PostgreSQL (acknowledged),
 * against the same program read by bare node-pty with no persistence, in alternating rounds.
 * Also records how the CPU time of the durable path splits between processes (pty-service,
 * store-service, PostgreSQL, the suite's own polling), which is the first cut of the profile.
 *
 * Two rows come from the same runs: 12, the CPU of every process of the durable path per MB
 * against the bare reader's; and 13, the PostgreSQL WAL written per byte of output for the first
 * realistic session, from before its ingest to after its compaction (pg_current_wal_lsn).
 */
import os from "node:os";
import type { PtyApi, StoreApi } from "@ptykeep/proto";
import type { BenchSystem } from "../lib/system.js";
import { compactAll, type CompactionOutcome } from "../lib/compaction.js";
import { programs, runBare } from "../lib/programs.js";
import { fmt, ratio, type RowResult, type RunContext } from "../lib/result.js";
import { CALL_DEADLINE_MS, cpuSeconds, mbPerS, median, rpc, treeCpuSeconds, waitFor } from "../lib/util.js";

const THROUGHPUT = Object.freeze({
  /** How often the suite asks the store how much is durable; bounds the timing error per run. */
  POLL_MS: 50,
  /** A durable run that takes longer than this is a failure, not a figure. */
  RUN_TIMEOUT_MS: 240_000,
  ROWS: 24,
  COLS: 80,
  /** Row 12: CPU per durable MB of the whole durable path at most this many times the bare reader's. */
  MAX_CPU_VS_BARE: 2.5,
  /** Row 13: WAL bytes per byte of output, ingest plus compaction, at most this. */
  MAX_WAL_PER_BYTE: 0.35,
});

/** The cluster's current WAL insert position, as text (pg_lsn). */
async function walLsn(sys: BenchSystem): Promise<string> {
  const { rows } = await sys.db.query<{ lsn: string }>("SELECT pg_current_wal_lsn()::text AS lsn");
  return rows[0]!.lsn;
}

/** WAL bytes written between two positions. */
async function walBytes(sys: BenchSystem, from: string, to: string): Promise<number> {
  const { rows } = await sys.db.query<{ bytes: string }>("SELECT pg_wal_lsn_diff($2::pg_lsn, $1::pg_lsn)::text AS bytes", [from, to]);
  return Number(rows[0]!.bytes);
}

export interface CpuSplit {
  /** CPU seconds per process over the run. */
  pty: number;
  store: number;
  postgres: number;
  suite: number;
  wallS: number;
}

export interface DurableRun {
  sessionId: string;
  ms: number;
  bytes: number;
  chunks: number;
  cpu: CpuSplit;
  /** The run on the monotonic clock in microseconds (as CPU profiles of any process record it). */
  window: { fromUs: number; toUs: number };
}

export function cpuSnapshot(sys: BenchSystem): { pty: number; store: number; postgres: number; suite: number; at: number } {
  const pgPid = sys.cluster.pid();
  const self = process.cpuUsage();
  return {
    pty: cpuSeconds(sys.pty.pid),
    store: cpuSeconds(sys.store.pid),
    postgres: pgPid ? treeCpuSeconds(pgPid) : Number.NaN,
    suite: (self.user + self.system) / 1e6,
    at: performance.now(),
  };
}

/** Spawns the program through the pty-service; resolves when the store has `bytes` durable. */
export async function durableRun(sys: BenchSystem, file: string, bytes: number): Promise<DurableRun> {
  const before = cpuSnapshot(sys);
  const fromUs = Number(process.hrtime.bigint() / 1000n);
  const started = performance.now();
  const { sessionId } = await rpc<PtyApi.SpawnResponse__Output>(sys.ptyClient, "Spawn", { ...programs.catThenWait(file), rows: THROUGHPUT.ROWS, cols: THROUGHPUT.COLS });
  const session = await waitFor(
    `${bytes} bytes durable`,
    async () => {
      const s = (await rpc<StoreApi.GetSessionResponse__Output>(sys.storeClient, "GetSession", { sessionId })).session!;
      return Number(s.durableBytes) >= bytes ? s : undefined;
    },
    { timeoutMs: THROUGHPUT.RUN_TIMEOUT_MS, intervalMs: THROUGHPUT.POLL_MS },
  );
  const ms = performance.now() - started;
  const toUs = Number(process.hrtime.bigint() / 1000n);
  const after = cpuSnapshot(sys);
  return {
    sessionId,
    ms,
    bytes: Number(session.durableBytes),
    chunks: Number(session.durableSeq),
    cpu: {
      pty: after.pty - before.pty,
      store: after.store - before.store,
      postgres: after.postgres - before.postgres,
      suite: after.suite - before.suite,
      wallS: (after.at - before.at) / 1000,
    },
    window: { fromUs, toUs },
  };
}

/** Ends a session and removes its history (keeps the database small between rounds). */
export async function discardSession(sys: BenchSystem, sessionId: string): Promise<void> {
  await rpc(sys.ptyClient, "Kill", { sessionId }, CALL_DEADLINE_MS).catch(() => {});
  await rpc(sys.storeClient, "DeleteSession", { sessionId, force: true }, CALL_DEADLINE_MS);
}

export interface ThroughputOutcome {
  rows: RowResult[];
  /** Median bare node-pty MB/s on the realistic corpus (row 6's baseline), and its CPU ms per MB. */
  bareRealisticMBs: number;
  bareRealisticCpuMsPerMb: number;
  /** The first durable realistic session, left running (its program waits on input) for rows 6 and 11. */
  historySessionId: string;
  historyBytes: number;
  /** The history session's compaction, done right after its run to measure its WAL (row 13). */
  compaction: CompactionOutcome;
}

export async function runThroughput(
  sys: BenchSystem,
  ctx: RunContext,
  corpus: { realistic: { file: string; bytes: number }; incompressible: { file: string; bytes: number } },
  rounds: number,
): Promise<ThroughputOutcome> {
  const rows: RowResult[] = [];
  let bareRealisticMBs = Number.NaN;
  let bareRealisticCpuMsPerMb = Number.NaN;
  let historySessionId = "";
  let compaction: CompactionOutcome | undefined;
  let wal: { ingest: number; compaction: number; bytes: number; segmentsDuringIngest: number } | undefined;
  let cpuRatio: { realistic: number; incompressible: number; durable: number; bare: number } = { realistic: Number.NaN, incompressible: Number.NaN, durable: Number.NaN, bare: Number.NaN };
  const spec = [
    { id: "1", name: "realistic", corpus: corpus.realistic, target: 0.8 },
    { id: "2", name: "incompressible", corpus: corpus.incompressible, target: 0.5 },
  ] as const;
  for (const s of spec) {
    const bare: number[] = [];
    const bareCpuMsPerMb: number[] = [];
    const durable: DurableRun[] = [];
    for (let round = 0; round < rounds; round++) {
      const b = await runBare({ mode: "throughput", ...programs.catThenWait(s.corpus.file), cwd: sys.dir, bytes: s.corpus.bytes });
      if (b.mode !== "throughput") throw new Error("unexpected bare result");
      bare.push(mbPerS(b.bytes, b.ms));
      bareCpuMsPerMb.push((b.cpuS * 1000) / (b.bytes / 1e6));
      ctx.log(`  row ${s.id} round ${round + 1}: bare node-pty ${fmt(bare.at(-1)!)} MB/s (${b.reads} reads, ${fmt(b.bytes / b.reads, 0)} B each)`);
      const history = s.id === "1" && round === 0;
      const walBefore = history ? await walLsn(sys) : "";
      const d = await durableRun(sys, s.corpus.file, s.corpus.bytes);
      durable.push(d);
      ctx.log(`  row ${s.id} round ${round + 1}: durable ${fmt(mbPerS(d.bytes, d.ms))} MB/s (${d.chunks} chunks)`);
      if (history) {
        historySessionId = d.sessionId;
        // Compacted now rather than before rows 6-8, so that the WAL of this session's whole
        // life in the store (ingest, then compaction) is measured with nothing else running.
        const walIngested = await walLsn(sys);
        // The store's own compactor packs rows older than STORE_COMPACT_AFTER_MS: on a run that
        // slow some of the compaction's WAL falls inside the ingest's window (the sum holds).
        const { rows: early } = await sys.db.query<{ n: string }>("SELECT count(*)::text AS n FROM output_segments WHERE session_id = $1", [d.sessionId]);
        compaction = await compactAll(sys.db);
        const walCompacted = await walLsn(sys);
        wal = { ingest: await walBytes(sys, walBefore, walIngested), compaction: await walBytes(sys, walIngested, walCompacted), bytes: d.bytes, segmentsDuringIngest: Number(early[0]!.n) };
        ctx.log(`  row 13: WAL ${fmt(wal.ingest / 1e6)} MB ingest + ${fmt(wal.compaction / 1e6)} MB compaction for ${fmt(d.bytes / 1e6)} MB of output`);
      } else await discardSession(sys, d.sessionId);
    }
    const bareMed = median(bare);
    const durMBs = durable.map((d) => mbPerS(d.bytes, d.ms));
    const durMed = median(durMBs);
    if (s.id === "1") {
      bareRealisticMBs = bareMed;
      bareRealisticCpuMsPerMb = median(bareCpuMsPerMb);
    }
    const r = durMed / bareMed;
    const mid = durable[durMBs.indexOf(durMed)]!;
    const perMb = (cpu: number) => fmt((cpu / (mid.bytes / 1e6)) * 1000, 1);
    const pathMsPerMb = ((mid.cpu.pty + mid.cpu.store + mid.cpu.postgres) / (mid.bytes / 1e6)) * 1000;
    if (s.id === "1") cpuRatio = { ...cpuRatio, realistic: pathMsPerMb / median(bareCpuMsPerMb), durable: pathMsPerMb, bare: median(bareCpuMsPerMb) };
    else cpuRatio = { ...cpuRatio, incompressible: pathMsPerMb / median(bareCpuMsPerMb) };
    rows.push({
      id: s.id,
      title: `single-session throughput, durable (acked), ${s.name} corpus`,
      measured: `${fmt(durMed)} MB/s`,
      baseline: `${fmt(bareMed)} MB/s bare node-pty`,
      ratio: ratio(r),
      target: `≥ ${s.target}×`,
      met: r >= s.target,
      notes: [
        `${fmt(s.corpus.bytes / 2 ** 20, 0)} MiB, ${rounds} round(s), medians; durable runs: ${durMBs.map((x) => fmt(x)).join(", ")} MB/s; bare: ${bare.map((x) => fmt(x)).join(", ")} MB/s.`,
        `Average stored chunk ${fmt(mid.bytes / mid.chunks / 1024, 1)} KiB. CPU ms per MB (median run): pty-service ${perMb(mid.cpu.pty)}, store-service ${perMb(mid.cpu.store)}, PostgreSQL ${perMb(mid.cpu.postgres)}, suite (polling) ${perMb(mid.cpu.suite)}; total of the durable path ${perMb(mid.cpu.pty + mid.cpu.store + mid.cpu.postgres)} vs ${fmt(median(bareCpuMsPerMb), 1)} for the bare node-pty reader; wall ${fmt(mid.cpu.wallS, 2)} s on ${os.cpus().length} cores.`,
      ],
      data: { bareMBs: bare, bareCpuMsPerMb, durableMBs: durMBs, runs: durable.map(({ sessionId: _id, ...rest }) => rest), bytes: s.corpus.bytes },
    });
  }
  rows.push({
    id: "12",
    title: "CPU ms per durable MB, all processes of the durable path, realistic corpus",
    measured: `${fmt(cpuRatio.durable, 1)} ms/MB (pty-service + store-service + PostgreSQL)`,
    baseline: `${fmt(cpuRatio.bare, 1)} ms/MB bare node-pty reader`,
    ratio: ratio(cpuRatio.realistic),
    target: `≤ ${THROUGHPUT.MAX_CPU_VS_BARE}×`,
    met: cpuRatio.realistic <= THROUGHPUT.MAX_CPU_VS_BARE,
    notes: [
      `Row 1's median durable run against the median bare run (process CPU from /proc, user + system). Incompressible corpus (row 2), same measure: ${ratio(cpuRatio.incompressible)}.`,
    ],
    data: { ...cpuRatio },
  });
  if (!compaction || !wal) throw new Error("the history session was not run");
  const walPerByte = (wal.ingest + wal.compaction) / wal.bytes;
  rows.push({
    id: "13",
    title: "PostgreSQL WAL bytes per byte of output, realistic corpus, ingest plus compaction",
    measured: `${fmt((wal.ingest + wal.compaction) / 1e6)} MB of WAL for ${fmt(wal.bytes / 1e6)} MB`,
    baseline: "—",
    ratio: fmt(walPerByte, 3),
    target: `≤ ${THROUGHPUT.MAX_WAL_PER_BYTE}`,
    met: compaction.compacted ? walPerByte <= THROUGHPUT.MAX_WAL_PER_BYTE : null,
    notes: [
      `pg_current_wal_lsn before the first durable run of row 1, after it, and after the store's Compactor packed that session (every durable row counted as cold): ingest ${fmt(wal.ingest / wal.bytes, 3)}, compaction ${fmt(wal.compaction / wal.bytes, 3)} WAL bytes per byte of output. The whole cluster's WAL: nothing else wrote meanwhile but the store's own housekeeping.`,
      compaction.compacted ? `The Compactor wrote ${compaction.segments} segments in ${fmt(compaction.ms / 1000, 1)} s.` : `${compaction.note}.`,
      wal.segmentsDuringIngest > 0
        ? `The store's own compactor had already written ${wal.segmentsDuringIngest} segments of the session during its run (rows older than STORE_COMPACT_AFTER_MS): their WAL counts in the ingest part.`
        : "The store's own compactor wrote nothing for the session during its run.",
    ],
    data: { ...wal, walPerByte, compaction },
  });
  return { rows, bareRealisticMBs, bareRealisticCpuMsPerMb, historySessionId, historyBytes: corpus.realistic.bytes, compaction };
}
