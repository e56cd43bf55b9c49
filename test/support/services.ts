/**
 * The fixture for "a store and a pty-service": a real store-service on a fresh PostgreSQL
 * database and a real pty-service, both in-process on loopback port 0, with a client for each.
 * Every suite that needs the two together starts them here (test/e2e, test/security, test/cli,
 * test/faults, test/web through test/e2e's startSystem).
 *
 *   const sys = await startServices("my_suite", { ptyEnv: { PTY_KILL_GRACE_MS: "500" } });
 *   ... sys.ptyClient, sys.storeClient, sys.pty.address, sys.store.address ...
 *   await sys.close();
 */
import { inject } from "vitest";
import { createPtyClient, createStoreClient, type Logger, type PtyServiceClient, type StoreServiceClient } from "@ptykeep/proto";
import { createTestDatabase } from "./postgres.js";
import { loadStoreConfig, startStoreService, type RunningStore } from "../../store-service/src/index.js";
import { loadPtyConfig, startPtyService, type RunningPty } from "../../pty-service/src/index.js";

export interface Services {
  /** The running store; a new one after stopStore() and startStore(). */
  readonly store: RunningStore;
  pty: RunningPty;
  storeClient: StoreServiceClient;
  ptyClient: PtyServiceClient;
  dbUrl: string;
  /** Stops the store (graceMs 0: cancels its streams at once, like a crash) and starts it again on the same port. */
  stopStore(graceMs?: number): Promise<void>;
  startStore(): Promise<void>;
  /** Stops the pty-service, then the store; drops the database this fixture made. */
  close(): Promise<void>;
}

export interface ServicesOptions {
  /** Added to (or overriding) the store's environment. */
  storeEnv?: Record<string, string>;
  /** Added to (or overriding) the pty-service's environment. */
  ptyEnv?: Record<string, string>;
  log?: Logger;
  /** A database made by the caller (e.g. on a PostgreSQL server of its own), left to the caller; a fresh one on the shared server by default. */
  dbUrl?: string;
  /** The address the pty-service dials for the store (e.g. a fault proxy in front of it); the store's own by default. */
  storeAddrForPty?: (store: RunningStore) => Promise<string>;
}

export async function startServices(prefix: string, opts: ServicesOptions = {}): Promise<Services> {
  const db = opts.dbUrl ? { url: opts.dbUrl, drop: async () => {} } : await createTestDatabase(inject("pgAdminUrl"), prefix);
  const storeEnv = { DATABASE_URL: db.url, STORE_LISTEN: "127.0.0.1:0", ...opts.storeEnv };
  let store = await startStoreService({ config: loadStoreConfig(storeEnv), log: opts.log });
  const storePort = store.port;
  let pty: RunningPty;
  try {
    const storeAddr = opts.storeAddrForPty ? await opts.storeAddrForPty(store) : store.address;
    pty = await startPtyService({ config: loadPtyConfig({ STORE_ADDR: storeAddr, PTY_LISTEN: "127.0.0.1:0", PTY_DEFAULT_CWD: "/tmp", ...opts.ptyEnv }), log: opts.log });
  } catch (err) {
    await store.stop(1_000);
    await db.drop();
    throw err;
  }
  const storeClient = createStoreClient(store.address);
  const ptyClient = createPtyClient(pty.address);
  let storeRunning = true;
  return {
    get store() {
      return store;
    },
    pty,
    storeClient,
    ptyClient,
    dbUrl: db.url,
    stopStore: async (graceMs = 1_000) => {
      storeRunning = false;
      await store.stop(graceMs);
    },
    startStore: async () => {
      store = await startStoreService({ config: loadStoreConfig({ ...storeEnv, STORE_LISTEN: `127.0.0.1:${storePort}` }), log: opts.log });
      storeRunning = true;
    },
    close: async () => {
      await pty.stop(5_000);
      ptyClient.close();
      storeClient.close();
      if (storeRunning) await store.stop(2_000);
      await db.drop();
    },
  };
}
