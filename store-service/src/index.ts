/**
 * store-service: start it in-process (tests, the dev launcher) or through main.ts.
 *
 *   const store = await startStoreService({ config: loadStoreConfig({ DATABASE_URL, STORE_LISTEN: "127.0.0.1:0" }) });
 *   store.address; // "127.0.0.1:<port>"
 *   await store.stop();
 *
 * Start-up: pool, migrations (under an advisory lock), batch writer, gRPC server with health
 * (following PostgreSQL's, see db-health.ts) and reflection. stop() drains in order: stop
 * accepting calls, stop reading AppendOutput streams, write and acknowledge what was read, end
 * those streams, let other calls finish until the grace period ends, then cancel what is left
 * and close the pool.
 */
import { STORE_SERVICE_NAME, createLogger, delay, dialAddress, logListenSecurity, startOptionalMetricsServer, startServer, storeV1, type Logger } from "@ptykeep/proto";
import { StoreMetrics } from "./metrics.js";
import { BatchWriter } from "./batch-writer.js";
import { createPool } from "./db/pool.js";
import { migrate } from "./db/migrate.js";
import { storeHandlers, type AppendStream } from "./service.js";
import { Compactor } from "./compactor.js";
import { Snapshotter } from "./snapshotter.js";
import { Reaper, reaperSettings } from "./reaper.js";
import { countIntervalsByOutcome } from "./sql/unreachable.js";
import { runPeriodically, type PeriodicJob } from "./periodic.js";
import { watchDatabaseHealth } from "./db-health.js";
import type { StoreConfig } from "./config.js";
import { countSessionsByState } from "./sql/session-counts.js";

export { loadStoreConfig, STORE_DEFAULTS, type StoreConfig } from "./config.js";
export { StoreMetrics } from "./metrics.js";

export interface RunningStore {
  port: number;
  /** "127.0.0.1:<port>" (the listen host with the bound port). */
  address: string;
  /** Graceful stop, bounded by graceMs (default STORE_SHUTDOWN_GRACE_MS); idempotent. */
  stop(graceMs?: number): Promise<void>;
  /** The compactor of this process (undefined with STORE_COMPACTOR=off); its stats count its work. */
  compactor: Compactor | undefined;
  /** The screen snapshot job of this process (undefined with STORE_SNAPSHOTTER=off). */
  snapshotter: Snapshotter | undefined;
  /** The reaper of this process (undefined with STORE_REAPER=off). */
  reaper: Reaper | undefined;
  /** This process's Prometheus metrics (served when STORE_METRICS_LISTEN is set). */
  metrics: StoreMetrics;
  /** "host:port" of the /metrics endpoint, when it is on. */
  metricsAddress: string | undefined;
}

/** Share of the grace period given to writing what streams sent before the rest is cancelled. */
const FLUSH_SHARE_OF_GRACE = 0.8;
/** pool.end() waits for connections in use; a hung one must not hold the exit. */
const POOL_CLOSE_TIMEOUT_MS = 2_000;

export async function startStoreService(opts: { config: StoreConfig; log?: Logger }): Promise<RunningStore> {
  const { config } = opts;
  const log = opts.log ?? createLogger("store-service");
  const metrics = new StoreMetrics();
  const pool = createPool({
    databaseUrl: config.databaseUrl,
    max: config.poolSize,
    connectTimeoutMs: config.connectTimeoutMs,
    statementTimeoutMs: config.statementTimeoutMs,
    log,
  });
  try {
    await migrate(pool, log);
  } catch (err) {
    await pool.end().catch(() => {});
    throw err;
  }
  const writer = new BatchWriter({
    pool,
    log,
    flushBytes: config.flushBytes,
    flushMs: config.flushMs,
    maxPendingBytes: config.maxPendingBytes,
    seqWindow: config.seqWindow,
    metrics,
  });
  // Background jobs: every replica runs them; they coordinate through PostgreSQL locks.
  const jobs: PeriodicJob[] = [];
  const snapshotter = config.snapshotter
    ? new Snapshotter({
        pool,
        log,
        metrics,
        everyBytes: config.snapshotEveryBytes,
        everyMs: config.snapshotEveryMs,
        keepEveryBytes: config.snapshotKeepEveryBytes,
        scrollback: config.snapshotScrollback,
        cpuShare: config.snapshotCpuPercent / 100,
      })
    : undefined;
  if (snapshotter) {
    const job = runPeriodically({ name: "snapshotter", intervalMs: config.snapshotIntervalMs, log, run: (signal) => snapshotter.runOnce(signal) });
    jobs.push({ stop: () => job.stop().then(() => snapshotter.close()) });
  }
  const compactor = config.compactor
    ? new Compactor({
        pool,
        log,
        metrics,
        compactAfterMs: config.compactAfterMs,
        retentionBytes: config.retentionBytes,
        retentionMaxAgeMs: config.retentionMaxAgeMs,
        ...(snapshotter ? { screenBeforeTrim: (sessionId: string, atSeq: number, signal: AbortSignal) => snapshotter.snapshotForRetention(sessionId, atSeq, signal) } : {}),
      })
    : undefined;
  if (compactor) jobs.push(runPeriodically({ name: "compactor", intervalMs: config.compactIntervalMs, log, run: (signal) => compactor.runOnce(signal) }));
  const reaper = config.reaper
    ? new Reaper({ pool, log, metrics, ...reaperSettings(config) })
    : undefined;
  if (reaper) {
    const job = runPeriodically({ name: "reaper", intervalMs: config.reaperIntervalMs, log, run: (signal) => reaper.runOnce(signal) });
    jobs.push({ stop: () => job.stop().then(() => reaper.close()) });
  }
  const streams = new Set<AppendStream>();
  const service = storeV1.StoreService.service;
  let server;
  try {
    server = await startServer({
      address: config.listen,
      log,
      services: [{ name: STORE_SERVICE_NAME, definition: service, implementation: storeHandlers({ pool, writer, log, streams, metrics }) }],
      tls: config.security.tls,
      tokens: config.security.tokens,
      metrics,
      // Connections are aged so that clients spread over replicas added after they connected.
      channelOptions: config.maxConnectionAgeMs > 0 ? { "grpc.max_connection_age_ms": config.maxConnectionAgeMs, "grpc.max_connection_age_grace_ms": config.maxConnectionAgeGraceMs } : {},
    });
  } catch (err) {
    await Promise.all(jobs.map((j) => j.stop()));
    await pool.end().catch(() => {});
    throw err;
  }
  const address = dialAddress(config.listen, server.port);
  jobs.push(watchDatabaseHealth({ pool, health: server.health, serviceNames: ["", STORE_SERVICE_NAME], intervalMs: config.healthProbeMs, log }));
  log.info({ address }, "store-service listening");
  logListenSecurity(log, { listen: config.listen, security: config.security });
  metrics.setSources({
    sessionsByState: () => countSessionsByState(pool),
    unreachableIntervals: () => countIntervalsByOutcome(pool),
    pendingBytes: () => writer.waitingBytes,
    openStreams: () => streams.size,
  });
  const metricsServer = await startOptionalMetricsServer({
    listen: config.metricsListen,
    registry: metrics.registry,
    log,
    undo: async () => {
      await server.stop(0);
      await Promise.all(jobs.map((j) => j.stop()));
      await pool.end().catch(() => {});
    },
  });

  let stopping: Promise<void> | undefined;
  const stop = (graceMs = config.shutdownGraceMs) => {
    stopping ??= (async () => {
      const started = Date.now();
      const flushDeadline = started + graceMs * FLUSH_SHARE_OF_GRACE;
      // No new calls from here on; calls in flight carry on until the grace period ends.
      const serverStopped = server.stop(graceMs);
      // Streams stop reading, their chunks are written and acked, then they end: the senders
      // resend anything unacked to another replica.
      const writerClosed = writer.close(flushDeadline);
      await Promise.race([Promise.all([...streams].map((s) => s.finish())), delay(Math.max(0, flushDeadline - Date.now()))]);
      await Promise.all([serverStopped, ...jobs.map((j) => j.stop())]);
      await Promise.race([writerClosed, delay(Math.max(0, started + graceMs - Date.now()))]);
      await Promise.race([pool.end().catch(() => {}), delay(POOL_CLOSE_TIMEOUT_MS)]);
      await metricsServer?.close();
      log.info({ ms: Date.now() - started }, "store-service stopped");
    })();
    return stopping;
  };
  return { port: server.port, address, stop, compactor, snapshotter, reaper, metrics, metricsAddress: metricsServer?.address };
}
