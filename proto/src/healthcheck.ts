/**
 * A gRPC health probe for container HEALTHCHECKs (the images carry no grpcurl):
 *   tsx proto/src/healthcheck.ts [ADDRESS] [SERVICE]
 * Exits 0 when the server answers SERVING, 1 otherwise, within a short deadline.
 */
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { protoPath } from "grpc-health-check";

/** Long enough for a busy server, short enough for a HEALTHCHECK interval. */
const PROBE_DEADLINE_MS = 3_000;

interface HealthClient extends grpc.Client {
  Check(req: { service: string }, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res?: { status: string }) => void): void;
}

const [address = "127.0.0.1:50052", service = ""] = process.argv.slice(2);
const def = protoLoader.loadSync(protoPath, { enums: String });
const Health = (grpc.loadPackageDefinition(def) as unknown as { grpc: { health: { v1: { Health: new (a: string, c: grpc.ChannelCredentials) => HealthClient } } } }).grpc.health.v1.Health;
const client = new Health(address, grpc.credentials.createInsecure());
client.Check({ service }, { deadline: Date.now() + PROBE_DEADLINE_MS }, (err, res) => {
  client.close();
  if (err || res?.status !== "SERVING") {
    console.error(`unhealthy: ${address} ${err ? err.message : res?.status}`);
    process.exit(1);
  }
  process.exit(0);
});
