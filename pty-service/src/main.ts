/**
 * pty-service process entry point: configuration from the environment, then serve until SIGTERM
 * or SIGINT, which end every session (recorded as KILLED) and exit 0.
 */
import { runServiceMain } from "@ptykeep/proto";
import { loadPtyConfig, startPtyService } from "./index.js";

runServiceMain({ name: "pty-service", loadConfig: loadPtyConfig, start: startPtyService });
