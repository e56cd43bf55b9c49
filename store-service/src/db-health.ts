/**
 * The store's gRPC health follows PostgreSQL: a replica that cannot run a query answers
 * NOT_SERVING (for "" and for the StoreService), so orchestrators and health-checking clients can
 * tell it apart from one that works, and SERVING again once a query succeeds. Every call made
 * meanwhile still gets its own UNAVAILABLE; nothing waits on this status.
 *
 * The probe is one query through the pool, every STORE_HEALTH_PROBE_MS. It fails when no
 * connection can be had within STORE_PG_CONNECT_TIMEOUT_MS (server down, unreachable, or this
 * replica's pool saturated for that long), when the query does not answer within the query
 * timeout, or when the database only takes reads (a standby, or an old primary after a failover):
 * output could not be stored there.
 */
import type pg from "pg";
import type { Logger } from "@ptykeep/proto";
import { runPeriodically, type PeriodicJob } from "./periodic.js";
import { databaseIsReadOnly } from "./sql/database-health.js";

export interface DatabaseHealthOptions {
  pool: pg.Pool;
  /** The server's health service (startServer's `health`). */
  health: { setStatus(service: string, status: "SERVING" | "NOT_SERVING"): void };
  /** Health service names that follow the database ("" is the whole server). */
  serviceNames: string[];
  intervalMs: number;
  log: Logger;
}

export function watchDatabaseHealth(opts: DatabaseHealthOptions): PeriodicJob {
  let reachable = true;
  return runPeriodically({
    name: "database health",
    intervalMs: opts.intervalMs,
    log: opts.log,
    run: async (signal) => {
      let error: Error | undefined;
      try {
        if (await databaseIsReadOnly(opts.pool)) error = new Error("the database is read-only (a standby, or a primary after a failover?); output cannot be stored");
      } catch (err) {
        error = err instanceof Error ? err : new Error(String(err));
      }
      // Once stopping, the server owns the status (NOT_SERVING while it drains).
      if (signal.aborted || reachable === !error) return;
      reachable = !error;
      if (error) opts.log.error({ err: error.message }, "PostgreSQL unusable: health NOT_SERVING until the probe succeeds");
      else opts.log.info("PostgreSQL usable again: health SERVING");
      for (const name of opts.serviceNames) opts.health.setStatus(name, reachable ? "SERVING" : "NOT_SERVING");
    },
  });
}
