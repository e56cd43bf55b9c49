/** @ptykeep/proto: the contract, and what both sides of the wire share. */
export * from "./load.js";
export * from "./errors.js";
export * from "./server.js";
export * from "./client.js";
export * from "./config.js";
export * from "./log.js";
export * from "./time.js";
export * from "./ids.js";
export * from "./process-main.js";
export * from "./tls.js";
export * from "./auth.js";
export * from "./metrics.js";
export * from "./health-client.js";
export * from "./session-end.js";
export * as validate from "./validate.js";
export { LOADER_OPTIONS, PROTO_FILES, PROTO_ROOT } from "./loader-options.js";
export * as StoreApi from "./generated/store-v1.js";
export * as PtyApi from "./generated/pty-v1.js";
