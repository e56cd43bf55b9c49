/**
 * Prometheus metrics every service shares (prom-client), served over HTTP at /metrics when
 * `<PREFIX>_METRICS_LISTEN` is set (off by default).
 *
 * Each service owns one Registry (never prom-client's global one: tests and `npm start` run
 * both services, or several stores, in one process). What every service has: process metrics
 * and gRPC calls by method and status code, counted in a server interceptor so that every RPC is
 * covered, refusals by authentication included. Each service adds what it knows in a subclass of
 * its own (store-service/src/metrics.ts, pty-service/src/metrics.ts, web/src/metrics.ts); values
 * that live in objects (sessions, queues) are read at scrape time through source functions
 * (sourcedGauge), so no hot path pays for a metric.
 *
 * Names follow Prometheus conventions: `ptykeep_` prefix, `_total` counters, base units
 * (bytes, seconds).
 */
import http from "node:http";
import * as grpc from "@grpc/grpc-js";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { envListenAddress, joinHostPort, splitHostPort } from "./config.js";
import type { Logger } from "./log.js";

/** Bucket layouts, each with its reason. */
export const METRIC_BUCKETS = Object.freeze({
  /** Unary RPCs: sub-millisecond lookups up to a Kill waiting out its grace periods. */
  RPC_SECONDS: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
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

// ── HTTP endpoint ───────────────────────────────────────────────────────────────────────────────

export interface MetricsServer {
  /** "host:port" actually bound. */
  address: string;
  port: number;
  close(): Promise<void>;
}

/**
 * The endpoint of a service, when `listen` is set. If it cannot start, `undo` stops what the
 * service has started so far, and the error goes on to the caller.
 */
export async function startOptionalMetricsServer(opts: { listen: string | undefined; registry: Registry; log: Logger; undo: () => Promise<void> }): Promise<MetricsServer | undefined> {
  if (!opts.listen) return undefined;
  try {
    return await startMetricsServer({ listen: opts.listen, registry: opts.registry, log: opts.log });
  } catch (err) {
    await opts.undo();
    throw err;
  }
}

/** Serves `GET /metrics` (text exposition format) on `listen` (host:port; port 0 picks one). */
export async function startMetricsServer(opts: { listen: string; registry: Registry; log: Logger }): Promise<MetricsServer> {
  const { host, port } = splitHostPort(opts.listen);
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
  const address = joinHostPort(host, boundPort);
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
