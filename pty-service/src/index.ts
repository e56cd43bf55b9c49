/**
 * pty-service: start it in-process (tests, the dev launcher) or through main.ts.
 *
 *   const pty = await startPtyService({ config: loadPtyConfig({ STORE_ADDR: store.address, PTY_LISTEN: "127.0.0.1:0" }) });
 *   pty.address; // "127.0.0.1:<port>"
 *   await pty.stop();
 *
 * stop() refuses new sessions, kills the running ones (recorded as KILLED: a node-pty child
 * cannot outlive this process anyway), waits for their last output and exit records to reach the
 * store within the grace period, then closes the store link and the gRPC server.
 */
import { PTY_SERVICE_NAME, createLogger, createStoreClient, delay, dialAddress, logListenSecurity, ptyV1, startOptionalMetricsServer, startServer, type Logger } from "@ptykeep/proto";
import type { PtyConfig } from "./config.js";
import { FlowBudget } from "./flow-control.js";
import { PtyMetrics } from "./metrics.js";
import { SessionRegistry } from "./session-registry.js";
import { ptyHandlers } from "./service.js";
import { StoreLink } from "./store-link.js";

export { loadPtyConfig, TUNING, type PtyConfig } from "./config.js";
export { PtyMetrics } from "./metrics.js";

export interface RunningPty {
  port: number;
  /** "127.0.0.1:<port>" (the listen host with the bound port). */
  address: string;
  /** Graceful stop, bounded by graceMs (default PTY_SHUTDOWN_GRACE_MS); idempotent. */
  stop(graceMs?: number): Promise<void>;
  /** Unacknowledged output held for the store across all sessions, in accounted bytes. */
  unackedBytes(): number;
  /** This process's Prometheus metrics (served when PTY_METRICS_LISTEN is set). */
  metrics: PtyMetrics;
  /** "host:port" of the /metrics endpoint, when it is on. */
  metricsAddress: string | undefined;
}

export async function startPtyService(opts: { config: Readonly<PtyConfig>; log?: Logger }): Promise<RunningPty> {
  const { config } = opts;
  const log = opts.log ?? createLogger("pty-service");
  const store = createStoreClient(config.storeAddr, { tls: config.storeClient.tls, token: config.storeClient.token });
  const metrics = new PtyMetrics();
  const link = new StoreLink({ client: store, log });
  const flow = new FlowBudget(config);
  const registry = new SessionRegistry({ maxSessions: config.maxSessions, endedRetentionMs: config.endedRetentionMs });
  let accepting = true;
  // The node address is known only after binding (port 0); handlers read it through this holder.
  const deps = {
    config,
    registry,
    link,
    flow,
    log,
    store,
    node: config.advertise ?? config.listen,
    maxViewers: config.maxViewers,
    viewerBufferBytes: config.viewerBufferBytes,
    accepting: () => accepting,
    counters: metrics,
  };
  let server;
  try {
    server = await startServer({
      address: config.listen,
      log,
      services: [{ name: PTY_SERVICE_NAME, definition: ptyV1.PtyService.service, implementation: ptyHandlers(deps) }],
      tls: config.security.tls,
      tokens: config.security.tokens,
      metrics,
    });
  } catch (err) {
    link.stop();
    store.close();
    throw err;
  }
  const address = dialAddress(config.listen, server.port);
  deps.node = config.advertise ?? address;
  log.info({ address, store: config.storeAddr }, "pty-service listening");
  logListenSecurity(log, { listen: config.listen, security: config.security });
  metrics.setSources({
    sessions: () =>
      registry.all().map((a) => {
        const info = a.info();
        return { state: a.status, paused: info.paused ?? false, unackedChunks: Math.max(0, Number(info.lastSeq ?? 0) - Number(info.durableSeq ?? 0)), viewers: a.viewerCount };
      }),
    unackedBytes: () => flow.unackedBytes,
    storeConnected: () => link.connected,
  });
  const metricsServer = await startOptionalMetricsServer({
    listen: config.metricsListen,
    registry: metrics.registry,
    log,
    undo: async () => {
      await server.stop(0);
      link.stop();
      store.close();
    },
  });

  let stopping: Promise<void> | undefined;
  const stop = (graceMs = config.shutdownGraceMs) => {
    stopping ??= (async () => {
      const started = Date.now();
      accepting = false;
      // Sessions still registering will not start (Spawn checks `accepting` before starting).
      const live = registry.all().filter((a) => !a.ended && a.status !== "starting");
      log.info({ sessions: live.length }, "stopping: ending sessions");
      const ended = Promise.all(live.map(async (a) => {
        await a.kill();
        // A refused record was logged by the actor; shutdown carries on with the others.
        await a.exitRecorded.catch(() => {});
      }));
      await Promise.race([ended, delay(graceMs)]);
      // Attach streams of ended sessions finish by themselves; give the rest what is left.
      await server.stop(Math.max(0, graceMs - (Date.now() - started)));
      link.stop();
      store.close();
      registry.clear();
      await metricsServer?.close();
      log.info({ ms: Date.now() - started }, "pty-service stopped");
    })();
    return stopping;
  };
  return { port: server.port, address, stop, unackedBytes: () => flow.unackedBytes, metrics, metricsAddress: metricsServer?.address };
}
