/**
 * The PostgreSQL connection pool of one store process, and a transaction helper.
 *
 * PostgreSQL restarts and network blips must never crash the service: every failure surfaces as a
 * rejected query (mapped to UNAVAILABLE, or retried by the batch writer), and the pool opens a
 * fresh connection on the next query once the server is back.
 */
import pg from "pg";
import type { Logger } from "@ptykeep/proto";

/** int8 (bigint) values are seqs, offsets and byte counts, far below 2^53: read them as numbers. */
const INT8_OID = 20;
const TYPES = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === INT8_OID ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/** Pool tuning, each with its reason. */
const POOL_TUNING = Object.freeze({
  /** Close idle connections after a while so a quiet replica does not hold the server's slots. */
  IDLE_TIMEOUT_MS: 30_000,
  /** TCP keepalive notices a server that vanished without closing the socket. */
  KEEPALIVE_INITIAL_DELAY_MS: 10_000,
});

export interface PoolOptions {
  databaseUrl: string;
  max: number;
  connectTimeoutMs: number;
  statementTimeoutMs: number;
  log: Logger;
  applicationName?: string;
}

export function createPool(opts: PoolOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: opts.databaseUrl,
    max: opts.max,
    connectionTimeoutMillis: opts.connectTimeoutMs,
    idleTimeoutMillis: POOL_TUNING.IDLE_TIMEOUT_MS,
    // Server side: PostgreSQL cancels a statement running longer than this…
    statement_timeout: opts.statementTimeoutMs,
    // …and client side we stop waiting a little later, in case the server cannot even answer.
    query_timeout: opts.statementTimeoutMs + opts.connectTimeoutMs,
    keepAlive: true,
    keepAliveInitialDelayMillis: POOL_TUNING.KEEPALIVE_INITIAL_DELAY_MS,
    application_name: opts.applicationName ?? "ptykeep-store",
    types: TYPES,
  });
  // An idle client in the pool whose socket fails (PostgreSQL restarted, connection killed) emits
  // 'error' on the pool; with no listener Node treats it as unhandled and the process exits.
  pool.on("error", (err) => opts.log.warn({ err: err.message }, "idle PostgreSQL connection failed; it will be replaced"));
  // A checked-out client can also emit 'error' between queries (the query in flight rejects on its
  // own); without a listener on the client that event, too, would crash the process.
  pool.on("connect", (client) => {
    client.on("error", (err) => opts.log.warn({ err: err.message }, "PostgreSQL connection failed"));
  });
  return pool;
}

export type Queryable = pg.Pool | pg.ClientBase;

/**
 * Runs fn inside BEGIN … COMMIT on one connection; rolls back on any error. A connection that
 * failed is destroyed rather than returned to the pool.
 */
export async function withTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query("BEGIN");
    const result = await fn(client);
    await client.query("COMMIT");
    return result;
  } catch (err) {
    broken = err instanceof Error ? err : new Error(String(err));
    await client.query("ROLLBACK").catch(() => {});
    throw err;
  } finally {
    // Releasing with an error destroys the connection: after a failure we cannot know its state.
    client.release(broken && isConnectionFault(broken) ? broken : undefined);
  }
}

/** Errors after which the connection itself is suspect (as opposed to a constraint violation). */
function isConnectionFault(err: Error): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code !== "string" || !/^[0-9A-Z]{5}$/.test(code) || /^(08|57)/.test(code);
}
