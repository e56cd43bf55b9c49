/** gRPC transport tuning; both services and every client (server.ts, client.ts) use these. */
export const TRANSPORT = Object.freeze({
  /** A chunk is at most 256 KiB; leave room for a batch of small fields around it. */
  MAX_MESSAGE_BYTES: 4 * 1024 * 1024,
  /** Clients ping idle connections this often, so a dead peer (blackholed link) is noticed… */
  KEEPALIVE_TIME_MS: 10_000,
  /** …within this long after a ping goes unanswered. */
  KEEPALIVE_TIMEOUT_MS: 5_000,
  /**
   * Servers accept pings this frequent without answering GOAWAY too_many_pings. grpc-js servers
   * do not police ping rates today; the option matters to other servers and proxies, and the
   * clients' KEEPALIVE_TIME_MS stays above it so that those accept our pings too.
   */
  MIN_PING_INTERVAL_MS: 5_000,
});
