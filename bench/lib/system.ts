/**
 * The system under test, as the benchmark runs it: an embedded PostgreSQL, and the store-service
 * and pty-service each in a child process of their own (so their CPU, memory and event loops are
 * measured apart from the suite's clients), started with their real entry points.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { createPtyClient, createStoreClient, type PtyServiceClient, type StoreServiceClient } from "@ptykeep/proto";
import { freePort, startEmbeddedPostgres, type EmbeddedCluster } from "../../scripts/lib/embedded-postgres.js";
import { delay } from "./util.js";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

const SYSTEM = Object.freeze({
  /** A service child must be serving within this long (store start-up runs the migrations). */
  READY_TIMEOUT_MS: 30_000,
  /** SIGTERM first so the services drain and write their profiles; SIGKILL after this. */
  STOP_TIMEOUT_MS: 20_000,
  /** Service log level in the children: warnings and errors end up in the run's log files. */
  LOG_LEVEL: "warn",
});

export interface ServiceChild {
  name: string;
  pid: number;
  address: string;
  /** SIGTERM, wait for exit (bounded), then SIGKILL. Resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Starts one service entry point (a main.ts) as `node --import tsx`, on a port chosen here. */
export async function startServiceChild(opts: {
  name: string;
  main: string;
  env: Record<string, string>;
  listenVar: string;
  logDir: string;
  nodeArgs?: string[];
}): Promise<ServiceChild> {
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  mkdirSync(opts.logDir, { recursive: true });
  const logFile = createWriteStream(path.join(opts.logDir, `${opts.name}.log`), { flags: "a" });
  const child: ChildProcess = spawn(process.execPath, [...(opts.nodeArgs ?? []), "--import", "tsx", path.join(ROOT, opts.main)], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: SYSTEM.LOG_LEVEL, ...opts.env, [opts.listenVar]: address },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.pipe(logFile, { end: false });
  child.stderr!.pipe(logFile, { end: false });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  let exitCode: number | null | undefined;
  void exited.then((c) => (exitCode = c));
  await waitServing(address, opts.name, () => exitCode);
  return {
    name: opts.name,
    pid: child.pid!,
    address,
    stop: async () => {
      if (exitCode !== undefined) return exitCode;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), SYSTEM.STOP_TIMEOUT_MS);
      const code = await exited;
      clearTimeout(timer);
      logFile.end();
      return code;
    },
  };
}

/** Waits until a gRPC server answers on the address (channel ready), or the child died. */
async function waitServing(address: string, name: string, exitCode: () => number | null | undefined): Promise<void> {
  const client = createStoreClient(address);
  try {
    const deadline = Date.now() + SYSTEM.READY_TIMEOUT_MS;
    for (;;) {
      if (exitCode() !== undefined) throw new Error(`${name} exited with ${exitCode()} during start-up (see its log)`);
      const ready = await new Promise<boolean>((resolve) => client.waitForReady(Date.now() + 500, (err) => resolve(!err)));
      if (ready) return;
      if (Date.now() > deadline) throw new Error(`${name} did not serve on ${address} within ${SYSTEM.READY_TIMEOUT_MS} ms`);
      await delay(100);
    }
  } finally {
    client.close();
  }
}

export interface BenchSystem {
  dir: string;
  cluster: EmbeddedCluster;
  dbUrl: string;
  store: ServiceChild;
  pty: ServiceChild;
  storeClient: StoreServiceClient;
  ptyClient: PtyServiceClient;
  /** A pool for the suite's own queries (sizes, naive writer). */
  db: pg.Pool;
  /** Starts another pty-service child against the same store (extra environment on top). */
  startPty(name: string, env?: Record<string, string>, storeAddr?: string): Promise<ServiceChild>;
  /** Restarts both services; with profileDir, each writes its CPU profiles to profileDir/<name>/ when it stops. */
  restartServices(profileDir?: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startBenchSystem(opts: { dir: string; log: (line: string) => void; profileAllDir?: string }): Promise<BenchSystem> {
  // --profile-all: every service child writes CPU profiles to profileAllDir/<name>/ (for digging into any row).
  const profAll = (name: string) => (opts.profileAllDir ? ["--cpu-prof", "--cpu-prof-dir", path.join(opts.profileAllDir, name)] : []);
  const logDir = path.join(opts.dir, "logs");
  const cluster = await startEmbeddedPostgres({ dataDir: path.join(opts.dir, "pgdata"), persistent: false });
  const admin = new pg.Client({ connectionString: cluster.adminUrl });
  await admin.connect();
  await admin.query("CREATE DATABASE ptykeep_bench");
  await admin.end();
  const dbUrl = cluster.adminUrl.replace(/\/postgres$/, "/ptykeep_bench");
  opts.log(`PostgreSQL on port ${cluster.port}`);

  const startStore = (nodeArgs: string[] = profAll("store-service")) =>
    startServiceChild({ name: "store-service", main: "store-service/src/main.ts", env: { DATABASE_URL: dbUrl }, listenVar: "STORE_LISTEN", logDir, nodeArgs });
  const startPty = (name: string, env: Record<string, string> = {}, storeAddr?: string, nodeArgs: string[] = profAll(name)) =>
    startServiceChild({
      name,
      main: "pty-service/src/main.ts",
      env: { STORE_ADDR: storeAddr ?? system.store.address, PTY_DEFAULT_CWD: opts.dir, ...env },
      listenVar: "PTY_LISTEN",
      logDir,
      nodeArgs,
    });

  const store = await startStore();
  const system: BenchSystem = {
    dir: opts.dir,
    cluster,
    dbUrl,
    store,
    pty: undefined as unknown as ServiceChild,
    storeClient: createStoreClient(store.address),
    ptyClient: undefined as unknown as PtyServiceClient,
    db: new pg.Pool({ connectionString: dbUrl, max: 4 }),
    startPty: (name, env, storeAddr) => startPty(name, env, storeAddr),
    restartServices: async (profileDir) => {
      // One directory per service: node writes a profile per thread (tsx's loader runs in a worker).
      const prof = (name: string) => (profileDir ? ["--cpu-prof", "--cpu-prof-dir", path.join(profileDir, name)] : []);
      system.ptyClient.close();
      system.storeClient.close();
      await system.pty.stop();
      await system.store.stop();
      system.store = await startStore(prof("store-service"));
      system.pty = await startPty("pty-service", {}, system.store.address, prof("pty-service"));
      system.storeClient = createStoreClient(system.store.address);
      system.ptyClient = createPtyClient(system.pty.address);
    },
    stop: async () => {
      system.ptyClient?.close();
      system.storeClient.close();
      if (system.pty) await system.pty.stop();
      await system.store.stop();
      await system.db.end();
      await cluster.stop();
    },
  };
  // The db pool's idle clients would otherwise crash the suite if PostgreSQL drops them.
  system.db.on("error", (err) => opts.log(`db pool: ${err.message}`));
  system.pty = await startPty("pty-service");
  system.ptyClient = createPtyClient(system.pty.address);
  return system;
}
