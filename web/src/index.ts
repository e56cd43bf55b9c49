/** @ptykeep/web: the web gateway (a page and one WebSocket per viewer over the services' gRPC). */
export { loadWebConfig, TUNING, type WebConfig } from "./config.js";
export { startGateway, type RunningGateway, type SessionSummary } from "./gateway.js";
export { buildPage, type PageAssets } from "./bundle.js";
export { CLOSE, OUTPUT_HEADER_BYTES, readOutputSeq, writeOutputSeq } from "./protocol.js";
