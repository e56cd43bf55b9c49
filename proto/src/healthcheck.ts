/**
 * A gRPC health probe for container HEALTHCHECKs (the images carry no grpcurl):
 *   tsx proto/src/healthcheck.ts [ADDRESS] [SERVICE]
 * Exits 0 when the server answers SERVING, 1 otherwise, within a short deadline.
 *
 * TLS: HEALTHCHECK_TLS_CA (CA of the server's certificate), HEALTHCHECK_TLS_CERT and
 * HEALTHCHECK_TLS_KEY (a client certificate, when the server requires one), and
 * HEALTHCHECK_TLS_SERVER_NAME; plaintext when none is set. Health needs no token.
 */
import { checkHealth } from "./health-client.js";
import { loadClientTls } from "./tls.js";

/** Long enough for a busy server, short enough for a HEALTHCHECK interval. */
const PROBE_DEADLINE_MS = 3_000;

const [address = "127.0.0.1:50052", service = ""] = process.argv.slice(2);
checkHealth(address, { service, tls: loadClientTls(process.env, "HEALTHCHECK"), deadlineMs: PROBE_DEADLINE_MS }).then(
  (status) => {
    if (status === "SERVING") process.exit(0);
    console.error(`unhealthy: ${address} ${status}`);
    process.exit(1);
  },
  (err: Error) => {
    console.error(`unhealthy: ${address} ${err.message}`);
    process.exit(1);
  },
);
