/**
 * store-service entry point: reads the environment, starts the service, and on SIGTERM/SIGINT
 * stops it gracefully (bounded by STORE_SHUTDOWN_GRACE_MS) and exits 0.
 */
import { ConfigError, createLogger } from "@ptykeep/proto";
import { loadStoreConfig, startStoreService } from "./index.js";

const log = createLogger("store-service");

async function main(): Promise<void> {
  let config;
  try {
    config = loadStoreConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      log.fatal(err.message);
      process.exit(2);
    }
    throw err;
  }
  const store = await startStoreService({ config, log });
  let signalled = false;
  const onSignal = (sig: NodeJS.Signals) => {
    if (signalled) return;
    signalled = true;
    log.info({ signal: sig }, "stopping");
    store.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, "stop failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
}

main().catch((err: unknown) => {
  log.fatal({ err }, "store-service failed to start");
  process.exit(1);
});
