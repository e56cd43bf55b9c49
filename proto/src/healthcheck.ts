/**
 * A gRPC health probe for container HEALTHCHECKs (the images carry no grpcurl):
 *   tsx proto/src/healthcheck.ts [ADDRESS] [SERVICE]
 * Exits 0 when the server answers SERVING, 1 otherwise, within a short deadline.
 *
 * TLS: HEALTHCHECK_TLS_CA (CA of the server's certificate), HEALTHCHECK_TLS_CERT and
 * HEALTHCHECK_TLS_KEY (a client certificate, when the server requires one), and
 * HEALTHCHECK_TLS_SERVER_NAME; plaintext when none is set. Health needs no token.
 */
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { protoPath } from "grpc-health-check";
import { clientCredentials, loadClientTls } from "./tls.js";

/** Long enough for a busy server, short enough for a HEALTHCHECK interval. */
const PROBE_DEADLINE_MS = 3_000;

interface HealthClient extends grpc.Client {
  Check(req: { service: string }, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res?: { status: string }) => void): void;
}

const [address = "127.0.0.1:50052", service = ""] = process.argv.slice(2);
const def = protoLoader.loadSync(protoPath, { enums: String });
const Health = (grpc.loadPackageDefinition(def) as unknown as { grpc: { health: { v1: { Health: new (a: string, c: grpc.ChannelCredentials, o?: grpc.ChannelOptions) => HealthClient } } } }).grpc.health.v1.Health;
const { credentials, channelOptions } = clientCredentials(loadClientTls(process.env, "HEALTHCHECK"));
const client = new Health(address, credentials, channelOptions);
client.Check({ service }, { deadline: Date.now() + PROBE_DEADLINE_MS }, (err, res) => {
  client.close();
  if (err || res?.status !== "SERVING") {
    console.error(`unhealthy: ${address} ${err ? err.message : res?.status}`);
    process.exit(1);
  }
  process.exit(0);
});
