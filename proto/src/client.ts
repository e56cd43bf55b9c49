/**
 * Typed clients for both services, with the channel options every ptykeep client uses:
 * round-robin over all addresses a target resolves to, keepalive so a dead link is noticed,
 * message size limits that match the servers.
 *
 * A target may be `host:port`, a comma list of `host:port` (several store replicas), or any
 * grpc-js target such as `dns:///store-service:50052`.
 */
import * as grpc from "@grpc/grpc-js";
import { ptyV1, storeV1 } from "./load.js";
import { TRANSPORT } from "./transport.js";
import { bearerInterceptor } from "./auth.js";
import { clientCredentials, type ClientTls } from "./tls.js";
import type { StoreServiceClient } from "./generated/ptykeep/store/v1/StoreService.js";
import type { PtyServiceClient } from "./generated/ptykeep/pty/v1/PtyService.js";

export type { StoreServiceClient, PtyServiceClient };

export const CLIENT_CHANNEL_OPTIONS: grpc.ChannelOptions = {
  "grpc.max_receive_message_length": TRANSPORT.MAX_MESSAGE_BYTES,
  "grpc.max_send_message_length": TRANSPORT.MAX_MESSAGE_BYTES,
  "grpc.keepalive_time_ms": TRANSPORT.KEEPALIVE_TIME_MS,
  "grpc.keepalive_timeout_ms": TRANSPORT.KEEPALIVE_TIMEOUT_MS,
  "grpc.keepalive_permit_without_calls": 1,
  "grpc.service_config": JSON.stringify({ loadBalancingConfig: [{ round_robin: {} }] }),
  // Lets a replica that restarts be reconnected to quickly.
  "grpc.initial_reconnect_backoff_ms": 200,
  "grpc.max_reconnect_backoff_ms": 2_000,
};

/** Turns "a:1,b:2" into a grpc-js target that resolves to both addresses. */
export function toGrpcTarget(address: string): string {
  const trimmed = address.trim();
  if (/^[a-z][a-z0-9+.-]*:/i.test(trimmed) && !/^[^:/]+:\d+$/.test(trimmed.split(",")[0]!)) return trimmed;
  const parts = trimmed.split(",").map((p) => p.trim()).filter(Boolean);
  if (parts.length <= 1) return parts[0] ?? trimmed;
  const scheme = parts.every((p) => p.startsWith("[")) ? "ipv6" : parts.every((p) => /^\d+\.\d+\.\d+\.\d+:\d+$/.test(p)) ? "ipv4" : undefined;
  if (!scheme) throw new Error(`cannot balance over ${address}: a comma list must be all IPv4 or all IPv6 host:port; use a dns: name otherwise`);
  return `${scheme}:${parts.join(",")}`;
}

export interface ClientOptions {
  credentials?: grpc.ChannelCredentials;
  channelOptions?: grpc.ChannelOptions;
  /** TLS from files (used when `credentials` is not given); see tls.ts. */
  tls?: ClientTls;
  /** Bearer token sent with every call (`authorization` metadata); see auth.ts. */
  token?: string;
}

/** Credentials, channel options and interceptors for a client built from ClientOptions. */
function channelSetup(opts: ClientOptions): { credentials: grpc.ChannelCredentials; options: grpc.ClientOptions } {
  const fromTls = clientCredentials(opts.tls);
  const options: grpc.ClientOptions = { ...CLIENT_CHANNEL_OPTIONS, ...fromTls.channelOptions, ...opts.channelOptions };
  if (opts.token) options.interceptors = [bearerInterceptor(opts.token)];
  return { credentials: opts.credentials ?? fromTls.credentials, options };
}

export function createStoreClient(address: string, opts: ClientOptions = {}): StoreServiceClient {
  const { credentials, options } = channelSetup(opts);
  return new storeV1.StoreService(toGrpcTarget(address), credentials, options);
}

export function createPtyClient(address: string, opts: ClientOptions = {}): PtyServiceClient {
  const { credentials, options } = channelSetup(opts);
  return new ptyV1.PtyService(toGrpcTarget(address), credentials, options);
}

// ── calls ─────────────────────────────────────────────────────────────────────────────────
// Every call a ptykeep process makes to another goes through callUnary, callServerStream
// or callDuplex: one place that applies the deadline and the AbortSignal and gives the response
// its generated type. A method is named as the generated client names it ("GetSession" or
// "getSession"); TypeScript reads request and response types from the method's last overload.
//
// A signal that fires ends the call as grpc-js's cancel() does: the call fails with CANCELLED
// ("Cancelled on client"). A signal already aborted when the call is asked for starts nothing
// (callUnary, callServerStream) and fails the same way, so callers see one outcome either way.

/** The last overload of a generated unary method. */
type UnaryFn<Req, Res> = (req: Req, cb: grpc.requestCallback<Res>) => grpc.ClientUnaryCall;
/** The last overload of a generated server-streaming method. */
type ServerStreamFn<Req, Res> = (req: Req, options?: grpc.CallOptions) => grpc.ClientReadableStream<Res>;
/** The last overload of a generated bidirectional-streaming method. */
type DuplexFn<Req, Res> = (options?: grpc.CallOptions) => grpc.ClientDuplexStream<Req, Res>;

/** Names of the client's unary methods. */
export type UnaryMethodName<C> = { [K in keyof C]: C[K] extends UnaryFn<any, any> ? K : never }[keyof C] & string;
/** Names of the client's server-streaming methods (a duplex method has the same shape, less its request). */
export type ServerStreamMethodName<C> = { [K in keyof C]: C[K] extends DuplexFn<any, any> ? never : C[K] extends ServerStreamFn<any, any> ? K : never }[keyof C] & string;
/** Names of the client's bidirectional-streaming methods. */
export type DuplexMethodName<C> = { [K in keyof C]: C[K] extends DuplexFn<any, any> ? K : never }[keyof C] & string;

export type UnaryRequest<F> = F extends UnaryFn<infer Req, infer _Res> ? Req : never;
export type UnaryResponse<F> = F extends UnaryFn<infer _Req, infer Res> ? Res : never;
export type ServerStreamRequest<F> = F extends ServerStreamFn<infer Req, infer _Res> ? Req : never;
export type ServerStreamResponse<F> = F extends ServerStreamFn<infer _Req, infer Res> ? Res : never;
export type DuplexRequest<F> = F extends DuplexFn<infer Req, infer _Res> ? Req : never;
export type DuplexResponse<F> = F extends DuplexFn<infer _Req, infer Res> ? Res : never;

export interface UnaryOptions {
  /** The call fails with DEADLINE_EXCEEDED when the answer has not come this many ms from now. */
  deadlineMs: number;
  /** Ends the call (CANCELLED). */
  signal?: AbortSignal;
  /** Sent with the call, on top of what the client's interceptors add (the bearer token). */
  metadata?: grpc.Metadata;
}

export interface StreamOptions {
  /** The whole stream must end within this many ms; none when not given (a stream may be long-lived). */
  deadlineMs?: number;
  /** Ends the call (CANCELLED). */
  signal?: AbortSignal;
  metadata?: grpc.Metadata;
}

/** Messages of a server stream, in order; iteration throws the call's error. */
export interface ResponseStream<Res> extends AsyncIterable<Res> {
  /** Ends the call; a no-op once it has ended. */
  cancel(): void;
}

/** The error of a call cancelled by its caller, as grpc-js reports one. */
export function cancelledError(): grpc.ServiceError {
  return Object.assign(new Error(`${grpc.status.CANCELLED} CANCELLED: Cancelled on client`), {
    code: grpc.status.CANCELLED,
    details: "Cancelled on client",
    metadata: new grpc.Metadata(),
  });
}

function callOptions(deadlineMs: number | undefined): grpc.CallOptions {
  return deadlineMs === undefined ? {} : { deadline: Date.now() + deadlineMs };
}

/** Cancels `call` when `signal` fires, until the call ends. */
function cancelOnAbort(call: grpc.ClientReadableStream<unknown> | grpc.ClientDuplexStream<unknown, unknown>, signal: AbortSignal | undefined): void {
  if (!signal) return;
  const onAbort = () => call.cancel();
  signal.addEventListener("abort", onAbort, { once: true });
  call.once("status", () => signal.removeEventListener("abort", onAbort));
}

/** A unary call as a promise of its typed response. */
export function callUnary<C extends grpc.Client, M extends UnaryMethodName<C>>(client: C, method: M, req: UnaryRequest<C[M]>, opts: UnaryOptions): Promise<UnaryResponse<C[M]>> {
  type Res = UnaryResponse<C[M]>;
  // The one place a generated method is called by name; its overload with metadata and options.
  const fn = client[method] as (req: UnaryRequest<C[M]>, metadata: grpc.Metadata, options: grpc.CallOptions, cb: grpc.requestCallback<Res>) => grpc.ClientUnaryCall;
  return startUnary((cb) => fn.call(client, req, opts.metadata ?? new grpc.Metadata(), callOptions(opts.deadlineMs), cb), opts.signal);
}

function startUnary<Res>(start: (cb: grpc.requestCallback<Res>) => grpc.ClientUnaryCall, signal: AbortSignal | undefined): Promise<Res> {
  if (signal?.aborted) return Promise.reject(cancelledError());
  return new Promise((resolve, reject) => {
    const onAbort = () => unaryCall.cancel();
    const unaryCall = start((err, res) => {
      signal?.removeEventListener("abort", onAbort);
      if (err) reject(err);
      else resolve(res!);
    });
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** A server-streaming call, started at once; its messages typed. */
export function callServerStream<C extends grpc.Client, M extends ServerStreamMethodName<C>>(client: C, method: M, req: ServerStreamRequest<C[M]>, opts: StreamOptions = {}): ResponseStream<ServerStreamResponse<C[M]>> {
  type Res = ServerStreamResponse<C[M]>;
  if (opts.signal?.aborted) {
    return {
      cancel() {},
      [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(cancelledError()) }),
    };
  }
  const fn = client[method] as (req: ServerStreamRequest<C[M]>, metadata: grpc.Metadata, options: grpc.CallOptions) => grpc.ClientReadableStream<Res>;
  const call = fn.call(client, req, opts.metadata ?? new grpc.Metadata(), callOptions(opts.deadlineMs));
  cancelOnAbort(call, opts.signal);
  return {
    cancel: () => call.cancel(),
    [Symbol.asyncIterator]: (): AsyncIterator<Res> => {
      const messages: AsyncIterator<Res> = call[Symbol.asyncIterator]();
      return {
        // The stream's own promises, passed on: no layer in between on a replay's path.
        next: () => messages.next(),
        // A caller that stops iterating (break, return, a throw in its loop) ends the call:
        // grpc-js would otherwise go on receiving what it no longer reads.
        return: async (value?: unknown) => {
          call.cancel();
          await messages.return?.(value);
          return { done: true, value: undefined };
        },
      };
    },
  };
}

/**
 * A bidirectional-streaming call, typed both ways. A signal already aborted cancels the call as
 * soon as it is made: the stream then reports CANCELLED like any cancelled call.
 */
export function callDuplex<C extends grpc.Client, M extends DuplexMethodName<C>>(client: C, method: M, opts: StreamOptions = {}): grpc.ClientDuplexStream<DuplexRequest<C[M]>, DuplexResponse<C[M]>> {
  const fn = client[method] as (metadata: grpc.Metadata, options: grpc.CallOptions) => grpc.ClientDuplexStream<DuplexRequest<C[M]>, DuplexResponse<C[M]>>;
  const call = fn.call(client, opts.metadata ?? new grpc.Metadata(), callOptions(opts.deadlineMs));
  if (opts.signal?.aborted) call.cancel();
  else cancelOnAbort(call, opts.signal);
  return call;
}

