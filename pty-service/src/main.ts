/**
 * pty-service process entry point: configuration from the environment, then serve until SIGTERM
 * or SIGINT, which end every session (recorded as KILLED) and exit 0.
 */
import { ConfigError, createLogger } from "@ptykeep/proto";
import { loadPtyConfig, startPtyService } from "./index.js";

const log = createLogger("pty-service");

async function main(): Promise<void> {
  let config;
  try {
    config = loadPtyConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      log.fatal(err.message);
      process.exit(2);
    }
    throw err;
  }
  const pty = await startPtyService({ config, log });
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "stopping");
    pty.stop().then(
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
  log.fatal({ err }, "pty-service failed to start");
  process.exit(1);
});
