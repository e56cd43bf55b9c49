/**
 * The PostgreSQL connection pool of one store process, and the transaction helper every
 * transaction of the store goes through.
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

export interface TransactionOptions {
  /**
   * Told when the ROLLBACK after a failure fails too. The error thrown stays the one that caused
   * the rollback; a caller that owns the client learns here that its connection is in an unknown
   * state (possibly still inside the transaction) and must not be reused.
   */
  onRollbackError?: (err: Error) => void;
}

/**
 * Runs fn inside BEGIN … COMMIT and rolls back on any error, which it rethrows. Every transaction
 * of the store goes through here.
 *
 * - Given the pool: on a connection of its own, returned to the pool afterwards; a connection that
 *   failed is destroyed rather than returned.
 * - Given a client already checked out (one holding a session's advisory lock, say): on that
 *   client, which stays the caller's to release.
 */
export function withTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>, opts?: TransactionOptions): Promise<T>;
export function withTransaction<C extends pg.ClientBase, T>(client: C, fn: (client: C) => Promise<T>, opts?: TransactionOptions): Promise<T>;
// fn is typed by the overloads above: it gets the client it was given, or the pool's client.
export async function withTransaction<T>(db: pg.Pool | pg.ClientBase, fn: (client: never) => Promise<T>, opts: TransactionOptions = {}): Promise<T> {
  if (!(db instanceof pg.Pool)) return inTransaction(db, fn, opts);
  const client = await db.connect();
  let broken: Error | undefined;
  try {
    return await inTransaction(client, fn, opts);
  } catch (err) {
    broken = toError(err);
    throw err;
  } finally {
    // Releasing with an error destroys the connection: after a failure we cannot know its state.
    client.release(broken && isConnectionFault(broken) ? broken : undefined);
  }
}

async function inTransaction<T>(client: pg.ClientBase, fn: (client: never) => Promise<T>, opts: TransactionOptions): Promise<T> {
  try {
    await client.query("BEGIN");
    const result = await fn(client as never);
    await client.query("COMMIT");
    return result;
  } catch (err) {
    await client.query("ROLLBACK").catch((rollbackErr: unknown) => opts.onRollbackError?.(toError(rollbackErr)));
    throw err;
  }
}

const toError = (err: unknown): Error => (err instanceof Error ? err : new Error(String(err)));

/** Errors after which the connection itself is suspect (as opposed to a constraint violation). */
function isConnectionFault(err: Error): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code !== "string" || !/^[0-9A-Z]{5}$/.test(code) || /^(08|57)/.test(code);
}
