/**
 * The store-service's Prometheus metrics: output received and made durable, flush transactions,
 * compaction, retention, the reaper and screen snapshots, plus the sessions recorded and the
 * output pending, read at scrape time. What every service has (process metrics, gRPC calls) and
 * the /metrics endpoint are in @ptykeep/proto's ServiceMetrics.
 */
import { Counter, Gauge, Histogram } from "prom-client";
import { ServiceMetrics } from "@ptykeep/proto";

/** Bucket layouts of the store's histograms, each with its reason. */
export const STORE_METRIC_BUCKETS = Object.freeze({
  /** Flush transactions: a few ms for interactive output, up to the statement timeout. */
  FLUSH_SECONDS: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  /** Batch sizes in bytes: one keystroke echo up to STORE_FLUSH_BYTES and beyond. */
  FLUSH_BYTES: [64, 512, 4096, 16_384, 65_536, 262_144, 1_048_576, 4_194_304, 16_777_216],
  /** Batch sizes in chunks. */
  FLUSH_CHUNKS: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 5000],
  /** Compaction and reaper passes: quick when idle, longer over many sessions. */
  PASS_SECONDS: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300],
});

export interface FlushObservation {
  chunks: number;
  bytes: number;
  seconds: number;
  /** False when the transaction failed (it is retried; the bytes are counted once, when committed). */
  ok: boolean;
}

export interface CompactionObservation {
  /** Segments written by this pass. */
  segments: number;
  /** Raw output bytes those segments hold, and what they take compressed. */
  rawBytes: number;
  compressedBytes: number;
  seconds: number;
}

export interface RetentionObservation {
  /** Sessions whose oldest history was trimmed, and the raw output bytes removed. */
  sessions: number;
  bytes: number;
}

export interface ReaperObservation {
  /** Sessions the store believed alive and asked about. */
  checked: number;
  /** Sessions marked lost by this pass. */
  lost: number;
  /** Lost sessions this pass found running again (their pty-service answers after being unreachable). */
  recovered: number;
  /** pty-services that could not be reached (their sessions are unknown, not lost, until the grace period ends). */
  unreachableNodes: number;
  seconds: number;
}

export interface StoreSources {
  /** Sessions by state (lower-case state names), e.g. from a GROUP BY over the sessions table. */
  sessionsByState?: () => Promise<Record<string, number>>;
  /** Unreachable intervals recorded, by outcome (open, recovered, ended, gone). */
  unreachableIntervals?: () => Promise<Record<string, number>>;
  /** Output bytes read from streams and not yet committed (queued + in flight). */
  pendingBytes?: () => number;
  /** AppendOutput streams open. */
  openStreams?: () => number;
}

export class StoreMetrics extends ServiceMetrics {
  private readonly receivedBytes: Counter;
  private readonly durableBytes: Counter;
  private readonly flushSeconds: Histogram<"outcome">;
  private readonly flushBytes: Histogram;
  private readonly flushChunks: Histogram;
  private readonly compactionSegments: Counter;
  private readonly compactionRawBytes: Counter;
  private readonly compactionCompressedBytes: Counter;
  private readonly compactionSeconds: Histogram;
  private readonly retentionSessions: Counter;
  private readonly retentionBytes: Counter;
  private readonly reaperChecked: Counter;
  private readonly reaperLost: Counter;
  private readonly reaperRecovered: Counter;
  private readonly reaperUnreachable: Gauge;
  private readonly reaperSeconds: Histogram;
  private readonly screenSnapshots: Counter;
  private readonly screenRawBytes: Counter;
  private readonly screenStoredBytes: Counter;
  private readonly screenUnreadable: Counter;

  constructor(opts: { service?: string; processMetrics?: boolean } = {}) {
    super({ service: opts.service ?? "store-service", processMetrics: opts.processMetrics });
    const r = [this.registry];
    this.screenSnapshots = new Counter({ name: "ptykeep_store_screen_snapshots_total", help: "Screen snapshots written by the snapshot job.", registers: r });
    this.screenRawBytes = new Counter({ name: "ptykeep_store_screen_snapshot_raw_bytes_total", help: "Bytes of serialised screens written.", registers: r });
    this.screenStoredBytes = new Counter({ name: "ptykeep_store_screen_snapshot_stored_bytes_total", help: "Bytes those screens take compressed.", registers: r });
    this.screenUnreadable = new Counter({ name: "ptykeep_store_screen_snapshots_unreadable_total", help: "Screen snapshots that did not decode and were skipped (never served).", registers: r });
    this.receivedBytes = new Counter({ name: "ptykeep_store_received_bytes_total", help: "Output bytes received on AppendOutput streams (resent chunks included).", registers: r });
    this.durableBytes = new Counter({ name: "ptykeep_store_durable_bytes_total", help: "Output bytes committed to PostgreSQL by flushes.", registers: r });
    this.flushSeconds = new Histogram({ name: "ptykeep_store_flush_seconds", help: "Duration of batch writer flush transactions, by outcome (ok, failed).", labelNames: ["outcome"], buckets: STORE_METRIC_BUCKETS.FLUSH_SECONDS, registers: r });
    this.flushBytes = new Histogram({ name: "ptykeep_store_flush_bytes", help: "Output bytes per committed flush.", buckets: STORE_METRIC_BUCKETS.FLUSH_BYTES, registers: r });
    this.flushChunks = new Histogram({ name: "ptykeep_store_flush_chunks", help: "Chunks per committed flush.", buckets: STORE_METRIC_BUCKETS.FLUSH_CHUNKS, registers: r });
    this.compactionSegments = new Counter({ name: "ptykeep_store_compaction_segments_total", help: "Compressed segments written by the compactor.", registers: r });
    this.compactionRawBytes = new Counter({ name: "ptykeep_store_compaction_raw_bytes_total", help: "Raw output bytes turned into segments.", registers: r });
    this.compactionCompressedBytes = new Counter({ name: "ptykeep_store_compaction_compressed_bytes_total", help: "Bytes those segments take compressed.", registers: r });
    this.compactionSeconds = new Histogram({ name: "ptykeep_store_compaction_pass_seconds", help: "Duration of compaction passes.", buckets: STORE_METRIC_BUCKETS.PASS_SECONDS, registers: r });
    this.retentionSessions = new Counter({ name: "ptykeep_store_retention_trimmed_sessions_total", help: "Sessions whose oldest history retention removed.", registers: r });
    this.retentionBytes = new Counter({ name: "ptykeep_store_retention_trimmed_bytes_total", help: "Raw output bytes removed by retention.", registers: r });
    this.reaperChecked = new Counter({ name: "ptykeep_store_reaper_checked_sessions_total", help: "Sessions the reaper asked their pty-service about.", registers: r });
    this.reaperLost = new Counter({ name: "ptykeep_store_reaper_lost_sessions_total", help: "Sessions the reaper marked lost.", registers: r });
    this.reaperRecovered = new Counter({ name: "ptykeep_store_reaper_recovered_sessions_total", help: "Lost sessions the reaper found running again once their pty-service answered.", registers: r });
    this.reaperUnreachable = new Gauge({ name: "ptykeep_store_reaper_unreachable_nodes", help: "pty-services the last reaper pass could not reach.", registers: r });
    this.reaperSeconds = new Histogram({ name: "ptykeep_store_reaper_pass_seconds", help: "Duration of reaper passes.", buckets: STORE_METRIC_BUCKETS.PASS_SECONDS, registers: r });
  }

  /** Wires the values read at scrape time (call once, from the service's start-up). */
  setSources(sources: StoreSources): void {
    const { sessionsByState, unreachableIntervals, pendingBytes, openStreams } = sources;
    if (unreachableIntervals) {
      this.sourcedGauge<"outcome">({
        name: "ptykeep_store_unreachable_intervals",
        help: "Times a session's pty-service was unreachable long enough to declare it lost, by outcome (open: still lost; recovered: running again; ended; gone).",
        labelNames: ["outcome"],
        read: async () => Object.entries(await unreachableIntervals()).map(([outcome, value]) => ({ labels: { outcome }, value })),
      });
    }
    if (sessionsByState) {
      this.sourcedGauge<"state">({
        name: "ptykeep_store_sessions",
        help: "Sessions recorded in the store, by state.",
        labelNames: ["state"],
        read: async () => Object.entries(await sessionsByState()).map(([state, value]) => ({ labels: { state }, value })),
      });
    }
    if (pendingBytes) this.sourcedGauge({ name: "ptykeep_store_pending_bytes", help: "Output bytes received and not yet committed (queued and in flight).", read: pendingBytes });
    if (openStreams) this.sourcedGauge({ name: "ptykeep_store_append_streams", help: "Open AppendOutput streams (one per pty-service connection).", read: openStreams });
  }

  received(bytes: number): void {
    this.receivedBytes.inc(bytes);
  }

  flushed(f: FlushObservation): void {
    this.flushSeconds.observe({ outcome: f.ok ? "ok" : "failed" }, f.seconds);
    if (!f.ok) return;
    this.durableBytes.inc(f.bytes);
    this.flushBytes.observe(f.bytes);
    this.flushChunks.observe(f.chunks);
  }

  compacted(c: CompactionObservation): void {
    this.compactionSegments.inc(c.segments);
    this.compactionRawBytes.inc(c.rawBytes);
    this.compactionCompressedBytes.inc(c.compressedBytes);
    this.compactionSeconds.observe(c.seconds);
  }

  retained(r: RetentionObservation): void {
    this.retentionSessions.inc(r.sessions);
    this.retentionBytes.inc(r.bytes);
  }

  screenSnapshotWritten(s: { rawBytes: number; storedBytes: number }): void {
    this.screenSnapshots.inc();
    this.screenRawBytes.inc(s.rawBytes);
    this.screenStoredBytes.inc(s.storedBytes);
  }

  screenSnapshotUnreadable(): void {
    this.screenUnreadable.inc();
  }

  reaped(r: ReaperObservation): void {
    this.reaperChecked.inc(r.checked);
    this.reaperLost.inc(r.lost);
    this.reaperRecovered.inc(r.recovered);
    this.reaperUnreachable.set(r.unreachableNodes);
    this.reaperSeconds.observe(r.seconds);
  }
}
