/**
 * Container health check of the web gateway: GET /healthz on its own listen port, inside the
 * container. Exit 0 when it answers 200 (serving), 1 otherwise (stopping, down).
 *
 *   node web/dist/healthcheck.js [port]      (built; default: the port of WEB_LISTEN, or 8080)
 *
 * With WEB_TLS_CERT set it speaks HTTPS to 127.0.0.1 without checking the certificate: the
 * certificate names the public host, and this probe only asks whether the process in this same
 * container answers.
 */
import http from "node:http";
import https from "node:https";

const PROBE_TIMEOUT_MS = 4_000;
const listen = process.env.WEB_LISTEN ?? "127.0.0.1:8080";
const port = Number(process.argv[2] ?? listen.slice(listen.lastIndexOf(":") + 1));
const tls = Boolean(process.env.WEB_TLS_CERT);
const req = (tls ? https : http).get({ host: "127.0.0.1", port, path: "/healthz", timeout: PROBE_TIMEOUT_MS, rejectUnauthorized: false }, (res) => {
  res.resume();
  process.exit(res.statusCode === 200 ? 0 : 1);
});
req.on("timeout", () => req.destroy(new Error("timed out")));
req.on("error", (err) => {
  process.stderr.write(`web gateway health check failed: ${err.message}\n`);
  process.exit(1);
});
