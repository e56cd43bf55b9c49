/**
 * The process entry point both services share: read the configuration (a bad value exits 2 with
 * a message naming the variable), start, and on SIGTERM/SIGINT stop gracefully and exit 0
 * (1 if stopping failed). A second signal while stopping is ignored: stop() is already bounded.
 */
import { ConfigError } from "./config.js";
import { createLogger, type Logger } from "./log.js";

export interface ServiceMainOptions<Config> {
  name: string;
  loadConfig(env: NodeJS.ProcessEnv): Config;
  start(opts: { config: Config; log: Logger }): Promise<{ stop(): Promise<void> }>;
}

export function runServiceMain<Config>(opts: ServiceMainOptions<Config>): void {
  const log = createLogger(opts.name);
  let config: Config;
  try {
    config = opts.loadConfig(process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    log.fatal(err.message);
    process.exit(2);
  }
  opts.start({ config, log }).then(
    (service) => {
      let stopping = false;
      const onSignal = (signal: NodeJS.Signals) => {
        if (stopping) return;
        stopping = true;
        log.info({ signal }, "stopping");
        service.stop().then(
          () => process.exit(0),
          (err: unknown) => {
            log.error({ err }, "stop failed");
            process.exit(1);
          },
        );
      };
      process.on("SIGTERM", onSignal);
      process.on("SIGINT", onSignal);
    },
    (err: unknown) => {
      log.fatal({ err }, `${opts.name} failed to start`);
      process.exit(1);
    },
  );
}
