/**
 * `reap --once`: one reaper pass from the command line, for deployments that run it from cron
 * instead of (or besides) the store replicas. Reads the same environment as the store-service
 * (DATABASE_URL, STORE_REAPER_*, STORE_PG_*), applies pending migrations, runs one pass if no
 * replica holds the reaper lease, prints the result as one JSON line and exits.
 *
 *   npx tsx store-service/src/reap.ts --once
 *
 * Exit status: 0 after a pass (or when another holder has the lease), 2 on bad usage or
 * configuration, 1 when the pass failed.
 */
import { ConfigError, createLogger } from "@ptykeep/proto";
import { loadStoreConfig } from "./config.js";
import { createPool } from "./db/pool.js";
import { migrate } from "./db/migrate.js";
import { Reaper, reaperSettings } from "./reaper.js";

const USAGE = "usage: reap --once   (one reaper pass; configuration from the store-service environment)";

async function main(argv: string[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (argv.length !== 1 || argv[0] !== "--once") {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const log = createLogger("reap");
  let config;
  try {
    config = loadStoreConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`reap: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const pool = createPool({
    databaseUrl: config.databaseUrl,
    max: 2,
    connectTimeoutMs: config.connectTimeoutMs,
    statementTimeoutMs: config.statementTimeoutMs,
    log,
    applicationName: "ptykeep-reap",
  });
  const reaper = new Reaper({ pool, log, ...reaperSettings(config) });
  try {
    await migrate(pool, log);
    const result = await reaper.runOnce();
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`reap: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  } finally {
    // A one-shot run hands the lease back at once: the replicas' reaper carries on at its next pass.
    await reaper.close();
    await pool.end().catch(() => {});
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`reap: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
