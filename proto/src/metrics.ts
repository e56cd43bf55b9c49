/**
 * Prometheus metrics for both services (prom-client), served over HTTP at /metrics when
 * `<PREFIX>_METRICS_LISTEN` is set (off by default).
 *
 * Each service owns one Registry (never prom-client's global one: tests and `npm start` run
 * both services, or several stores, in one process). What every service has: process metrics
 * and gRPC calls by method and status code, counted in a server interceptor so that every RPC is
 * covered, refusals by authentication included. StoreMetrics and PtyMetrics add what each
 * service knows; values that live in objects (sessions, queues) are read at scrape time through
 * source functions, so no hot path pays for a metric.
 *
 * Names follow Prometheus conventions: `ptykeep_` prefix, `_total` counters, base units
 * (bytes, seconds).
 */
import http from "node:http";
import * as grpc from "@grpc/grpc-js";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { envListenAddress } from "./config.js";
import type { Logger } from "./log.js";

/** Bucket layouts, each with its reason. */
export const METRIC_BUCKETS = Object.freeze({
  /** Unary RPCs: sub-millisecond lookups up to a Kill waiting out its grace periods. */
  RPC_SECONDS: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  /** Flush transactions: a few ms for interactive output, up to the statement timeout. */
  FLUSH_SECONDS: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  /** Batch sizes in bytes: one keystroke echo up to STORE_FLUSH_BYTES and beyond. */
  FLUSH_BYTES: [64, 512, 4096, 16_384, 65_536, 262_144, 1_048_576, 4_194_304, 16_777_216],
  /** Batch sizes in chunks. */
  FLUSH_CHUNKS: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 5000],
  /** Compaction and reaper passes: quick when idle, longer over many sessions. */
  PASS_SECONDS: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300],
});

/** The parts of a gRPC path used as labels: "ptykeep.pty.v1.PtyService/Spawn" → service, method. */
function splitPath(path: string): { service: string; method: string } {
  const [, service = "", method = ""] = path.split("/");
  return { service, method };
}

export class ServiceMetrics {
  readonly registry = new Registry();
  private readonly grpcHandled: Counter<"grpc_service" | "grpc_method" | "grpc_code">;
  private readonly grpcSeconds: Histogram<"grpc_service" | "grpc_method">;
  private readonly grpcStarted: Counter<"grpc_service" | "grpc_method">;

  constructor(opts: { service: string; processMetrics?: boolean }) {
    this.registry.setDefaultLabels({ service: opts.service });
    if (opts.processMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: "ptykeep_" });
    this.grpcStarted = new Counter({ name: "ptykeep_grpc_server_started_total", help: "gRPC calls started, by method.", labelNames: ["grpc_service", "grpc_method"], registers: [this.registry] });
    this.grpcHandled = new Counter({
      name: "ptykeep_grpc_server_handled_total",
      help: "gRPC calls finished, by method and status code (refusals by authentication included).",
      labelNames: ["grpc_service", "grpc_method", "grpc_code"],
      registers: [this.registry],
    });
    this.grpcSeconds = new Histogram({
      name: "ptykeep_grpc_server_handling_seconds",
      help: "Duration of unary gRPC calls (streams live as long as their peer wants and are not timed).",
      labelNames: ["grpc_service", "grpc_method"],
      buckets: METRIC_BUCKETS.RPC_SECONDS,
      registers: [this.registry],
    });
  }

  /** Counts every call and its final status code. Put it innermost (first) so refusals by outer interceptors are seen. */
  grpcInterceptor(): grpc.ServerInterceptor {
    return (descriptor, call) => {
      const labels = splitPath(descriptor.path);
      const unary = !descriptor.requestStream && !descriptor.responseStream;
      const started = process.hrtime.bigint();
      let done = false;
      const finish = (code: grpc.status) => {
        if (done) return;
        done = true;
        this.grpcHandled.inc({ grpc_service: labels.service, grpc_method: labels.method, grpc_code: grpc.status[code] ?? String(code) });
        if (unary) this.grpcSeconds.observe({ grpc_service: labels.service, grpc_method: labels.method }, Number(process.hrtime.bigint() - started) / 1e9);
      };
      this.grpcStarted.inc({ grpc_service: labels.service, grpc_method: labels.method });
      const listener = new grpc.ServerListenerBuilder()
        .withOnCancel(() => finish(grpc.status.CANCELLED))
        .build();
      const responder = new grpc.ResponderBuilder()
        .withStart((next) => next(listener))
        .withSendStatus((status, next) => {
          finish(status.code);
          next(status);
        })
        .build();
      return new grpc.ServerInterceptingCall(call, responder);
    };
  }

  /** A gauge read at scrape time; `read` returns the value, or values by label. */
  protected sourcedGauge<L extends string>(opts: { name: string; help: string; labelNames?: L[]; read: () => number | Array<{ labels: Partial<Record<L, string>>; value: number }> | Promise<Array<{ labels: Partial<Record<L, string>>; value: number }>> }): Gauge<L> {
    return new Gauge<L>({
      name: opts.name,
      help: opts.help,
      labelNames: opts.labelNames ?? [],
      registers: [this.registry],
      async collect() {
        const value = await opts.read();
        if (typeof value === "number") {
          this.set(value);
          return;
        }
        this.reset();
        for (const v of value) this.set(v.labels, v.value);
      },
    });
  }
}

// ── store-service ───────────────────────────────────────────────────────────────────────────────

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
    this.flushSeconds = new Histogram({ name: "ptykeep_store_flush_seconds", help: "Duration of batch writer flush transactions, by outcome (ok, failed).", labelNames: ["outcome"], buckets: METRIC_BUCKETS.FLUSH_SECONDS, registers: r });
    this.flushBytes = new Histogram({ name: "ptykeep_store_flush_bytes", help: "Output bytes per committed flush.", buckets: METRIC_BUCKETS.FLUSH_BYTES, registers: r });
    this.flushChunks = new Histogram({ name: "ptykeep_store_flush_chunks", help: "Chunks per committed flush.", buckets: METRIC_BUCKETS.FLUSH_CHUNKS, registers: r });
    this.compactionSegments = new Counter({ name: "ptykeep_store_compaction_segments_total", help: "Compressed segments written by the compactor.", registers: r });
    this.compactionRawBytes = new Counter({ name: "ptykeep_store_compaction_raw_bytes_total", help: "Raw output bytes turned into segments.", registers: r });
    this.compactionCompressedBytes = new Counter({ name: "ptykeep_store_compaction_compressed_bytes_total", help: "Bytes those segments take compressed.", registers: r });
    this.compactionSeconds = new Histogram({ name: "ptykeep_store_compaction_pass_seconds", help: "Duration of compaction passes.", buckets: METRIC_BUCKETS.PASS_SECONDS, registers: r });
    this.retentionSessions = new Counter({ name: "ptykeep_store_retention_trimmed_sessions_total", help: "Sessions whose oldest history retention removed.", registers: r });
    this.retentionBytes = new Counter({ name: "ptykeep_store_retention_trimmed_bytes_total", help: "Raw output bytes removed by retention.", registers: r });
    this.reaperChecked = new Counter({ name: "ptykeep_store_reaper_checked_sessions_total", help: "Sessions the reaper asked their pty-service about.", registers: r });
    this.reaperLost = new Counter({ name: "ptykeep_store_reaper_lost_sessions_total", help: "Sessions the reaper marked lost.", registers: r });
    this.reaperRecovered = new Counter({ name: "ptykeep_store_reaper_recovered_sessions_total", help: "Lost sessions the reaper found running again once their pty-service answered.", registers: r });
    this.reaperUnreachable = new Gauge({ name: "ptykeep_store_reaper_unreachable_nodes", help: "pty-services the last reaper pass could not reach.", registers: r });
    this.reaperSeconds = new Histogram({ name: "ptykeep_store_reaper_pass_seconds", help: "Duration of reaper passes.", buckets: METRIC_BUCKETS.PASS_SECONDS, registers: r });
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

// ── pty-service ─────────────────────────────────────────────────────────────────────────────────

export interface PtySessionSample {
  id: string;
  /** Lower-case state: starting, running, exited, killed. */
  state: string;
  paused: boolean;
  /** Output bytes the program wrote so far, and how many of them the store made durable. */
  producedBytes: number;
  durableBytes: number;
  /** Chunks produced and not yet acknowledged by the store. */
  unackedChunks: number;
  viewers: number;
}

export interface PtySources {
  sessions: () => PtySessionSample[];
  /** Unacknowledged output held for the store, all sessions together (flow-control accounting). */
  unackedBytes: () => number;
  /** Whether the AppendOutput stream to the store is open. */
  storeConnected: () => boolean;
}

export class PtyMetrics extends ServiceMetrics {
  constructor(opts: { service?: string; processMetrics?: boolean } = {}) {
    super({ service: opts.service ?? "pty-service", processMetrics: opts.processMetrics });
  }

  /** Wires the values read at scrape time (call once, from the service's start-up). */
  setSources(sources: PtySources): void {
    // Byte counters are derived from per-session totals: a session's growth since the last scrape
    // is added. A session forgotten between two scrapes (ended longer ago than
    // PTY_ENDED_RETENTION_MS) loses only its last increment.
    const seen = new Map<string, { produced: number; durable: number }>();
    let snapshot: PtySessionSample[] = [];
    let takenAt = -1;
    const sample = () => {
      // All collectors of one scrape share one walk over the sessions.
      const now = Date.now();
      if (now !== takenAt) {
        snapshot = sources.sessions();
        takenAt = now;
      }
      return snapshot;
    };
    const advance = () => {
      const current = new Map<string, { produced: number; durable: number }>();
      let produced = 0;
      let durable = 0;
      for (const s of sample()) {
        const before = seen.get(s.id) ?? { produced: 0, durable: 0 };
        produced += Math.max(0, s.producedBytes - before.produced);
        durable += Math.max(0, s.durableBytes - before.durable);
        current.set(s.id, { produced: s.producedBytes, durable: s.durableBytes });
      }
      seen.clear();
      for (const [id, v] of current) seen.set(id, v);
      return { produced, durable };
    };
    // Both counters drain deltas computed once per scrape.
    const pending = { produced: 0, durable: 0 };
    let advancedAt = -1;
    const drain = (key: "produced" | "durable") => {
      const now = Date.now();
      if (now !== advancedAt) {
        advancedAt = now;
        const d = advance();
        pending.produced += d.produced;
        pending.durable += d.durable;
      }
      const value = pending[key];
      pending[key] = 0;
      return value;
    };
    new Counter({
      name: "ptykeep_pty_output_bytes_total",
      help: "Output bytes read from programs' terminals.",
      registers: [this.registry],
      collect() {
        this.inc(drain("produced"));
      },
    });
    new Counter({
      name: "ptykeep_pty_durable_bytes_total",
      help: "Output bytes the store acknowledged as durable.",
      registers: [this.registry],
      collect() {
        this.inc(drain("durable"));
      },
    });
    const STATES = ["starting", "running", "exited", "killed"];
    this.sourcedGauge<"state">({
      name: "ptykeep_pty_sessions",
      help: "Sessions this pty-service hosts, by state (ended ones are kept for PTY_ENDED_RETENTION_MS).",
      labelNames: ["state"],
      read: () => {
        const counts = new Map(STATES.map((s) => [s, 0]));
        for (const s of sample()) counts.set(s.state, (counts.get(s.state) ?? 0) + 1);
        return [...counts].map(([state, value]) => ({ labels: { state }, value }));
      },
    });
    this.sourcedGauge({ name: "ptykeep_pty_paused_sessions", help: "Sessions whose terminal is paused waiting for the store to catch up.", read: () => sample().filter((s) => s.paused).length });
    this.sourcedGauge({ name: "ptykeep_pty_unacked_bytes", help: "Output held for the store and not yet acknowledged (ack lag in bytes, flow-control accounting).", read: sources.unackedBytes });
    this.sourcedGauge({ name: "ptykeep_pty_unacked_chunks", help: "Output chunks not yet acknowledged by the store, all sessions together (ack lag in chunks).", read: () => sample().reduce((n, s) => n + s.unackedChunks, 0) });
    this.sourcedGauge({ name: "ptykeep_pty_viewers", help: "Attach streams open.", read: () => sample().reduce((n, s) => n + s.viewers, 0) });
    this.sourcedGauge({ name: "ptykeep_pty_store_connected", help: "1 while the output stream to the store is open.", read: () => (sources.storeConnected() ? 1 : 0) });
  }
}

// ── HTTP endpoint ───────────────────────────────────────────────────────────────────────────────

export interface MetricsServer {
  /** "host:port" actually bound. */
  address: string;
  port: number;
  close(): Promise<void>;
}

/** Serves `GET /metrics` (text exposition format) on `listen` (host:port; port 0 picks one). */
export async function startMetricsServer(opts: { listen: string; registry: Registry; log: Logger }): Promise<MetricsServer> {
  const host = opts.listen.slice(0, opts.listen.lastIndexOf(":")).replace(/^\[|\]$/g, "");
  const port = Number(opts.listen.slice(opts.listen.lastIndexOf(":") + 1));
  const server = http.createServer((req, res) => {
    if (req.method !== "GET" || (req.url ?? "").split("?")[0] !== "/metrics") {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found; metrics are at /metrics\n");
      return;
    }
    opts.registry.metrics().then(
      (text) => res.writeHead(200, { "content-type": opts.registry.contentType }).end(text),
      (err: unknown) => {
        opts.log.error({ err }, "metrics collection failed");
        res.writeHead(500, { "content-type": "text/plain" }).end("metrics collection failed; see the service log\n");
      },
    );
  });
  // A scrape is one short request: do not let idle keep-alive sockets hold a shutdown.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err) => reject(new Error(`cannot serve metrics on ${opts.listen}: ${err.message}`)));
    server.listen(port, host, () => resolve());
  });
  // Past start-up an error of the endpoint is logged; it never takes the service down.
  server.on("error", (err) => opts.log.error({ err }, "metrics endpoint error"));
  const bound = server.address();
  const boundPort = typeof bound === "object" && bound ? bound.port : port;
  const address = `${host.includes(":") ? `[${host}]` : host}:${boundPort}`;
  opts.log.info({ address }, "metrics at http://" + address + "/metrics");
  return {
    address,
    port: boundPort,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** `<name>`: host:port for the metrics endpoint, or undefined (off) when unset or "off". */
export function envMetricsListen(env: Record<string, string | undefined>, name: string): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === "" || /^(off|false|no|0)$/i.test(raw)) return undefined;
  return envListenAddress(env, name, raw);
}
