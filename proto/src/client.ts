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

/** A unary call as a promise, with a deadline. */
export function call<Req, Res>(
  client: grpc.Client,
  method: (req: Req, metadata: grpc.Metadata, options: grpc.CallOptions, cb: grpc.requestCallback<Res>) => grpc.ClientUnaryCall,
  req: Req,
  opts: { deadlineMs: number; metadata?: grpc.Metadata; signal?: AbortSignal },
): Promise<Res> {
  return new Promise((resolve, reject) => {
    const unaryCall = method.call(client, req, opts.metadata ?? new grpc.Metadata(), { deadline: Date.now() + opts.deadlineMs }, (err, res) => {
      opts.signal?.removeEventListener("abort", onAbort);
      if (err) reject(err);
      else resolve(res!);
    });
    const onAbort = () => unaryCall.cancel();
    opts.signal?.addEventListener("abort", onAbort, { once: true });
  });
}
