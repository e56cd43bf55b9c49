/**
 * Rows on stored history: 7 (stored/raw bytes after compaction vs the whole corpus compressed as
 * one file), 6 (ReadHistory throughput of the ~50 MB session vs bare node-pty), 11 (Attach to that
 * session at the live edge and from the start) and 8 (append cost with 50 MB of history vs 1 MB).
 * All of them measure compacted history when the store can compact, raw rows otherwise.
 */
import { readFileSync } from "node:fs";
import zlib from "node:zlib";
import type * as grpc from "@grpc/grpc-js";
import type { PtyApi, StoreApi } from "@ptykeep/proto";
import { compress, DEFAULT_CODEC } from "../../store-service/src/codec.js";
import { realisticCorpus } from "../corpus.js";
import { appendChunks, registerStoreSession } from "../lib/append.js";
import { compactAll, type CompactionOutcome } from "../lib/compaction.js";
import { fmt, ratio, type RowResult, type RunContext } from "../lib/result.js";
import type { BenchSystem } from "../lib/system.js";
import { mbPerS, median, MiB, quantile, rpc } from "../lib/util.js";
import { cpuSnapshot } from "./throughput.js";

const HISTORY = Object.freeze({
  /** Row 7's target: stored/raw at most this, and at most this many times the whole-file ratio. */
  MAX_STORED_RATIO: 0.2,
  MAX_VS_WHOLE_FILE: 1.25,
  /** Row 6: replay at least this many times faster than a PTY produces output. */
  MIN_REPLAY_VS_PTY: 1.5,
  /** Row 11: attach at the live edge within this. */
  LIVE_ATTACH_LIMIT_MS: 50,
  LIVE_ATTACH_TRIES: { quick: 10, full: 30 },
  /** Row 8: history sizes compared, bytes appended per measurement, chunk size (a coalesced PTY read). */
  SMALL_HISTORY_BYTES: 1 * MiB,
  APPEND_BYTES: { quick: 8 * MiB, full: 16 * MiB },
  APPEND_CHUNK_BYTES: 64 * 1024,
  APPEND_ROUNDS: { quick: 2, full: 3 },
  MAX_APPEND_RATIO: 1.2,
  /** A replay that takes longer than this is broken. */
  READ_TIMEOUT_MS: 300_000,
  SEED: 8,
});

/** Row 7's measure, from the database: bytes kept for a session as rows and as segments. */
async function storedBytes(sys: BenchSystem, sessionId: string): Promise<{ raw: number; rowsData: number; segmentData: number; segmentIndex: number; segmentRaw: number }> {
  const rows = await sys.db.query<{ raw: string | null; stored: string | null }>(
    "SELECT sum(octet_length(data)) AS raw, sum(pg_column_size(data)) AS stored FROM output_chunks WHERE session_id = $1",
    [sessionId],
  );
  let segmentData = 0;
  let segmentIndex = 0;
  let segmentRaw = 0;
  const hasSegments = await sys.db.query("SELECT 1 FROM pg_class WHERE relname = 'output_segments'");
  if (hasSegments.rowCount) {
    const seg = await sys.db.query<{ data: string | null; idx: string | null; raw: string | null }>(
      "SELECT sum(octet_length(data)) AS data, sum(pg_column_size(s.*) - pg_column_size(data)) AS idx, sum(byte_length) AS raw FROM output_segments s WHERE session_id = $1",
      [sessionId],
    );
    segmentData = Number(seg.rows[0]?.data ?? 0);
    segmentIndex = Number(seg.rows[0]?.idx ?? 0);
    segmentRaw = Number(seg.rows[0]?.raw ?? 0);
  }
  return { raw: Number(rows.rows[0]?.raw ?? 0) + segmentRaw, rowsData: Number(rows.rows[0]?.stored ?? 0), segmentData, segmentIndex, segmentRaw };
}

export async function readHistory(sys: BenchSystem, sessionId: string): Promise<{ ms: number; firstMs: number; bytes: number; end: string }> {
  const started = performance.now();
  let firstMs = Number.NaN;
  let bytes = 0;
  let end = "";
  const stream = sys.storeClient.ReadHistory({ sessionId, fromSeq: 0 });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      stream.cancel();
      reject(new Error("ReadHistory did not finish"));
    }, HISTORY.READ_TIMEOUT_MS);
    stream.on("data", (m: StoreApi.ReadHistoryResponse__Output) => {
      if (m.output) {
        if (bytes === 0) firstMs = performance.now() - started;
        bytes += m.output.data.length;
      }
      if (m.end) end = m.end.reason;
    });
    stream.on("end", () => {
      clearTimeout(timer);
      resolve();
    });
    stream.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
  return { ms: performance.now() - started, firstMs, bytes, end };
}

/** Attach; resolves at the start message (live edge) or after `untilBytes` of output. */
async function attachTimed(sys: BenchSystem, sessionId: string, opts: { liveOnly: boolean; untilBytes: number }): Promise<{ startMs: number; firstMs: number; ms: number; bytes: number }> {
  const started = performance.now();
  let startMs = Number.NaN;
  let firstMs = Number.NaN;
  let bytes = 0;
  const stream = sys.ptyClient.Attach({ sessionId, fromSeq: 0, liveOnly: opts.liveOnly });
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      stream.cancel();
      resolve({ startMs, firstMs, ms: performance.now() - started, bytes });
    };
    const timer = setTimeout(() => {
      done = true;
      stream.cancel();
      reject(new Error("Attach did not deliver in time"));
    }, HISTORY.READ_TIMEOUT_MS);
    stream.on("data", (m: PtyApi.AttachResponse__Output) => {
      if (m.start) startMs = performance.now() - started;
      if (m.output) {
        if (bytes === 0) firstMs = performance.now() - started;
        bytes += m.output.data.length;
      }
      if (m.start && opts.untilBytes === 0) finish();
      else if (bytes >= opts.untilBytes) finish();
    });
    stream.on("error", (err: grpc.ServiceError) => {
      if (done && err.code === 1) return;
      clearTimeout(timer);
      if (!done) reject(err);
    });
  });
}

/** How often watchBackground looks at what PostgreSQL runs besides the store's own queries. */
const BACKGROUND_POLL_MS = 50;

/**
 * Runs fn and reports the PostgreSQL background work that overlapped it: autovacuum workers seen
 * in pg_stat_activity (polled), and checkpoints completed (pg_stat_bgwriter before and after).
 */
async function watchBackground<T>(sys: BenchSystem, fn: () => Promise<T>): Promise<{ result: T; events: string[] }> {
  // PostgreSQL 17 moved the checkpoint counters from pg_stat_bgwriter to pg_stat_checkpointer.
  const { rows: where } = await sys.db.query<{ v17: boolean }>("SELECT to_regclass('pg_catalog.pg_stat_checkpointer') IS NOT NULL AS v17");
  const counter = where[0]!.v17
    ? "SELECT (num_timed + num_requested)::text AS n FROM pg_stat_checkpointer"
    : "SELECT (checkpoints_timed + checkpoints_req)::text AS n FROM pg_stat_bgwriter";
  const checkpoints = async () => Number((await sys.db.query<{ n: string }>(counter)).rows[0]!.n);
  const before = await checkpoints();
  const vacuumed = new Set<string>();
  let running = true;
  const poll = (async () => {
    while (running) {
      const { rows } = await sys.db.query<{ what: string }>(
        `SELECT coalesce(v.relid::regclass::text, nullif(a.query, ''), 'starting') AS what
         FROM pg_stat_activity a LEFT JOIN pg_stat_progress_vacuum v USING (pid) WHERE a.backend_type = 'autovacuum worker'`,
      );
      for (const r of rows) vacuumed.add(r.what.replace(/^autovacuum:\s*/, ""));
      await new Promise((resolve) => setTimeout(resolve, BACKGROUND_POLL_MS));
    }
  })();
  try {
    const result = await fn();
    const events = [...vacuumed].map((q) => `autovacuum (${q})`);
    const done = (await checkpoints()) - before;
    if (done > 0) events.push(`${done} checkpoint(s)`);
    return { result, events };
  } finally {
    running = false;
    await poll;
  }
}

function compactionNote(c: CompactionOutcome): string {
  return c.compacted ? `History compacted by the store's Compactor first (${c.segments} segments in ${fmt(c.ms / 1000, 1)} s).` : `${c.note}: measured on raw rows.`;
}

export async function runHistoryRows(
  sys: BenchSystem,
  ctx: RunContext,
  input: { sessionId: string; bytes: number; corpusFile: string; bareRealisticMBs: number; bareRealisticCpuMsPerMb: number; compaction?: CompactionOutcome },
): Promise<RowResult[]> {
  const rows: RowResult[] = [];
  // Row 13 compacts the session right after writing it; otherwise it is compacted here.
  const compaction = input.compaction ?? (await compactAll(sys.db));
  ctx.log(`  compaction: ${compaction.compacted ? `${compaction.segments} segments in ${fmt(compaction.ms)} ms` : compaction.note}`);

  // Row 7: bytes kept vs the same corpus compressed as one file.
  const corpus = readFileSync(input.corpusFile);
  const gzipWhole = zlib.gzipSync(corpus, { level: 6 }).length / corpus.length;
  const codecWhole = (await compress(DEFAULT_CODEC, corpus)).length / corpus.length;
  const kept = await storedBytes(sys, input.sessionId);
  const storedTotal = kept.rowsData + kept.segmentData + kept.segmentIndex;
  const storedRatio = storedTotal / kept.raw;
  const vsWhole = storedRatio / codecWhole;
  const vsGzip = storedRatio / gzipWhole;
  rows.push({
    id: "7",
    title: "stored / raw bytes after compaction, realistic corpus",
    measured: `${fmt(storedRatio, 4)}`,
    baseline: `gzip -6 whole file ${fmt(gzipWhole, 4)}; ${DEFAULT_CODEC} (codec.ts) whole file ${fmt(codecWhole, 4)}`,
    ratio: `${ratio(vsWhole)} ${DEFAULT_CODEC} whole file; ${ratio(vsGzip)} gzip -6`,
    target: `≤ ${HISTORY.MAX_STORED_RATIO}, and ≤ ${HISTORY.MAX_VS_WHOLE_FILE}× the whole-file ratio`,
    met: compaction.compacted ? storedRatio <= HISTORY.MAX_STORED_RATIO && vsWhole <= HISTORY.MAX_VS_WHOLE_FILE && vsGzip <= HISTORY.MAX_VS_WHOLE_FILE : null,
    notes: [
      compactionNote(compaction),
      `${fmt(kept.raw / MiB, 1)} MiB raw output of the row-1 session: raw rows ${fmt(kept.rowsData / MiB, 2)} MiB, segment data ${fmt(kept.segmentData / MiB, 2)} MiB, segment index and columns ${fmt(kept.segmentIndex / MiB, 3)} MiB (all counted as stored). Table and index pages are not counted.`,
    ],
    data: { compaction, kept, storedRatio, gzipWhole, codecWhole },
  });

  // Row 6: replay speed of the whole session from the store.
  const cpu0 = cpuSnapshot(sys);
  const read = await readHistory(sys, input.sessionId);
  const cpu1 = cpuSnapshot(sys);
  const readMBs = mbPerS(read.bytes, read.ms);
  const perMb = (a: number, b: number) => ((b - a) * 1000) / (read.bytes / 1e6);
  const readCpu = { store: perMb(cpu0.store, cpu1.store), postgres: perMb(cpu0.postgres, cpu1.postgres), reader: perMb(cpu0.suite, cpu1.suite) };
  const r6 = readMBs / input.bareRealisticMBs;
  ctx.log(`  row 6: ReadHistory ${fmt(readMBs)} MB/s (${read.bytes} bytes, end ${read.end})`);
  rows.push({
    id: "6",
    title: `ReadHistory of a ${fmt(input.bytes / 1e6, 0)} MB session${compaction.compacted ? " (compacted)" : ""}`,
    measured: `${fmt(readMBs)} MB/s`,
    baseline: `${fmt(input.bareRealisticMBs)} MB/s bare node-pty (row 1's baseline)`,
    ratio: ratio(r6),
    target: `≥ ${HISTORY.MIN_REPLAY_VS_PTY}×`,
    met: compaction.compacted ? r6 >= HISTORY.MIN_REPLAY_VS_PTY : null,
    notes: [
      compactionNote(compaction),
      `One ReadHistory call from seq 0 by a client in the suite's process; first output after ${fmt(read.firstMs, 1)} ms; ended ${read.end}. ${read.bytes === input.bytes ? "All bytes returned." : `Returned ${read.bytes} of ${input.bytes} bytes.`}`,
      `CPU ms per MB replayed: store-service ${fmt(readCpu.store)}, PostgreSQL ${fmt(readCpu.postgres)}, the reading client ${fmt(readCpu.reader)}; the bare node-pty reader spends ${fmt(input.bareRealisticCpuMsPerMb)}.`,
    ],
    data: { ...read, mbPerS: readMBs, cpuMsPerMb: readCpu },
  });

  // Row 11: Attach to the same (still running) session.
  const tries = ctx.quick ? HISTORY.LIVE_ATTACH_TRIES.quick : HISTORY.LIVE_ATTACH_TRIES.full;
  const live: number[] = [];
  for (let i = 0; i < tries; i++) live.push((await attachTimed(sys, input.sessionId, { liveOnly: true, untilBytes: 0 })).startMs);
  const fromStart = await attachTimed(sys, input.sessionId, { liveOnly: false, untilBytes: input.bytes });
  const liveP50 = median(live);
  const liveP99 = quantile(live, 0.99);
  ctx.log(`  row 11: live edge p50 ${fmt(liveP50, 2)} ms; from start: first byte ${fmt(fromStart.firstMs, 1)} ms, all ${fmt(fromStart.ms)} ms`);
  rows.push({
    id: "11",
    title: `Attach to a ${fmt(input.bytes / 1e6, 0)} MB session: live edge / from the start`,
    measured: `live edge p50 ${fmt(liveP50, 2)} ms, p99 ${fmt(liveP99, 2)} ms; from start: first byte ${fmt(fromStart.firstMs, 1)} ms, whole history ${fmt(fromStart.ms / 1000, 2)} s (${fmt(mbPerS(fromStart.bytes, fromStart.ms))} MB/s)`,
    baseline: "—",
    ratio: `live p99 ${ratio(liveP99 / HISTORY.LIVE_ATTACH_LIMIT_MS)} of the limit`,
    target: `live edge ≤ ${HISTORY.LIVE_ATTACH_LIMIT_MS} ms`,
    met: liveP99 <= HISTORY.LIVE_ATTACH_LIMIT_MS,
    notes: [
      compactionNote(compaction),
      `Live edge: Attach(live_only) to the start message, ${tries} tries. From the start: Attach(from_seq 0), replay through the pty-service from the store then its memory.`,
    ],
    data: { liveMs: live, fromStart },
  });

  // Row 8: the cost of appending to a session with a long history vs a short one.
  const appendBytes = ctx.quick ? HISTORY.APPEND_BYTES.quick : HISTORY.APPEND_BYTES.full;
  // History is the row-1 corpus; what is appended is fresh output of the same kind.
  const fresh = realisticCorpus(appendBytes * 2, HISTORY.SEED);
  const small = await registerStoreSession(sys.storeClient);
  const large = await registerStoreSession(sys.storeClient);
  await appendChunks(sys.storeClient, small, corpus.subarray(0, HISTORY.SMALL_HISTORY_BYTES), HISTORY.APPEND_CHUNK_BYTES);
  await appendChunks(sys.storeClient, large, corpus, HISTORY.APPEND_CHUNK_BYTES);
  const compaction8 = await compactAll(sys.db);
  // The compaction just deleted ~50 MB of rows: settle the vacuum and checkpoint it calls for
  // now, so that they do not land inside one of the short timed appends below.
  await sys.db.query("VACUUM output_chunks");
  await sys.db.query("CHECKPOINT");
  const rounds = ctx.quick ? HISTORY.APPEND_ROUNDS.quick : HISTORY.APPEND_ROUNDS.full;
  const smallMs: number[] = [];
  const largeMs: number[] = [];
  const background: string[] = [];
  for (let round = 0; round < rounds; round++) {
    const piece = fresh.subarray((round % 2) * appendBytes, ((round % 2) + 1) * appendBytes);
    // Alternate which session goes first, so that neither always follows the other's writes.
    const order = round % 2 === 0 ? (["small", "large"] as const) : (["large", "small"] as const);
    for (const which of order) {
      const seen = await watchBackground(sys, () => appendChunks(sys.storeClient, which === "small" ? small : large, piece, HISTORY.APPEND_CHUNK_BYTES));
      (which === "small" ? smallMs : largeMs).push(seen.result);
      if (seen.events.length > 0) background.push(`round ${round + 1} ${which}: ${seen.events.join(", ")}`);
    }
    ctx.log(`  row 8 round ${round + 1}: 1 MiB history ${fmt(smallMs.at(-1)!)} ms, ${fmt(input.bytes / MiB, 0)} MiB history ${fmt(largeMs.at(-1)!)} ms`);
  }
  const r8 = median(largeMs) / median(smallMs);
  rows.push({
    id: "8",
    title: `append cost with ${fmt(input.bytes / 1e6, 0)} MB of history vs 1 MB`,
    measured: `${fmt(mbPerS(appendBytes, median(largeMs)))} MB/s (${fmt(median(largeMs), 0)} ms per ${appendBytes / MiB} MiB)`,
    baseline: `${fmt(mbPerS(appendBytes, median(smallMs)))} MB/s (${fmt(median(smallMs), 0)} ms) with 1 MiB of history`,
    ratio: `${ratio(r8)} time`,
    target: `≤ ${HISTORY.MAX_APPEND_RATIO}×`,
    met: compaction8.compacted ? r8 <= HISTORY.MAX_APPEND_RATIO : null,
    notes: [
      compactionNote(compaction8),
      `Two sessions written straight to the store's AppendOutput (${HISTORY.APPEND_CHUNK_BYTES / 1024} KiB chunks of the realistic corpus, acked), one with 1 MiB of history and one with ${fmt(input.bytes / MiB, 0)} MiB; VACUUM and CHECKPOINT after the compaction; then ${appendBytes / MiB} MiB appended to each in turn (first one, then the other first), ${rounds} rounds, medians: 1 MiB ${smallMs.map((x) => fmt(x, 0)).join(", ")} ms; ${fmt(input.bytes / MiB, 0)} MiB ${largeMs.map((x) => fmt(x, 0)).join(", ")} ms.`,
      `PostgreSQL background work seen during a timed append: ${background.length > 0 ? background.join("; ") : "none"}.`,
    ],
    data: { smallMs, largeMs, appendBytes, compaction: compaction8, background },
  });
  for (const s of [small, large]) await rpc(sys.storeClient, "DeleteSession", { sessionId: s.sessionId, force: true });
  return rows;
}
