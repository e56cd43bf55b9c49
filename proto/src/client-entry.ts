/**
 * @ptykeep/proto/client: what a client of the services needs (the CLI): the contract, typed
 * clients, client TLS and tokens, errors and validation. Unlike the package's main entry it loads
 * no server code, logger or metrics, so a client starts in a fraction of the time.
 */
export { storeV1, ptyV1, MAX_CHUNK_BYTES, STORE_SERVICE_NAME, PTY_SERVICE_NAME, HEALTH_SERVICE_NAME } from "./load.js";
export * from "./errors.js";
export * from "./client.js";
export * from "./config.js";
export * from "./time.js";
export * from "./delay.js";
export * from "./session-state.js";
export * from "./ids.js";
export { loadClientSecurity, type ClientSecurity } from "./auth.js";
export { TRANSPORT } from "./transport.js";
export * as validate from "./validate.js";
// Types only: the generated modules are one file per message, fifty modules to load for nothing.
export type * as StoreApi from "./generated/store-v1.js";
export type * as PtyApi from "./generated/pty-v1.js";
