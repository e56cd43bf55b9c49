/**
 * Rows 1 and 2: single-session throughput with every byte durable in PostgreSQL (acknowledged),
 * against the same program read by bare node-pty with no persistence, in alternating rounds.
 * Also records how the CPU time of the durable path splits between processes (pty-service,
 * store-service, PostgreSQL, the suite's own polling), which is the first cut of the profile.
 */
import os from "node:os";
import type { PtyApi, StoreApi } from "@ptykeep/proto";
import type { BenchSystem } from "../lib/system.js";
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
});

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
      const d = await durableRun(sys, s.corpus.file, s.corpus.bytes);
      durable.push(d);
      ctx.log(`  row ${s.id} round ${round + 1}: durable ${fmt(mbPerS(d.bytes, d.ms))} MB/s (${d.chunks} chunks)`);
      if (s.id === "1" && round === 0) historySessionId = d.sessionId;
      else await discardSession(sys, d.sessionId);
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
  return { rows, bareRealisticMBs, bareRealisticCpuMsPerMb, historySessionId, historyBytes: corpus.realistic.bytes };
}
