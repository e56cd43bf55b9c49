/**
 * Web gateway process entry point: configuration from the environment (a bad value exits 2
 * naming the variable), then serve until SIGTERM or SIGINT, which tell every viewer to reconnect
 * (close 1012) and exit 0.
 */
import { runServiceMain } from "@ptykeep/proto";
import { loadWebConfig, startGateway } from "./index.js";

runServiceMain({ name: "web", loadConfig: loadWebConfig, start: startGateway });
