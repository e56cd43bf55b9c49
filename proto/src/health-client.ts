/**
 * A client of the standard gRPC health service (grpc.health.v1.Health/Check), for the image
 * health probe (healthcheck.ts) and for tests that watch a service's health.
 */
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { protoPath } from "grpc-health-check";
import { clientCredentials, type ClientTls } from "./tls.js";
import { callUnary } from "./client.js";

export type HealthStatus = "UNKNOWN" | "SERVING" | "NOT_SERVING" | "SERVICE_UNKNOWN";

/** The Check method as generated clients declare a unary method (see client.ts: callUnary). */
interface HealthClient extends grpc.Client {
  Check(req: { service: string }, metadata: grpc.Metadata, options: grpc.CallOptions, cb: grpc.requestCallback<{ status: HealthStatus }>): grpc.ClientUnaryCall;
  Check(req: { service: string }, cb: grpc.requestCallback<{ status: HealthStatus }>): grpc.ClientUnaryCall;
}
type HealthClientCtor = new (address: string, credentials: grpc.ChannelCredentials, options?: grpc.ChannelOptions) => HealthClient;

let ctor: HealthClientCtor | undefined;
function healthClientCtor(): HealthClientCtor {
  ctor ??= (grpc.loadPackageDefinition(protoLoader.loadSync(protoPath, { enums: String })) as unknown as { grpc: { health: { v1: { Health: HealthClientCtor } } } }).grpc.health.v1.Health;
  return ctor;
}

/**
 * The health status of `service` ("" is the whole server) at `address`. Rejects with the call's
 * error when the server does not answer within deadlineMs (or refuses the service: NOT_FOUND).
 */
export function checkHealth(address: string, opts: { service?: string; tls?: ClientTls; deadlineMs: number }): Promise<HealthStatus> {
  const { credentials, channelOptions } = clientCredentials(opts.tls);
  const client = new (healthClientCtor())(address, credentials, channelOptions);
  return callUnary(client, "Check", { service: opts.service ?? "" }, { deadlineMs: opts.deadlineMs })
    .then((res) => res.status ?? "UNKNOWN")
    .finally(() => client.close());
}
