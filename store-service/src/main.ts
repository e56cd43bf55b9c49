/**
 * store-service entry point: reads the environment, starts the service, and on SIGTERM/SIGINT
 * stops it gracefully (bounded by STORE_SHUTDOWN_GRACE_MS) and exits 0.
 */
import { runServiceMain } from "@ptykeep/proto";
import { loadStoreConfig, startStoreService } from "./index.js";

runServiceMain({ name: "store-service", loadConfig: loadStoreConfig, start: startStoreService });
