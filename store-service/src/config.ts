/**
 * store-service configuration: read from the environment once at start, validated, frozen and
 * passed down. Each variable is documented here (this is the reference the README table follows);
 * a bad value stops start-up with a ConfigError naming the variable.
 */
import { ConfigError, envBool, envInt, envListenAddress, envMetricsListen, envString, loadClientSecurity, loadServerSecurity, type ClientSecurity, type ServerSecurity } from "@ptykeep/proto";

export interface StoreConfig {
  /** STORE_LISTEN: gRPC listen address, host:port (port 0 picks a free one). Default 127.0.0.1:50052. */
  listen: string;
  /** DATABASE_URL: postgres://user:pass@host:port/db. Required. */
  databaseUrl: string;
  /** STORE_FLUSH_BYTES: the batch writer commits as soon as this many output bytes wait. */
  flushBytes: number;
  /** STORE_FLUSH_MS: …or when the oldest waiting chunk has waited this long. */
  flushMs: number;
  /**
   * STORE_MAX_PENDING_BYTES: when more output bytes than this wait for a commit (queued plus the
   * flush in progress), the store stops reading AppendOutput streams until it drops below.
   */
  maxPendingBytes: number;
  /** STORE_POOL_SIZE: PostgreSQL connections per store process. */
  poolSize: number;
  /** STORE_PG_CONNECT_TIMEOUT_MS: give up opening a PostgreSQL connection after this long. */
  connectTimeoutMs: number;
  /** STORE_PG_STATEMENT_TIMEOUT_MS: server-side statement_timeout and client-side query timeout. */
  statementTimeoutMs: number;
  /**
   * STORE_MAX_CONNECTION_AGE_MS: a client connection older than this is asked to go away
   * (HTTP/2 GOAWAY), so that clients re-resolve the store's address and spread over replicas
   * added since they connected; 0 keeps connections for ever.
   */
  maxConnectionAgeMs: number;
  /**
   * STORE_MAX_CONNECTION_AGE_GRACE_MS: calls still open on such a connection (a pty-service's
   * output stream) are ended this long after; the sender resends what was not acknowledged.
   */
  maxConnectionAgeGraceMs: number;
  /** STORE_HEALTH_PROBE_MS: how often PostgreSQL is probed; health is NOT_SERVING while it fails. */
  healthProbeMs: number;
  /** STORE_SHUTDOWN_GRACE_MS: default time stop() gives open calls before cancelling them. */
  shutdownGraceMs: number;
  /**
   * STORE_SEQ_WINDOW: a chunk whose seq is more than this far ahead of the session's durable seq
   * is refused (OUT_OF_RANGE): it can only come from a broken sender, and storing it would pin a
   * gap forever.
   */
  seqWindow: number;
  /** STORE_COMPACTOR (on|off): run the compactor (and retention) in this process. */
  compactor: boolean;
  /** STORE_COMPACT_INTERVAL_MS: time between compactor passes. */
  compactIntervalMs: number;
  /** STORE_COMPACT_AFTER_MS: raw output older than this is cold and gets compressed into segments. */
  compactAfterMs: number;
  /** STORE_RETENTION_BYTES: per-session cap of kept output (raw bytes); 0 keeps everything. */
  retentionBytes: number;
  /** STORE_RETENTION_MAX_AGE_MS: ended sessions are deleted this long after their end; 0 never. */
  retentionMaxAgeMs: number;
  /** STORE_SNAPSHOTTER (on|off): run the screen snapshot job in this process. */
  snapshotter: boolean;
  /** STORE_SNAPSHOT_INTERVAL_MS: time between snapshot passes. */
  snapshotIntervalMs: number;
  /** STORE_SNAPSHOT_EVERY_BYTES: a screen snapshot every this many bytes of a session's output. */
  snapshotEveryBytes: number;
  /** STORE_SNAPSHOT_EVERY_MS: …or when the newest is older than this and output followed it. */
  snapshotEveryMs: number;
  /** STORE_SNAPSHOT_KEEP_EVERY_BYTES: older snapshots are thinned to one per this many bytes of output. */
  snapshotKeepEveryBytes: number;
  /** STORE_SNAPSHOT_SCROLLBACK: lines of scrollback a snapshot carries. */
  snapshotScrollback: number;
  /**
   * STORE_SNAPSHOT_CPU_PERCENT (1-100): share of one core's time the snapshot job may work (parse,
   * serialise, restore, compress); it waits the rest. 100: no waits. Under load, screens lag
   * behind the output rather than ingest behind the job.
   */
  snapshotCpuPercent: number;
  /** STORE_REAPER (on|off): run the reaper in this process. */
  reaper: boolean;
  /** STORE_REAPER_INTERVAL_MS: time between reaper passes. */
  reaperIntervalMs: number;
  /** STORE_REAPER_GRACE_MS: a pty-service failing every check this long has its sessions marked lost. */
  reaperGraceMs: number;
  /** STORE_REAPER_MIN_AGE_MS: sessions younger than this are not checked (still being set up). */
  reaperMinAgeMs: number;
  /**
   * STORE_REAPER_CHECK_TIMEOUT_MS: deadline of one CheckLiveness call. Must be below
   * STORE_REAPER_INTERVAL_MS: checks of an unreachable node then come one interval apart, which
   * is what keeps "lost within grace + one interval of the first failed check" true.
   */
  reaperCheckTimeoutMs: number;
  /**
   * STORE_REAPER_RECHECK_MS: a session lost because its pty-service could not be reached is
   * asked about again at every pass for this long after it was lost, and comes back to running
   * if the pty-service answers that it runs. After that, a dead node is no longer called; output
   * arriving from the session (or its end record) still brings it back. 0: no re-checks.
   */
  reaperRecheckMs: number;
  /**
   * STORE_TLS_CERT / STORE_TLS_KEY (server certificate), STORE_TLS_CA (require client
   * certificates signed by it), STORE_TOKENS / STORE_TOKENS_FILE (bearer tokens with a role),
   * STORE_ALLOW_INSECURE_LISTEN (listen off loopback without them). See proto/src/auth.ts.
   */
  security: ServerSecurity;
  /** STORE_METRICS_LISTEN: host:port of the Prometheus endpoint (/metrics); unset = off. */
  metricsListen: string | undefined;
  /**
   * How this store calls pty-services (the reaper's CheckLiveness): STORE_PTY_TLS_CA,
   * STORE_PTY_TLS_CERT / STORE_PTY_TLS_KEY (client certificate), STORE_PTY_TLS_SERVER_NAME,
   * STORE_PTY_TOKEN / STORE_PTY_TOKEN_FILE (a read-only token is enough).
   */
  ptyClient: ClientSecurity;
}

/** Defaults, each with its reason. */
export const STORE_DEFAULTS = Object.freeze({
  LISTEN: "127.0.0.1:50052",
  /** 1 MiB per transaction amortises the commit (fsync) well; bigger batches gain little. */
  FLUSH_BYTES: 1024 * 1024,
  /** Interactive output should be durable (and the sender's outbox freed) well within a second. */
  FLUSH_MS: 20,
  /** A few flushes' worth: enough to keep PostgreSQL busy, small enough to bound memory. */
  MAX_PENDING_BYTES: 8 * 1024 * 1024,
  /** Writer (1) + reads and unary RPCs; PostgreSQL's connection budget is shared by replicas. */
  POOL_SIZE: 10,
  CONNECT_TIMEOUT_MS: 5_000,
  /** Well above a batch insert of FLUSH_BYTES; low enough that a hung server is noticed. */
  STATEMENT_TIMEOUT_MS: 30_000,
  /** Half an hour: replicas added by scaling out get their share within that, at one stream reconnect per pty-service per half hour. */
  MAX_CONNECTION_AGE_MS: 30 * 60_000,
  /** Enough for unary calls in flight to finish; the output stream then moves, losing nothing. */
  MAX_CONNECTION_AGE_GRACE_MS: 30_000,
  /** An outage shows in health within this plus the connect timeout; one cheap query per probe. */
  HEALTH_PROBE_MS: 5_000,
  SHUTDOWN_GRACE_MS: 10_000,
  SEQ_WINDOW: 1_000_000,
  /** Background jobs run in every replica; they coordinate through PostgreSQL. */
  COMPACTOR: true,
  /** Cold output waits at most this long (plus the age) to be compressed; a pass is cheap when idle. */
  COMPACT_INTERVAL_MS: 30_000,
  /** Recent output stays as raw rows for a minute: live readers and resends touch it, not segments. */
  COMPACT_AFTER_MS: 60_000,
  /** 50 MiB of raw output per session: hours of a busy terminal, about 8 MiB stored with zstd. */
  RETENTION_BYTES: 50 * 1024 * 1024,
  /** Off: ended sessions are kept until deleted. */
  RETENTION_MAX_AGE_MS: 0,
  SNAPSHOTTER: true,
  /** Output is snapshotted within about this long of becoming durable; an idle pass is one query. */
  SNAPSHOT_INTERVAL_MS: 2_000,
  /**
   * A returning viewer gets the snapshot and at most about this much output after it: with the
   * snapshot itself (~100 KB for 1000 coloured lines) that stays within 256 KB before the live tail.
   */
  SNAPSHOT_EVERY_BYTES: 128 * 1024,
  /** A trickling session still gets a recent screen. */
  SNAPSHOT_EVERY_MS: 30_000,
  /** One snapshot per 4 MiB of older history: ~13 for a 50 MiB session, a small share of its stored size. */
  SNAPSHOT_KEEP_EVERY_BYTES: 4 * 1024 * 1024,
  /** A screenful many times over, as terminals keep by default (xterm.js: 1000). */
  SNAPSHOT_SCROLLBACK: 1_000,
  /**
   * A quarter of one core: with the job on, ingest through the same store stays within the noise
   * of the run with it off (bench row S5, both in one run), and at row S3's ~16 MB of output per
   * CPU second the job still follows about 4 MB/s of output per replica; beyond that, screens
   * trail the output (a pass then stores fewer snapshots per byte, so it catches up faster).
   */
  SNAPSHOT_CPU_PERCENT: 25,
  REAPER: true,
  /** A crashed pty-service's sessions show as lost within about interval + grace. */
  REAPER_INTERVAL_MS: 10_000,
  /** Longer than a pty-service restart or a network blip, so those do not lose sessions. */
  REAPER_GRACE_MS: 60_000,
  /** Registration to MarkRunning takes milliseconds; this leaves room for a slow spawn. */
  REAPER_MIN_AGE_MS: 10_000,
  /** A healthy pty-service answers in milliseconds; a stalled one must not hold the pass. */
  REAPER_CHECK_TIMEOUT_MS: 5_000,
  /**
   * An hour of re-checks (360 calls at the default interval) covers a network partition, a
   * paused VM or a long maintenance; a node silent for longer is treated as dead.
   */
  REAPER_RECHECK_MS: 3_600_000,
});

const D = STORE_DEFAULTS;

export function loadStoreConfig(env: NodeJS.ProcessEnv = process.env): StoreConfig {
  const databaseUrl = envString(env, "DATABASE_URL", "");
  if (!databaseUrl) throw new ConfigError("DATABASE_URL is required (e.g. postgres://user:password@127.0.0.1:5432/ptykeep)");
  if (!/^postgres(ql)?:\/\//.test(databaseUrl)) throw new ConfigError("DATABASE_URL must be a postgres:// or postgresql:// URL");
  const flushBytes = envInt(env, "STORE_FLUSH_BYTES", D.FLUSH_BYTES, { min: 1024, max: 256 * 1024 * 1024 });
  const maxPendingBytes = envInt(env, "STORE_MAX_PENDING_BYTES", D.MAX_PENDING_BYTES, { min: 1024, max: 4 * 1024 * 1024 * 1024 });
  if (maxPendingBytes < flushBytes) {
    throw new ConfigError(`STORE_MAX_PENDING_BYTES=${maxPendingBytes} must be at least STORE_FLUSH_BYTES=${flushBytes}`);
  }
  const listen = envListenAddress(env, "STORE_LISTEN", D.LISTEN);
  const reaperIntervalMs = envInt(env, "STORE_REAPER_INTERVAL_MS", D.REAPER_INTERVAL_MS, { min: 10, max: 86_400_000 });
  const reaperCheckTimeoutMs = envInt(env, "STORE_REAPER_CHECK_TIMEOUT_MS", D.REAPER_CHECK_TIMEOUT_MS, { min: 10, max: 600_000 });
  if (reaperCheckTimeoutMs >= reaperIntervalMs) {
    throw new ConfigError(
      `STORE_REAPER_CHECK_TIMEOUT_MS=${reaperCheckTimeoutMs} must be below STORE_REAPER_INTERVAL_MS=${reaperIntervalMs}: a check that can outlast the interval stretches the time between checks of an unreachable node, and its sessions would be lost later than grace + one interval`,
    );
  }
  return Object.freeze({
    listen,
    databaseUrl,
    flushBytes,
    flushMs: envInt(env, "STORE_FLUSH_MS", D.FLUSH_MS, { min: 0, max: 60_000 }),
    maxPendingBytes,
    poolSize: envInt(env, "STORE_POOL_SIZE", D.POOL_SIZE, { min: 2, max: 1000 }),
    connectTimeoutMs: envInt(env, "STORE_PG_CONNECT_TIMEOUT_MS", D.CONNECT_TIMEOUT_MS, { min: 100, max: 600_000 }),
    statementTimeoutMs: envInt(env, "STORE_PG_STATEMENT_TIMEOUT_MS", D.STATEMENT_TIMEOUT_MS, { min: 100, max: 3_600_000 }),
    maxConnectionAgeMs: envInt(env, "STORE_MAX_CONNECTION_AGE_MS", D.MAX_CONNECTION_AGE_MS, { min: 0, max: 30 * 86_400_000 }),
    maxConnectionAgeGraceMs: envInt(env, "STORE_MAX_CONNECTION_AGE_GRACE_MS", D.MAX_CONNECTION_AGE_GRACE_MS, { min: 0, max: 86_400_000 }),
    healthProbeMs: envInt(env, "STORE_HEALTH_PROBE_MS", D.HEALTH_PROBE_MS, { min: 10, max: 600_000 }),
    shutdownGraceMs: envInt(env, "STORE_SHUTDOWN_GRACE_MS", D.SHUTDOWN_GRACE_MS, { min: 0, max: 600_000 }),
    seqWindow: envInt(env, "STORE_SEQ_WINDOW", D.SEQ_WINDOW, { min: 1, max: Number.MAX_SAFE_INTEGER }),
    security: loadServerSecurity(env, { prefix: "STORE", listen, listenVar: "STORE_LISTEN" }),
    metricsListen: envMetricsListen(env, "STORE_METRICS_LISTEN"),
    ptyClient: loadClientSecurity(env, "STORE_PTY"),
    compactor: envBool(env, "STORE_COMPACTOR", D.COMPACTOR),
    compactIntervalMs: envInt(env, "STORE_COMPACT_INTERVAL_MS", D.COMPACT_INTERVAL_MS, { min: 10, max: 86_400_000 }),
    compactAfterMs: envInt(env, "STORE_COMPACT_AFTER_MS", D.COMPACT_AFTER_MS, { min: 0, max: 30 * 86_400_000 }),
    retentionBytes: envInt(env, "STORE_RETENTION_BYTES", D.RETENTION_BYTES, { min: 0, max: Number.MAX_SAFE_INTEGER }),
    retentionMaxAgeMs: envInt(env, "STORE_RETENTION_MAX_AGE_MS", D.RETENTION_MAX_AGE_MS, { min: 0, max: Number.MAX_SAFE_INTEGER }),
    snapshotter: envBool(env, "STORE_SNAPSHOTTER", D.SNAPSHOTTER),
    snapshotIntervalMs: envInt(env, "STORE_SNAPSHOT_INTERVAL_MS", D.SNAPSHOT_INTERVAL_MS, { min: 10, max: 86_400_000 }),
    snapshotEveryBytes: envInt(env, "STORE_SNAPSHOT_EVERY_BYTES", D.SNAPSHOT_EVERY_BYTES, { min: 1024, max: 1024 * 1024 * 1024 }),
    snapshotEveryMs: envInt(env, "STORE_SNAPSHOT_EVERY_MS", D.SNAPSHOT_EVERY_MS, { min: 100, max: 30 * 86_400_000 }),
    snapshotKeepEveryBytes: envInt(env, "STORE_SNAPSHOT_KEEP_EVERY_BYTES", D.SNAPSHOT_KEEP_EVERY_BYTES, { min: 1024, max: Number.MAX_SAFE_INTEGER }),
    snapshotScrollback: envInt(env, "STORE_SNAPSHOT_SCROLLBACK", D.SNAPSHOT_SCROLLBACK, { min: 0, max: 100_000 }),
    snapshotCpuPercent: envInt(env, "STORE_SNAPSHOT_CPU_PERCENT", D.SNAPSHOT_CPU_PERCENT, { min: 1, max: 100 }),
    reaper: envBool(env, "STORE_REAPER", D.REAPER),
    reaperIntervalMs,
    reaperGraceMs: envInt(env, "STORE_REAPER_GRACE_MS", D.REAPER_GRACE_MS, { min: 0, max: 30 * 86_400_000 }),
    reaperMinAgeMs: envInt(env, "STORE_REAPER_MIN_AGE_MS", D.REAPER_MIN_AGE_MS, { min: 0, max: 86_400_000 }),
    reaperCheckTimeoutMs,
    reaperRecheckMs: envInt(env, "STORE_REAPER_RECHECK_MS", D.REAPER_RECHECK_MS, { min: 0, max: 30 * 86_400_000 }),
  });
}
