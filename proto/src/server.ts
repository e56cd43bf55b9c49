/**
 * gRPC server bootstrap and handler wrappers shared by both services.
 *
 * - `unary`, `serverStream`, `bidiStream` turn async functions into grpc-js handlers: each call
 *   gets an AbortSignal that fires when the caller goes away, and every thrown error goes through
 *   the one mapping in errors.ts.
 * - `startServer` binds, adds health checking and reflection, and returns a handle whose
 *   `stop()` drains politely (tryShutdown) and then forces after a bounded time, because
 *   tryShutdown waits forever on streams the peer keeps open.
 */
import * as grpc from "@grpc/grpc-js";
import { HealthImplementation } from "grpc-health-check";
import { ReflectionService } from "@grpc/reflection";
import { toStatus } from "./errors.js";
import { authInterceptor, type TokenSet } from "./auth.js";
import type { ServiceMetrics } from "./metrics.js";
import { serverCredentials, type ServerTls } from "./tls.js";
import { HEALTH_SERVICE_NAME, reflectionDefinition } from "./load.js";
import type { Logger } from "./log.js";
import { TRANSPORT } from "./transport.js";

export { TRANSPORT };

export const SERVER_CHANNEL_OPTIONS: grpc.ChannelOptions = {
  "grpc.max_receive_message_length": TRANSPORT.MAX_MESSAGE_BYTES,
  "grpc.max_send_message_length": TRANSPORT.MAX_MESSAGE_BYTES,
  "grpc.keepalive_time_ms": TRANSPORT.KEEPALIVE_TIME_MS,
  "grpc.keepalive_timeout_ms": TRANSPORT.KEEPALIVE_TIMEOUT_MS,
  "grpc.keepalive_permit_without_calls": 1,
  "grpc.http2.min_ping_interval_without_data_ms": TRANSPORT.MIN_PING_INTERVAL_MS,
};

export interface CallContext {
  /** Fires when the caller cancels, its deadline passes, or the server stops. */
  signal: AbortSignal;
  metadata: grpc.Metadata;
  method: string;
}

interface AnyCall {
  metadata: grpc.Metadata;
  /** Set by grpc-js when the call was cancelled, before it emits "cancelled". */
  cancelled?: boolean;
  on(event: "cancelled", listener: () => void): unknown;
  removeListener(event: "cancelled", listener: () => void): unknown;
}

function callContext(call: AnyCall, method: string): { ctx: CallContext; done: () => void } {
  const controller = new AbortController();
  const onCancel = () => controller.abort(new DOMException("call cancelled", "AbortError"));
  call.on("cancelled", onCancel);
  // A cancellation that came before this listener (while an interceptor was still deciding, or
  // before the handler was called) has already fired its event: only the flag tells.
  if (call.cancelled) onCancel();
  return {
    ctx: { signal: controller.signal, metadata: call.metadata, method },
    done: () => call.removeListener("cancelled", onCancel),
  };
}

export function unary<Req, Res>(method: string, log: Logger, fn: (req: Req, ctx: CallContext) => Promise<Res>): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    const { ctx, done } = callContext(call, method);
    fn(call.request, ctx).then(
      (res) => {
        done();
        callback(null, res);
      },
      (err: unknown) => {
        done();
        callback(toStatus(err, method, log));
      },
    );
  };
}

/**
 * Ends a streaming call when its handler settles: end() on success; on failure the mapped status,
 * unless the caller has already gone (then there is no one to tell).
 */
function finishStream(handled: Promise<void>, call: { end(): void; emit(event: "error", err: unknown): unknown }, ctx: CallContext, done: () => void, log: Logger): void {
  handled.then(
    () => {
      done();
      call.end();
    },
    (err: unknown) => {
      done();
      if (!ctx.signal.aborted) call.emit("error", toStatus(err, ctx.method, log));
    },
  );
}

export function serverStream<Req, Res>(
  method: string,
  log: Logger,
  fn: (req: Req, call: grpc.ServerWritableStream<Req, Res>, ctx: CallContext) => Promise<void>,
): grpc.handleServerStreamingCall<Req, Res> {
  return (call) => {
    const { ctx, done } = callContext(call, method);
    finishStream(fn(call.request, call, ctx), call, ctx, done, log);
  };
}

export function bidiStream<Req, Res>(
  method: string,
  log: Logger,
  fn: (call: grpc.ServerDuplexStream<Req, Res>, ctx: CallContext) => Promise<void>,
): grpc.handleBidiStreamingCall<Req, Res> {
  return (call) => {
    const { ctx, done } = callContext(call, method);
    finishStream(fn(call, ctx), call, ctx, done, log);
  };
}

/**
 * Writes one message to a server stream, waiting for 'drain' when grpc-js reports its buffer
 * full, so a slow reader costs us no more than one buffer. Rejects if the call is cancelled.
 */
export function writeMessage<T>(call: grpc.ServerWritableStream<unknown, T> | grpc.ServerDuplexStream<unknown, T>, message: T, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason);
  if (call.write(message)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      call.removeListener("drain", onDrain);
      signal.removeEventListener("abort", onAbort);
    };
    const onDrain = () => {
      cleanup();
      resolve();
    };
    const onAbort = () => {
      cleanup();
      reject(signal.reason);
    };
    call.on("drain", onDrain);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

export interface ServiceBinding {
  name: string;
  definition: grpc.ServiceDefinition;
  implementation: grpc.UntypedServiceImplementation;
}

export interface ServerOptions {
  address: string;
  services: ServiceBinding[];
  log: Logger;
  credentials?: grpc.ServerCredentials;
  /** TLS from files (used when `credentials` is not given); mutual when it has a client CA. */
  tls?: ServerTls;
  /** Bearer tokens every call must carry (health and reflection stay open); see auth.ts. */
  tokens?: TokenSet;
  /** Counts calls by method and status code. */
  metrics?: ServiceMetrics;
  /** Added to (or overriding) SERVER_CHANNEL_OPTIONS. */
  channelOptions?: grpc.ChannelOptions;
}

export interface RunningServer {
  server: grpc.Server;
  /** The bound port (useful when the address asked for port 0). */
  port: number;
  health: HealthImplementation;
  /**
   * Marks the server NOT_SERVING, stops accepting calls, waits up to graceMs for calls in flight
   * to finish, then cancels what is left.
   */
  stop(graceMs: number): Promise<void>;
}

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  // Metrics innermost, so that they also count the calls authentication refuses.
  const interceptors: grpc.ServerInterceptor[] = [];
  if (opts.metrics) interceptors.push(opts.metrics.grpcInterceptor());
  if (opts.tokens) interceptors.push(authInterceptor(opts.tokens));
  const server = new grpc.Server({ ...SERVER_CHANNEL_OPTIONS, ...opts.channelOptions, interceptors });
  for (const service of opts.services) server.addService(service.definition, service.implementation);

  const health = new HealthImplementation({ "": "SERVING", ...Object.fromEntries(opts.services.map((s) => [s.name, "SERVING"])) });
  health.addToServer(server);
  new ReflectionService(reflectionDefinition(), { services: [...opts.services.map((s) => s.name), HEALTH_SERVICE_NAME] }).addToServer(server);

  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(opts.address, opts.credentials ?? serverCredentials(opts.tls), (err, boundPort) => (err ? reject(new Error(`cannot listen on ${opts.address}: ${err.message}`)) : resolve(boundPort)));
  });

  let stopping: Promise<void> | undefined;
  const stop = (graceMs: number) => {
    stopping ??= new Promise<void>((resolve) => {
      health.setStatus("", "NOT_SERVING");
      for (const s of opts.services) health.setStatus(s.name, "NOT_SERVING");
      const force = setTimeout(() => {
        opts.log.warn({ graceMs }, "calls still open after the grace period; cancelling them");
        server.forceShutdown();
        resolve();
      }, graceMs);
      server.tryShutdown(() => {
        clearTimeout(force);
        resolve();
      });
    });
    return stopping;
  };
  return { server, port, health, stop };
}

/**
 * The address clients dial for a server started on `listen`, now bound to `port`: a wildcard host
 * (0.0.0.0, [::]) becomes loopback of the same family; a unix: address stays as it is.
 */
export function dialAddress(listen: string, port: number): string {
  const host = listen.startsWith("unix:") ? listen : listen.slice(0, listen.lastIndexOf(":"));
  return host.startsWith("unix:") ? host : `${host === "0.0.0.0" ? "127.0.0.1" : host === "[::]" ? "[::1]" : host}:${port}`;
}
